"""Assignment 01 — convolution arithmetic.

Output sizes, padding, receptive fields, parameter counts and multiply–accumulate counts
of 2-D convolution and pooling layers. Everything here is plain Python integer arithmetic:
no numpy needed.

References: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016),
§2–§5; PyTorch ``torch.nn.Conv2d`` / ``torch.nn.MaxPool2d`` documentation (shape formulas);
Howard et al., "MobileNets" (2017), §3.1.
"""


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    """Spatial output size of a convolution along one axis.

    ``out = floor((input_size + 2*pad - dilation*(kernel_size - 1) - 1) / stride) + 1``
    (Dumoulin & Visin 2016, relationship 15; PyTorch ``Conv2d`` docs).

    Args:
        input_size (int): H or W of the input, ≥ 1.
        kernel_size (int): HH or WW of the kernel, ≥ 1.
        stride (int): step between windows, ≥ 1.
        pad (int): zeros added on *each* side, ≥ 0.
        dilation (int): spacing between kernel taps, ≥ 1 (1 = ordinary convolution).

    Returns:
        int: the output size, ≥ 1.

    Raises:
        ValueError: an argument is out of range (or not an int), or the dilated kernel does
            not fit in the padded input (the result would be < 1).
    """
    ### BEGIN SOLUTION
    _check_int("input_size", input_size, 1)
    _check_int("kernel_size", kernel_size, 1)
    _check_int("stride", stride, 1)
    _check_int("pad", pad, 0)
    _check_int("dilation", dilation, 1)
    effective_kernel = dilation * (kernel_size - 1) + 1
    span = input_size + 2 * pad - effective_kernel
    if span < 0:
        raise ValueError(
            f"the dilated kernel ({effective_kernel}) does not fit in the padded input ({input_size + 2 * pad})"
        )
    # span >= 0 here, so // is the floor the formula asks for.
    return span // stride + 1
    ### END SOLUTION


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    """Spatial output size of a pooling layer along one axis, as ``torch.nn.MaxPool2d``.

    ``out = floor_or_ceil((input_size + 2*pad - pool_size) / stride) + 1``; with
    ``ceil_mode=True`` the last window is dropped when it would start beyond the input and
    the left padding, i.e. when ``(out - 1) * stride >= input_size + pad`` (PyTorch
    ``pooling_output_shape``).

    Args:
        input_size (int): H or W, ≥ 1.
        pool_size (int): window size, ≥ 1.
        stride (int | None): ≥ 1; ``None`` means ``pool_size``.
        pad (int): implicit padding on each side, 0 ≤ pad ≤ pool_size // 2 (PyTorch's rule).
        ceil_mode (bool): round up instead of down.

    Returns:
        int: the output size, ≥ 1.

    Raises:
        ValueError: an argument is out of range, or the window does not fit.
    """
    ### BEGIN SOLUTION
    if stride is None:
        stride = pool_size
    _check_int("input_size", input_size, 1)
    _check_int("pool_size", pool_size, 1)
    _check_int("stride", stride, 1)
    _check_int("pad", pad, 0)
    if pad > pool_size // 2:
        raise ValueError(f"pad ({pad}) must be at most half the pool size ({pool_size // 2})")
    if not isinstance(ceil_mode, bool):
        raise ValueError("ceil_mode must be a bool")
    span = input_size + 2 * pad - pool_size
    # Python's // floors (like PyTorch's div_rtn), also for a negative span.
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    # In ceil mode the last window must start inside the input or the left padding.
    if ceil_mode and (out - 1) * stride >= input_size + pad:
        out -= 1
    if out < 1:
        raise ValueError(f"the pooling window ({pool_size}) does not fit in the padded input ({input_size + 2 * pad})")
    return out
    ### END SOLUTION


def same_padding(kernel_size, dilation=1):
    """Padding that keeps the size unchanged at stride 1 ("same" padding).

    The total padding is ``dilation * (kernel_size - 1)``; when it is odd the extra row or
    column goes *after* (bottom/right), as ``torch.nn.Conv2d(padding='same')`` does.

    Args:
        kernel_size (int): ≥ 1.
        dilation (int): ≥ 1.

    Returns:
        tuple[int, int]: ``(before, after)`` padding.

    Raises:
        ValueError: an argument is out of range.
    """
    ### BEGIN SOLUTION
    _check_int("kernel_size", kernel_size, 1)
    _check_int("dilation", dilation, 1)
    total = dilation * (kernel_size - 1)
    before = total // 2
    return before, total - before
    ### END SOLUTION


