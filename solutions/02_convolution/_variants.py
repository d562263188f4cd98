"""Known-wrong versions of assignment 02 (instructor only; never released).

Each ``variant_<misconception>`` returns what a student with that misconception returns on
the same arguments (``None`` when it does not apply to these arguments). Built on the
reference so that each differs from it in exactly one way.
"""
import numpy as np

from . import conv_layers as _ref  # the one execution of the solution (see grader.reference)



def _fwd(x, w, b, conv_param):
    return _ref.conv_forward_naive(x, w, b, conv_param)[0]


def variant_flipped_kernel(x, w, b, conv_param):
    """True convolution: the kernel rotated by 180°."""
    return _fwd(x, w[:, :, ::-1, ::-1], b, conv_param)


def variant_swapped_kernel_hw(x, w, b, conv_param):
    """Kernel height and width swapped (window HH×WW read as WW×HH)."""
    if w.shape[2] == w.shape[3]:
        return None
    try:
        return _fwd(x, w.transpose(0, 1, 3, 2), b, conv_param)
    except ValueError:
        return None


def _pad_variant(x, w, b, conv_param, widths):
    p = conv_param["pad"]
    if p == 0:
        return None
    x_pad = np.pad(x, widths)
    try:
        return _fwd(x_pad, w, b, dict(conv_param, pad=0))
    except ValueError:
        return None


def variant_pad_one_side_after(x, w, b, conv_param):
    """Zero padding added only after (bottom/right), 2·pad wide."""
    p = conv_param["pad"]
    return _pad_variant(x, w, b, conv_param, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))


def variant_pad_one_side_before(x, w, b, conv_param):
    """Zero padding added only before (top/left), 2·pad wide."""
    p = conv_param["pad"]
    return _pad_variant(x, w, b, conv_param, ((0, 0), (0, 0), (2 * p, 0), (2 * p, 0)))


def variant_pad_only_once(x, w, b, conv_param):
    """Padding of width pad on one side only (top/left)."""
    p = conv_param["pad"]
    return _pad_variant(x, w, b, conv_param, ((0, 0), (0, 0), (p, 0), (p, 0)))


def variant_pad_all_axes(x, w, b, conv_param):
    """``np.pad(x, pad)`` pads N and C too; indexing [n, c] then reads shifted, zero-padded data."""
    p = conv_param["pad"]
    if p == 0:
        return None
    N, C = x.shape[:2]
    shifted = np.pad(x, p)[:N, :C]  # (N, C, H+2p, W+2p), already padded in H and W
    return _fwd(shifted, w, b, dict(conv_param, pad=0))


def variant_missing_bias(x, w, b, conv_param):
    """Bias never added."""
    return _fwd(x, w, np.zeros_like(b), conv_param)


def variant_output_size_minus_one(x, w, b, conv_param):
    """Output size off by one (the ``+ 1`` forgotten): last row and column missing."""
    out = _fwd(x, w, b, conv_param)
    return out[:, :, :-1, :-1] if min(out.shape[2:]) > 1 else None


def variant_ignores_stride(x, w, b, conv_param):
    """Stride ignored (always 1)."""
    return _fwd(x, w, b, dict(conv_param, stride=1)) if conv_param["stride"] > 1 else None


def variant_ignores_dilation(x, w, b, conv_param):
    """Dilation ignored (always 1)."""
    return _fwd(x, w, b, dict(conv_param, dilation=1)) if conv_param.get("dilation", 1) > 1 else None


def variant_ignores_stride_same_size(x, w, b, conv_param):
    """Output sized for the stride, but windows moved one pixel at a time."""
    if conv_param["stride"] == 1:
        return None
    out = _fwd(x, w, b, conv_param)
    ones = _fwd(x, w, b, dict(conv_param, stride=1))
    return ones[:, :, : out.shape[2], : out.shape[3]]


def variant_bias_added_twice(x, w, b, conv_param):
    """The bias added inside the window sum and again afterwards."""
    return _fwd(x, w, b, conv_param) + b[None, :, None, None]


def variant_hardcoded_pad(x, w, b, conv_param):
    """``pad = 1`` (or a ``1:-1`` slice) whatever conv_param says."""
    if conv_param["pad"] == 1:
        return None
    try:
        return _fwd(x, w, b, dict(conv_param, pad=1))
    except ValueError:
        return None


def _ungrouped(conv_param):
    return {k: v for k, v in conv_param.items() if k != "groups"}


def variant_ignores_groups(x, w, b, conv_param):
    """Every filter reads the first C / groups channels (the group offset never applied)."""
    if conv_param.get("groups", 1) == 1:
        return None
    return _fwd(x[:, : w.shape[1]], w, b, _ungrouped(conv_param))


def variant_groups_offset(x, w, b, conv_param):
    """Filter f read its channels from group f % groups instead of f // (F // groups)."""
    G = conv_param.get("groups", 1)
    F, Cg = w.shape[:2]
    if G == 1 or F == G:
        return None
    cp = _ungrouped(conv_param)
    return np.concatenate([_fwd(x[:, (f % G) * Cg:(f % G + 1) * Cg], w[f:f + 1], b[f:f + 1], cp) for f in range(F)], axis=1)


def variant_returns_out_only(x, w, b, conv_param):
    """The forward returned ``out`` alone, so its first element is ``out[0]`` (not the tuple's ``out``)."""
    return _fwd(x, w, b, conv_param)[0]


def _right_dx_dw(dout, x, w, b, conv_param):
    _, cache = _ref.conv_forward_naive(x, w, b, conv_param)
    dx, dw, _ = _ref.conv_backward_naive(dout, cache)
    return dx, dw


