"""Assignment 04, part 2 — a residual block (He et al. 2016) in numpy.

The block (He et al. 2016, "Deep Residual Learning for Image Recognition", §3.2-3.3, without
batch normalization)::

    F(x)  = conv2(relu(conv1(x)))           # the residual branch
    out   = relu(F(x) + shortcut(x))        # ReLU AFTER the addition

* conv1: 3x3, padding 1, stride ``block_param['stride']``; conv2: 3x3, padding 1, stride 1.
* shortcut: the identity, or — when ``params`` holds ``ws`` and ``bs`` — a 1x1 convolution
  with the same stride as conv1 and no padding (the "projection shortcut", option B of §3.3),
  needed when the block changes the number of channels or the resolution.

Convolutions are cross-correlations with zero padding, as in CS231n and PyTorch (no kernel
flip). Arrays are ``float64``; the forward pass returns ``(out, cache)`` and the cache is opaque.
"""
import numpy as np

### BEGIN SOLUTION
def _conv_forward(x, w, b, stride, pad):
    """Vectorized cross-correlation. x (N, C, H, W), w (F, C, HH, WW), b (F,) -> (N, F, H_out, W_out)."""
    _, _, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # pad H and W only
    # A view of every HH x WW window; stepping [::stride] keeps the windows the conv uses.
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (HH, WW), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]  # (N, C, H_out, W_out, HH, WW)
    out = np.einsum("nchwij,fcij->nfhw", windows, w, optimize=True) + b[None, :, None, None]
    return out, (x.shape, x_pad, w, stride, pad)


def _conv_backward(dout, cache):
    """Gradients of _conv_forward. dout (N, F, H_out, W_out) -> dx (N, C, H, W), dw, db."""
    x_shape, x_pad, w, stride, pad = cache
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (HH, WW), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]  # (N, C, H_out, W_out, HH, WW)
    dw = np.einsum("nfhw,nchwij->fcij", dout, windows, optimize=True)  # (F, C, HH, WW)
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    # Each kernel tap (i, j) saw a strided grid of input pixels; send its share of the
    # gradient back there. Looping over the HH*WW taps keeps the overlaps as simple sums.
    dx_pad = np.zeros_like(x_pad, dtype=np.float64)
    for i in range(HH):
        for j in range(WW):
            rows = slice(i, i + stride * (H_out - 1) + 1, stride)
            cols = slice(j, j + stride * (W_out - 1) + 1, stride)
            dx_pad[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])  # (N, C, H_out, W_out)
    H, W = x_shape[2], x_shape[3]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]  # pad:pad+H, not pad:-pad, which is empty for pad=0
    return dx.copy(), dw, db


def _check_block_shapes(x, params, stride):
    """Raise ValueError with a readable message when the block's arrays do not fit together."""
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W); got shape {x.shape}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1; got {stride}")
    C = x.shape[1]
    F = params["w1"].shape[0]
    expected = {"w1": (F, C, 3, 3), "b1": (F,), "w2": (F, F, 3, 3), "b2": (F,)}
    has_ws, has_bs = "ws" in params, "bs" in params
    if has_ws != has_bs:
        raise ValueError("params must hold both 'ws' and 'bs' (projection shortcut) or neither (identity)")
    if has_ws:
        expected.update(ws=(F, C, 1, 1), bs=(F,))
    elif stride != 1 or C != F:
        raise ValueError(
            f"an identity shortcut needs stride 1 and as many output as input channels "
            f"(stride={stride}, C={C}, F={F}); give 'ws' and 'bs' for a projection shortcut")
    for key, shape in expected.items():
        if params[key].shape != shape:
            raise ValueError(f"params[{key!r}] must have shape {shape}; got {params[key].shape}")
### END SOLUTION