def receptive_field(layers):
    """Receptive field (in input pixels, along one axis) of a stack of conv/pool layers.

    With ``j_l`` the product of the strides before layer ``l`` (the "jump"),
    ``r = 1 + Σ_l dilation_l * (kernel_l - 1) * j_l`` (Araujo et al., "Computing receptive
    fields of convolutional neural networks", Distill 2019, eq. 2).

    Args:
        layers (Sequence[tuple[int, int, int]]): ``(kernel_size, stride, dilation)`` per
            layer, input side first. An empty sequence has receptive field 1.

    Returns:
        int: the receptive field size.

    Raises:
        ValueError: a layer is malformed or has a value out of range.
    """
    ### BEGIN SOLUTION
    field, jump = 1, 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError(f"each layer is (kernel_size, stride, dilation), got {layer!r}")
        kernel_size, stride, dilation = layer
        _check_int("kernel_size", kernel_size, 1)
        _check_int("stride", stride, 1)
        _check_int("dilation", dilation, 1)
        field += dilation * (kernel_size - 1) * jump
        jump *= stride
    return field
    ### END SOLUTION


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """Number of learnable parameters of a 2-D convolution with a square kernel.

    ``out_channels * (in_channels / groups) * kernel_size² (+ out_channels if bias)``
    (PyTorch ``Conv2d``: weight shape ``(F, C/groups, HH, WW)``).

    Args:
        in_channels (int): C, ≥ 1, divisible by ``groups``.
        out_channels (int): F, ≥ 1, divisible by ``groups``.
        kernel_size (int): HH = WW, ≥ 1.
        groups (int): ≥ 1.
        bias (bool): whether there is one bias per output channel.

    Returns:
        int: the parameter count.

    Raises:
        ValueError: out of range, or channels not divisible by ``groups``.
    """
    ### BEGIN SOLUTION
    _check_channels(in_channels, out_channels, kernel_size, groups)
    weights = out_channels * (in_channels // groups) * kernel_size * kernel_size
    return weights + (out_channels if bias else 0)
    ### END SOLUTION


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    """Multiply–accumulate operations of one forward pass of a conv layer (one image, no bias).

    Each of the ``out_channels * out_h * out_w`` outputs sums
    ``(in_channels / groups) * kernel_size²`` products. (FLOPs ≈ 2 × MACs.)

    Args:
        in_channels (int): C, ≥ 1, divisible by ``groups``.
        out_channels (int): F, ≥ 1, divisible by ``groups``.
        kernel_size (int): HH = WW, ≥ 1.
        out_h, out_w (int): output spatial size, ≥ 1.
        groups (int): ≥ 1.

    Returns:
        int: MACs.

    Raises:
        ValueError: out of range, or channels not divisible by ``groups``.
    """
    ### BEGIN SOLUTION
    _check_channels(in_channels, out_channels, kernel_size, groups)
    _check_int("out_h", out_h, 1)
    _check_int("out_w", out_w, 1)
    return out_channels * out_h * out_w * (in_channels // groups) * kernel_size * kernel_size
    ### END SOLUTION


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    """Cost of a depthwise separable convolution relative to a standard one (same output size).

    ``(C·K²·HW + C·F·HW) / (C·F·K²·HW) = 1/F + 1/K²`` (Howard et al. 2017, MobileNets §3.1).

    Args:
        in_channels (int): C, ≥ 1 (cancels out, but must be valid).
        out_channels (int): F, ≥ 1.
        kernel_size (int): K, ≥ 1.

    Returns:
        float: the ratio, in (0, 2].

    Raises:
        ValueError: an argument is out of range.
    """
    ### BEGIN SOLUTION
    _check_int("in_channels", in_channels, 1)
    _check_int("out_channels", out_channels, 1)
    _check_int("kernel_size", kernel_size, 1)
    return 1.0 / out_channels + 1.0 / (kernel_size * kernel_size)
    ### END SOLUTION


### BEGIN SOLUTION
def _check_int(name, value, minimum):
    # bool is an int subclass, but True is not a kernel size.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _check_channels(in_channels, out_channels, kernel_size, groups):
    _check_int("in_channels", in_channels, 1)
    _check_int("out_channels", out_channels, 1)
    _check_int("kernel_size", kernel_size, 1)
    _check_int("groups", groups, 1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by groups ({groups})")
### END SOLUTION
