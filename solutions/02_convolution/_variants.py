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
    "backward_flipped_kernel": ("conv_backward_naive", "flipped_kernel"),
    "backward_empty_dx": ("conv_backward_naive", "empty_dx_pad0"),
    "correlate_flipped": ("correlate2d", "flipped_kernel"),
    "convolve_not_flipped": ("convolve2d", "not_flipped"),
    "convolve_flipped_one_axis": ("convolve2d", "flipped_one_axis"),
}
