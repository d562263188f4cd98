"""Assignment 03 — pooling layers (max, average, global average) in numpy.

Conventions (CS231n assignment 2, ``layers.py``):

* Inputs are ``float64`` arrays of shape ``(N, C, H, W)``; outputs are ``float64``.
* Forward functions return ``(out, cache)``; backward functions take ``(dout, cache)``
  and return ``dx``. The cache is yours: the grader never looks inside it.
* ``pool_param`` is a dict with the keys ``pool_height``, ``pool_width`` and ``stride``.
  There is no padding, and a window that would hang over the bottom or right edge is dropped
  (floor mode, like ``torch.nn.MaxPool2d(ceil_mode=False)``)::

      H_out = 1 + (H - pool_height) // stride
      W_out = 1 + (W - pool_width) // stride

* Windows overlap when ``stride`` is smaller than the window, so in the backward pass an
  input position can receive gradient from several windows: those contributions add up.
* Max-pooling ties: the whole upstream gradient of a window goes to the FIRST maximum of the
  window in row-major order (top row first, left to right), which is what PyTorch does.
* No function modifies its arguments.
"""
import numpy as np

### BEGIN SOLUTION
def _pool_output_shape(x, pool_param):
    """Validate ``x`` and ``pool_param``; return ``(pool_height, pool_width, stride, H_out, W_out)``."""
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W); got shape {x.shape}")
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    if min(ph, pw, stride) < 1:
        raise ValueError(f"pool_height, pool_width and stride must be >= 1; got {ph}, {pw}, {stride}")
    _, _, H, W = x.shape
    if ph > H or pw > W:
        raise ValueError(f"a {ph}x{pw} window does not fit in a {H}x{W} input")
    return ph, pw, stride, 1 + (H - ph) // stride, 1 + (W - pw) // stride


def _check_dout(dout, expected_shape):
    """Raise ValueError unless ``dout`` has the shape of the forward output."""
    if dout.shape != tuple(expected_shape):
        raise ValueError(f"dout must have shape {tuple(expected_shape)}; got {dout.shape}")
### END SOLUTION


def max_pool_forward_naive(x, pool_param):
    """Forward pass of a max-pooling layer.

    Each output value is the maximum of one ``pool_height x pool_width`` window of one
    channel; consecutive windows start ``stride`` pixels apart (no padding, floor mode).

    Args:
        x: input, shape (N, C, H, W), float64.
        pool_param: dict with keys
            ``pool_height`` (int >= 1): window height,
            ``pool_width`` (int >= 1): window width,
            ``stride`` (int >= 1): distance between window starts, both directions.

    Returns:
        out: shape (N, C, H_out, W_out), float64, with
            H_out = 1 + (H - pool_height) // stride and W_out = 1 + (W - pool_width) // stride.
        cache: whatever max_pool_backward_naive needs (opaque).

    Raises:
        ValueError: x is not 4-D, a pool parameter is < 1, or the window is larger than
            the input.
        KeyError: a key of pool_param is missing.

    Source: CS231n assignment 2 (``max_pool_forward_naive``); equals
    ``torch.nn.functional.max_pool2d(x, (pool_height, pool_width), stride)``.
    """
    ### BEGIN SOLUTION
    ph, pw, stride, H_out, W_out = _pool_output_shape(x, pool_param)
    N, C, _, _ = x.shape
    out = np.empty((N, C, H_out, W_out), dtype=np.float64)
    # Loop over output positions only; every (n, c) pair is handled at once.
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]  # (N, C, ph, pw)
            out[:, :, i, j] = window.max(axis=(2, 3))
    cache = (x, dict(pool_param))
    return out, cache
    ### END SOLUTION


def max_pool_backward_naive(dout, cache):
    """Backward pass of a max-pooling layer.

    Only the position that produced a window's maximum receives that window's upstream
    gradient. On ties, the whole gradient goes to the FIRST maximum in row-major order
    within the window (PyTorch's choice), never to all of them. When windows overlap
    (stride < window size) a position can be the maximum of several windows and its
    gradient is the sum of their upstream gradients.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out), float64.
        cache: the cache returned by max_pool_forward_naive.

    Returns:
        dx: gradient with respect to x, shape (N, C, H, W), float64.

    Raises:
        ValueError: dout does not have the shape of the forward output.

    Source: CS231n assignment 2 (``max_pool_backward_naive``); tie rule as in
    ``torch.nn.functional.max_pool2d``'s autograd.
    """
    ### BEGIN SOLUTION
    x, pool_param = cache
    ph, pw, stride, H_out, W_out = _pool_output_shape(x, pool_param)
    N, C, _, _ = x.shape
    _check_dout(dout, (N, C, H_out, W_out))
    dx = np.zeros(x.shape, dtype=np.float64)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            window = x[:, :, rows, cols].reshape(N, C, ph * pw)  # (N, C, ph*pw), row-major
            # np.argmax returns the first occurrence, which is exactly the tie rule.
            first_max = window.argmax(axis=2)  # (N, C)
            mask = np.arange(ph * pw) == first_max[:, :, None]  # (N, C, ph*pw), one True per row
            # += and not =: overlapping windows may route gradient to the same position.
            dx[:, :, rows, cols] += mask.reshape(N, C, ph, pw) * dout[:, :, i, j][:, :, None, None]
    return dx
    ### END SOLUTION


