"""Assignment 02 — 2-D convolution, forward and backward, in numpy.

Conventions (CS231n assignment 2): x has shape (N, C, H, W), weights (F, C // groups, HH, WW),
bias (F,); forward functions return ``(out, cache)`` and backward functions take
``(dout, cache)``. A "convolution" layer in deep learning computes a *cross-correlation*: the
kernel is not flipped (Goodfellow et al., Deep Learning, §9.1).

References: CS231n assignment 2 (``conv_forward_naive``); Dumoulin & Visin (2016) for the
output-size arithmetic; PyTorch ``torch.nn.functional.conv2d`` for dilation and groups;
Howard et al. (2017), MobileNets §3.1 for depthwise separable convolutions.
"""
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """Forward pass of a 2-D convolution (cross-correlation) layer.

    ``out[n, f, i, j] = b[f] + Σ_{c, p, q} x_pad[n, g*Cg + c, i*stride + p*dilation,
    j*stride + q*dilation] * w[f, c, p, q]`` where ``g = f // (F // groups)`` is the group
    of filter ``f`` and ``Cg = C // groups``.

    Args:
        x (np.ndarray): input, shape (N, C, H, W), float64.
        w (np.ndarray): filters, shape (F, C // groups, HH, WW), float64.
        b (np.ndarray): biases, shape (F,), float64.
        conv_param (dict): ``stride`` (int ≥ 1), ``pad`` (int ≥ 0, zeros on every side of H
            and W only), optional ``dilation`` (int ≥ 1, default 1) and ``groups`` (int ≥ 1,
            dividing C and F; default 1).

    Returns:
        tuple: ``(out, cache)`` with ``out`` of shape (N, F, H', W'),
        ``H' = (H + 2*pad - dilation*(HH - 1) - 1) // stride + 1`` (likewise W'), float64;
        ``cache`` is whatever ``conv_backward_naive`` needs.

    Raises:
        ValueError: shapes are inconsistent or the kernel does not fit.

    The inputs are not modified.
    """
    ### BEGIN SOLUTION
    stride, pad, dilation, groups = _conv_settings(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C % groups or F % groups or Cg != C // groups:
        raise ValueError(f"w has shape {w.shape}; with C = {C} and groups = {groups} it must be (F, {C // groups}, HH, WW)")
    H_out = (H + 2 * pad - dilation * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - dilation * (WW - 1) - 1) // stride + 1
    if H_out < 1 or W_out < 1:
        raise ValueError("the (dilated) kernel does not fit in the padded input")
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # pad H and W only
    G, Fg = groups, F // groups
    w_g = w.reshape(G, Fg, Cg, HH, WW)  # filters of group g act on channels g*Cg:(g+1)*Cg
    out = np.empty((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = _window(x_pad, i, j, stride, dilation, HH, WW)  # (N, C, HH, WW)
            window = window.reshape(N, G, Cg, HH, WW)
            # (N, G, Cg, HH, WW) · (G, Fg, Cg, HH, WW) → (N, G, Fg)
            out[:, :, i, j] = np.einsum("ngchw,gfchw->ngf", window, w_g).reshape(N, F)
    out += b.reshape(1, F, 1, 1)
    cache = (x, w, b, (stride, pad, dilation, groups))
    return out, cache
    ### END SOLUTION


def conv_backward_naive(dout, cache):
    """Backward pass of :func:`conv_forward_naive`.

    Args:
        dout (np.ndarray): upstream gradient, shape (N, F, H', W'), float64.
        cache: the second value returned by ``conv_forward_naive``.

    Returns:
        tuple: ``(dx, dw, db)`` with the shapes of x (N, C, H, W), w (F, C // groups, HH, WW)
        and b (F,), float64.

    Neither ``dout`` nor anything in the cache is modified.
    """
    ### BEGIN SOLUTION
    x, w, b, (stride, pad, dilation, groups) = cache
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    G, Fg = groups, F // groups
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    w_g = w.reshape(G, Fg, Cg, HH, WW)
    dw_g = np.zeros_like(w_g)
    dout_g = dout.reshape(N, G, Fg, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = _window_slices(i, j, stride, dilation, HH, WW)
            window = x_pad[:, :, rows, cols].reshape(N, G, Cg, HH, WW)
            d = dout_g[:, :, :, i, j]  # (N, G, Fg)
            # (N, G, Fg) · (N, G, Cg, HH, WW) → (G, Fg, Cg, HH, WW)
            dw_g += np.einsum("ngf,ngchw->gfchw", d, window)
            # (N, G, Fg) · (G, Fg, Cg, HH, WW) → (N, G, Cg, HH, WW); windows overlap, so accumulate
            dx_pad[:, :, rows, cols] += np.einsum("ngf,gfchw->ngchw", d, w_g).reshape(N, C, HH, WW)
    dx = dx_pad[:, :, pad : pad + H, pad : pad + W]  # not pad:-pad, which is empty when pad == 0
    dw = dw_g.reshape(F, Cg, HH, WW)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
    ### END SOLUTION


def correlate2d(image, kernel):
    """2-D cross-correlation of one single-channel image, "valid" mode.

    ``out[i, j] = Σ_{p, q} image[i + p, j + q] * kernel[p, q]`` (as
    ``scipy.signal.correlate2d(image, kernel, mode='valid')``).

    Args:
        image (np.ndarray): shape (H, W), float64.
        kernel (np.ndarray): shape (HH, WW) with HH ≤ H and WW ≤ W, float64.

    Returns:
        np.ndarray: shape (H - HH + 1, W - WW + 1), float64.

    Raises:
        ValueError: the arrays are not 2-D or the kernel is larger than the image.
    """
    ### BEGIN SOLUTION
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("image and kernel must be 2-D")
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError(f"kernel {kernel.shape} is larger than image {image.shape}")
    out = np.zeros((H - HH + 1, W - WW + 1))
    # Sum of shifted copies of the image, one per kernel tap: no loop over output pixels.
    for p in range(HH):
        for q in range(WW):
            out += kernel[p, q] * image[p : p + H - HH + 1, q : q + W - WW + 1]
    return out
    ### END SOLUTION


def convolve2d(image, kernel):
    """2-D (true) convolution of one single-channel image, "valid" mode.

    Convolution flips the kernel in both axes: ``out[i, j] = Σ_{p, q} image[i + p, j + q] *
    kernel[HH - 1 - p, WW - 1 - q]`` (as ``scipy.signal.convolve2d(..., mode='valid')``).

    Args:
        image (np.ndarray): shape (H, W), float64.
        kernel (np.ndarray): shape (HH, WW) with HH ≤ H and WW ≤ W, float64.

    Returns:
        np.ndarray: shape (H - HH + 1, W - WW + 1), float64.

    Raises:
        ValueError: the arrays are not 2-D or the kernel is larger than the image.
    """
    ### BEGIN SOLUTION
    if kernel.ndim != 2:
        raise ValueError("kernel must be 2-D")
    return correlate2d(image, kernel[::-1, ::-1])
    ### END SOLUTION


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    """Depthwise separable convolution: a depthwise conv, then a 1×1 pointwise conv.

    The depthwise step is ``conv_forward_naive`` with ``groups = C`` (one HH×WW filter per
    channel) using ``conv_param``'s stride, pad and dilation; the pointwise step is a 1×1
    convolution with stride 1 and no padding. There is no nonlinearity in between
    (MobileNets §3.1 puts BN + ReLU there; this exercise leaves them out).

    Args:
        x (np.ndarray): shape (N, C, H, W), float64.
        w_depthwise (np.ndarray): shape (C, 1, HH, WW).
        b_depthwise (np.ndarray): shape (C,).
        w_pointwise (np.ndarray): shape (F, C, 1, 1).
        b_pointwise (np.ndarray): shape (F,).
        conv_param (dict): ``stride``, ``pad``, optional ``dilation`` for the depthwise step
            (a ``groups`` key, if present, is ignored: the depthwise step always uses C).

    Returns:
        tuple: ``(out, cache)``, out of shape (N, F, H', W') with H', W' as in
        ``conv_forward_naive``.

    Raises:
        ValueError: inconsistent shapes.
    """
    ### BEGIN SOLUTION
    C = x.shape[1]
    depthwise_param = dict(conv_param, groups=C)
    mid, depthwise_cache = conv_forward_naive(x, w_depthwise, b_depthwise, depthwise_param)
    out, pointwise_cache = conv_forward_naive(mid, w_pointwise, b_pointwise, {"stride": 1, "pad": 0})
    return out, (depthwise_cache, pointwise_cache)
    ### END SOLUTION


def depthwise_separable_conv_backward(dout, cache):
    """Backward pass of :func:`depthwise_separable_conv_forward`.

    Args:
        dout (np.ndarray): shape (N, F, H', W').
        cache: from the forward pass.

    Returns:
        tuple: ``(dx, dw_depthwise, db_depthwise, dw_pointwise, db_pointwise)`` with the
        shapes of the corresponding forward arguments.
    """
    ### BEGIN SOLUTION
    depthwise_cache, pointwise_cache = cache
    dmid, dw_pointwise, db_pointwise = conv_backward_naive(dout, pointwise_cache)
    dx, dw_depthwise, db_depthwise = conv_backward_naive(dmid, depthwise_cache)
    return dx, dw_depthwise, db_depthwise, dw_pointwise, db_pointwise
    ### END SOLUTION


### BEGIN SOLUTION
def _conv_settings(conv_param):
    stride = conv_param["stride"]
    pad = conv_param["pad"]
    dilation = conv_param.get("dilation", 1)
    groups = conv_param.get("groups", 1)
    if stride < 1 or pad < 0 or dilation < 1 or groups < 1:
        raise ValueError(f"invalid conv_param {conv_param}")
    return stride, pad, dilation, groups


def _window_slices(i, j, stride, dilation, HH, WW):
    # The window of output (i, j): HH taps spaced `dilation` apart, starting at i*stride.
    rows = slice(i * stride, i * stride + dilation * (HH - 1) + 1, dilation)
    cols = slice(j * stride, j * stride + dilation * (WW - 1) + 1, dilation)
    return rows, cols


def _window(x_pad, i, j, stride, dilation, HH, WW):
    rows, cols = _window_slices(i, j, stride, dilation, HH, WW)
    return x_pad[:, :, rows, cols]
### END SOLUTION
