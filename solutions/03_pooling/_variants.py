"""Known misconceptions for assignment 03 (instructor only, never shipped to students).

Each ``variant_<name>`` computes what a student holding that misconception returns, so the
grader can run it on the inputs of a failed case and, when the student's output matches,
name the misconception (``IMITATES``; the feedback texts live in the grader; see
research/mistakes.md, rows M3-M7).

Signatures:
* forward variants imitate the forward function: ``(x, pool_param) -> (out, None)``;
* backward variants cannot take the reference's opaque cache, so they take the forward's
  inputs instead: ``(dout, x, pool_param) -> dx``.

Variants never modify their arguments.
"""
import numpy as np

def _out_size(x, pool_param):
    """(ph, pw, stride, H_out, W_out) computed correctly, as these students do."""
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph, pw, s, 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s


def _max_pool_with_windows(x, pool_param, win_h, win_w):
    N, C = x.shape[:2]
    _, _, s, H_out, W_out = _out_size(x, pool_param)
    out = np.empty((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * s:i * s + win_h, j * s:j * s + win_w].max(axis=(2, 3))
    return out


def variant_window_from_stride(x, pool_param):
    """Max-pool forward whose windows are stride x stride (x[..., i*s:(i+1)*s, j*s:(j+1)*s]); output shape right."""
    s = pool_param["stride"]
    return _max_pool_with_windows(x, pool_param, s, s), None


def variant_swapped_pool_hw(x, pool_param):
    """Max-pool forward slicing rows with pool_width and columns with pool_height; output shape right."""
    return _max_pool_with_windows(x, pool_param, pool_param["pool_width"], pool_param["pool_height"]), None


def _max_pool_backward(dout, x, pool_param, route, accumulate=True):
    """Loop over windows; route(window (N, C, ph*pw)) -> weights (N, C, ph*pw) for dout."""
    ph, pw, s, H_out, W_out = _out_size(x, pool_param)
    N, C = x.shape[:2]
    dx = np.zeros(x.shape)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * s, i * s + ph), slice(j * s, j * s + pw)
            weights = route(x[:, :, rows, cols].reshape(N, C, ph * pw)).reshape(N, C, ph, pw)
            contribution = weights * dout[:, :, i, j][:, :, None, None]
            if accumulate:
                dx[:, :, rows, cols] += contribution
            else:
                dx[:, :, rows, cols] = contribution
    return dx


def _first_max(window):
    return (np.arange(window.shape[-1]) == window.argmax(axis=-1)[..., None]).astype(float)


def variant_backward_assign_not_accumulate(dout, x, pool_param):
    """Max-pool backward writing dx[window] = mask * dout (whole window overwritten) instead of +=."""
    return _max_pool_backward(dout, x, pool_param, _first_max, accumulate=False)


def variant_backward_assign_at_argmax(dout, x, pool_param):
    """Max-pool backward writing dx[argmax position] = dout instead of += (only that element overwritten)."""
    ph, pw, s, H_out, W_out = _out_size(x, pool_param)
    N, C = x.shape[:2]
    dx = np.zeros(x.shape)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")  # (N, C) each
    for i in range(H_out):
        for j in range(W_out):
            flat = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(N, C, ph * pw).argmax(axis=2)
            dx[n, c, i * s + flat // pw, j * s + flat % pw] = dout[:, :, i, j]
    return dx


def variant_backward_all_ties(dout, x, pool_param):
    """Max-pool backward giving the full gradient to every tied maximum (mask window == window.max())."""
    return _max_pool_backward(
        dout, x, pool_param, lambda w: (w == w.max(axis=-1, keepdims=True)).astype(float))


def variant_backward_last_tie(dout, x, pool_param):
    """Max-pool backward giving the gradient to the LAST tied maximum in row-major order."""
    def last_max(window):
        last = window.shape[-1] - 1 - window[..., ::-1].argmax(axis=-1)
        return (np.arange(window.shape[-1]) == last[..., None]).astype(float)
    return _max_pool_backward(dout, x, pool_param, last_max)


def variant_backward_split_ties(dout, x, pool_param):
    """Max-pool backward splitting the gradient equally among tied maxima."""
    def split(window):
        mask = (window == window.max(axis=-1, keepdims=True)).astype(float)
        return mask / mask.sum(axis=-1, keepdims=True)
    return _max_pool_backward(dout, x, pool_param, split)


# variant -> the function it imitates (the diagnosis is the variant's name)
IMITATES = {
    "window_from_stride": "max_pool_forward_naive",
    "swapped_pool_hw": "max_pool_forward_naive",
    "backward_assign_not_accumulate": "max_pool_backward_naive",
    "backward_assign_at_argmax": "max_pool_backward_naive",
    "backward_all_ties": "max_pool_backward_naive",
    "backward_last_tie": "max_pool_backward_naive",
    "backward_split_ties": "max_pool_backward_naive",
}