def avg_pool_forward_naive(x, pool_param):
    """Forward pass of an average-pooling layer.

    Each output value is the mean of one ``pool_height x pool_width`` window of one channel
    (no padding, floor mode, so every window is full and is divided by
    pool_height * pool_width).

    Args:
        x: input, shape (N, C, H, W), float64.
        pool_param: dict with keys ``pool_height``, ``pool_width``, ``stride`` (ints >= 1),
            as in max_pool_forward_naive.

    Returns:
        out: shape (N, C, H_out, W_out), float64, with
            H_out = 1 + (H - pool_height) // stride and W_out = 1 + (W - pool_width) // stride.
        cache: whatever avg_pool_backward_naive needs (opaque).

    Raises:
        ValueError: x is not 4-D, a pool parameter is < 1, or the window is larger than
            the input.
        KeyError: a key of pool_param is missing.

    Source: CS231n assignment 2 conventions; equals
    ``torch.nn.functional.avg_pool2d(x, (pool_height, pool_width), stride)``.
    """
    ### BEGIN SOLUTION
    ph, pw, stride, H_out, W_out = _pool_output_shape(x, pool_param)
    N, C, _, _ = x.shape
    out = np.empty((N, C, H_out, W_out), dtype=np.float64)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]  # (N, C, ph, pw)
            out[:, :, i, j] = window.mean(axis=(2, 3))
    # The backward pass needs only the shapes, not the values of x.
    cache = (x.shape, dict(pool_param))
    return out, cache
    ### END SOLUTION


def avg_pool_backward_naive(dout, cache):
    """Backward pass of an average-pooling layer.

    Every position of a window receives 1 / (pool_height * pool_width) of the window's
    upstream gradient; positions shared by overlapping windows sum their contributions.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out), float64.
        cache: the cache returned by avg_pool_forward_naive.

    Returns:
        dx: gradient with respect to x, shape (N, C, H, W), float64.

    Raises:
        ValueError: dout does not have the shape of the forward output.

    Source: CS231n assignment 2 conventions; matches the autograd of
    ``torch.nn.functional.avg_pool2d``.
    """
    ### BEGIN SOLUTION
    x_shape, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x_shape
    H_out, W_out = 1 + (H - ph) // stride, 1 + (W - pw) // stride
    _check_dout(dout, (N, C, H_out, W_out))
    dx = np.zeros(x_shape, dtype=np.float64)
    share = dout / (ph * pw)  # (N, C, H_out, W_out): what each window position receives
    for i in range(H_out):
        for j in range(W_out):
            # Broadcast one value over the window; += because windows may overlap.
            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += share[:, :, i, j][:, :, None, None]
    return dx
    ### END SOLUTION


def global_avg_pool_forward(x):
    """Forward pass of global average pooling.

    Averages each channel over all its spatial positions, as at the end of a ResNet
    (He et al. 2016, "Deep Residual Learning", §4.1) before the fully connected layer.

    Args:
        x: input, shape (N, C, H, W), float64.

    Returns:
        out: shape (N, C), float64 (the spatial axes are removed, not kept as 1x1).
        cache: whatever global_avg_pool_backward needs (opaque).

    Raises:
        ValueError: x is not 4-D.

    Equals ``torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)``.
    """
    ### BEGIN SOLUTION
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W); got shape {x.shape}")
    out = x.mean(axis=(2, 3))  # (N, C)
    cache = x.shape
    return out, cache
    ### END SOLUTION


def global_avg_pool_backward(dout, cache):
    """Backward pass of global average pooling.

    Every spatial position of a channel receives 1 / (H * W) of that channel's upstream
    gradient.

    Args:
        dout: upstream gradient, shape (N, C), float64.
        cache: the cache returned by global_avg_pool_forward.

    Returns:
        dx: gradient with respect to x, shape (N, C, H, W), float64.

    Raises:
        ValueError: dout does not have shape (N, C).
    """
    ### BEGIN SOLUTION
    N, C, H, W = cache
    _check_dout(dout, (N, C))
    # broadcast_to gives a read-only view; copy so the caller gets an ordinary array.
    dx = np.broadcast_to(dout[:, :, None, None] / (H * W), (N, C, H, W)).astype(np.float64, copy=True)
    return dx
    ### END SOLUTION