def residual_block_forward(x, params, block_param):
    """Forward pass of a basic residual block (no batch normalization)::

        out = relu(conv2(relu(conv1(x))) + shortcut(x))

    Args:
        x: input, shape (N, C, H, W), float64.
        params: dict of float64 arrays
            ``w1``: (F, C, 3, 3) and ``b1``: (F,) — conv1, 3x3, padding 1, stride ``stride``;
            ``w2``: (F, F, 3, 3) and ``b2``: (F,) — conv2, 3x3, padding 1, stride 1;
            optional ``ws``: (F, C, 1, 1) and ``bs``: (F,) — projection shortcut, a 1x1
            convolution with stride ``stride`` and no padding. Without them the shortcut is
            the identity, which requires stride 1 and F == C.
        block_param: dict with key ``stride`` (int >= 1, default 1 when absent).

    Returns:
        out: shape (N, F, H_out, W_out), float64, with H_out = 1 + (H - 1) // stride and
            W_out = 1 + (W - 1) // stride (3x3 / pad 1 and 1x1 / pad 0 give the same size).
        cache: whatever residual_block_backward needs (opaque).

    Raises:
        ValueError: x is not 4-D; an array of params has the wrong shape; only one of
            ``ws`` / ``bs`` is given; or the shortcut is the identity while stride != 1 or
            F != C.
        KeyError: w1, b1, w2 or b2 is missing.

    Source: He et al. 2016, "Deep Residual Learning for Image Recognition", §3.2 (eq. 1-2)
    and §3.3 (projection shortcut, option B); the same wiring as torchvision's ``BasicBlock``
    without its BatchNorm layers. Convolutions are cross-correlations (CS231n, PyTorch).
    """
    ### BEGIN SOLUTION
    stride = block_param.get("stride", 1)
    _check_block_shapes(x, params, stride)
    a1, conv1_cache = _conv_forward(x, params["w1"], params["b1"], stride, pad=1)  # (N, F, H_out, W_out)
    h1 = np.maximum(a1, 0)
    a2, conv2_cache = _conv_forward(h1, params["w2"], params["b2"], 1, pad=1)  # (N, F, H_out, W_out)
    if "ws" in params:
        shortcut, shortcut_cache = _conv_forward(x, params["ws"], params["bs"], stride, pad=0)
    else:
        shortcut, shortcut_cache = x, None
    z = a2 + shortcut
    out = np.maximum(z, 0)  # the ReLU comes after the addition
    cache = (a1, z, conv1_cache, conv2_cache, shortcut_cache)
    return out, cache
    ### END SOLUTION


def residual_block_backward(dout, cache):
    """Backward pass of the residual block.

    The gradient reaching the addition flows into BOTH branches: through conv2, relu and
    conv1 (the residual branch) and through the shortcut (unchanged for the identity,
    through the 1x1 convolution for a projection); dx is the sum of the two.

    Args:
        dout: upstream gradient, shape (N, F, H_out, W_out), float64.
        cache: the cache returned by residual_block_forward.

    Returns:
        grads: dict of float64 arrays with key ``x`` (shape of x) and one key per key of
            the forward's ``params`` (``w1, b1, w2, b2`` and, for a projection shortcut,
            ``ws, bs``), each with the shape of that parameter.

    Raises:
        ValueError: dout does not have the shape of the forward output.
    """
    ### BEGIN SOLUTION
    a1, z, conv1_cache, conv2_cache, shortcut_cache = cache
    if dout.shape != z.shape:
        raise ValueError(f"dout must have shape {z.shape}; got {dout.shape}")
    dz = dout * (z > 0)  # through the final ReLU
    dh1, dw2, db2 = _conv_backward(dz, conv2_cache)
    da1 = dh1 * (a1 > 0)
    dx, dw1, db1 = _conv_backward(da1, conv1_cache)
    grads = {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
    if shortcut_cache is not None:
        dx_shortcut, grads["ws"], grads["bs"] = _conv_backward(dz, shortcut_cache)
    else:
        dx_shortcut = dz  # identity: the gradient passes straight through
    grads["x"] = dx + dx_shortcut
    return grads
    ### END SOLUTION