def variant_backward_db_wrong_axes(dout, x, w, b, conv_param):
    """``db`` summed over (0, 2) only: the width axis left in (dx and dw right)."""
    return (*_right_dx_dw(dout, x, w, b, conv_param), dout.sum(axis=(0, 2)))


def variant_backward_db_over_batch_only(dout, x, w, b, conv_param):
    """``db`` summed over the batch only (dx and dw right)."""
    return (*_right_dx_dw(dout, x, w, b, conv_param), dout.sum(axis=0))


def _scatter_backward(dout, x, w, conv_param, *, accumulate=True, dilated=True):
    """Loop backward (n, f, i, j order), with the slip a student makes switched on."""
    s, p = conv_param["stride"], conv_param["pad"]
    d = conv_param.get("dilation", 1) if dilated else 1
    G = conv_param.get("groups", 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            c0 = (f // (F // G)) * Cg
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows = slice(i * s, i * s + d * (HH - 1) + 1, d)
                    cols = slice(j * s, j * s + d * (WW - 1) + 1, d)
                    g = dout[n, f, i, j]
                    dw[f] += xp[n, c0:c0 + Cg, rows, cols] * g
                    if accumulate:
                        dxp[n, c0:c0 + Cg, rows, cols] += w[f] * g
                    else:
                        dxp[n, c0:c0 + Cg, rows, cols] = w[f] * g
    return dxp[:, :, p:p + H, p:p + W], dw, dout.sum(axis=(0, 2, 3))


def variant_backward_assign_not_accumulate(dout, x, w, b, conv_param):
    """``dx_pad[window] = w * dout`` instead of ``+=``: overlapping windows overwrite each other."""
    HH, WW = w.shape[2:]
    d = conv_param.get("dilation", 1)
    if conv_param["stride"] >= max(d * (HH - 1) + 1, d * (WW - 1) + 1):
        return None  # windows never overlap: assignment is right here
    dx, _, _ = _scatter_backward(dout, x, w, conv_param, accumulate=False)
    return dx, None, None


def variant_backward_ignores_dilation(dout, x, w, b, conv_param):
    """A backward whose windows are contiguous (dilation left out), under a right forward."""
    if conv_param.get("dilation", 1) == 1:
        return None
    dx, dw, _ = _scatter_backward(dout, x, w, conv_param, dilated=False)
    return dx, dw, None


def variant_backward_flipped_kernel(dout, x, w, b, conv_param):
    """Gradients of the flipped-kernel forward: (dx, dw, db), dw flipped back onto w's layout."""
    wf = w[:, :, ::-1, ::-1]
    _, cache = _ref.conv_forward_naive(x, wf, b, conv_param)
    dx, dw, db = _ref.conv_backward_naive(dout, cache)
    return dx, dw[:, :, ::-1, ::-1], db


def variant_backward_empty_dx(dout, x, w, b, conv_param):
    """``dx = dx_pad[:, :, pad:-pad, pad:-pad]``: empty when pad = 0."""
    if conv_param["pad"] != 0:
        return None
    N, C = x.shape[:2]
    return np.zeros((N, C, 0, 0))


def variant_correlate_flipped(image, kernel):
    """correlate2d that flips the kernel (that is convolution)."""
    return _ref.convolve2d(image, kernel)


def variant_convolve_not_flipped(image, kernel):
    """convolve2d that forgets to flip the kernel (that is cross-correlation)."""
    return _ref.correlate2d(image, kernel)


def variant_convolve_flipped_one_axis(image, kernel):
    """convolve2d that flips only one axis (``kernel[::-1]`` or ``np.flip(kernel, 0)``)."""
    return _ref.correlate2d(image, kernel[::-1, :])


# variant -> the function it imitates, or (function, misconception) when several variants are
# evidence of one misconception; the feedback texts live in the grader.
IMITATES = {
    "flipped_kernel": "conv_forward_naive",
    "swapped_kernel_hw": "conv_forward_naive",
    "pad_one_side_after": ("conv_forward_naive", "pad_one_side"),
    "pad_one_side_before": ("conv_forward_naive", "pad_one_side"),
    "pad_only_once": ("conv_forward_naive", "pad_one_side"),
    "pad_all_axes": "conv_forward_naive",
    "missing_bias": "conv_forward_naive",
    "output_size_minus_one": ("conv_forward_naive", "off_by_one_output_size"),
    "ignores_stride": "conv_forward_naive",
    "ignores_dilation": "conv_forward_naive",
    "ignores_stride_same_size": ("conv_forward_naive", "ignores_stride"),
    "bias_added_twice": "conv_forward_naive",
    "hardcoded_pad": "conv_forward_naive",
    "ignores_groups": "conv_forward_naive",
    "groups_offset": "conv_forward_naive",
    "returns_out_only": "conv_forward_naive",
    "backward_db_wrong_axes": ("conv_backward_naive", "db_wrong_axes"),
    "backward_db_over_batch_only": ("conv_backward_naive", "db_wrong_axes"),
    "backward_assign_not_accumulate": ("conv_backward_naive", "assign_not_accumulate"),
    "backward_ignores_dilation": ("conv_backward_naive", "ignores_dilation"),
    "backward_flipped_kernel": ("conv_backward_naive", "flipped_kernel"),
    "backward_empty_dx": ("conv_backward_naive", "empty_dx_pad0"),
    "correlate_flipped": ("correlate2d", "flipped_kernel"),
    "convolve_not_flipped": ("convolve2d", "not_flipped"),
    "convolve_flipped_one_axis": ("convolve2d", "flipped_one_axis"),
}
