"""Known-wrong versions of assignment 01 (instructor only; never released).

Each ``variant_<name>`` takes the same arguments as the function it imitates and returns
what a student with that misconception returns (``None`` when it would not apply).
``IMITATES`` maps each variant to (imitated function, misconception); the feedback for a
misconception is the grader's, never this file's.
"""
import math


def variant_conv_no_plus_one(input_size, kernel_size, stride=1, pad=0, dilation=1):
    """Forgot the ``+ 1`` (counts steps instead of windows)."""
    return (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride


def variant_conv_pad_once(input_size, kernel_size, stride=1, pad=0, dilation=1):
    """Added ``pad`` once instead of on both sides (d2l's total padding p_h mixed with per-side P)."""
    return (input_size + pad - dilation * (kernel_size - 1) - 1) // stride + 1 if pad else None


def variant_conv_ignores_dilation(input_size, kernel_size, stride=1, pad=0, dilation=1):
    """Used the kernel size without dilating it."""
    return (input_size + 2 * pad - kernel_size) // stride + 1 if dilation > 1 else None


def variant_conv_ceil(input_size, kernel_size, stride=1, pad=0, dilation=1):
    """Rounded up instead of down."""
    span = input_size + 2 * pad - dilation * (kernel_size - 1) - 1
    return -(-span // stride) + 1 if span % stride else None


def variant_pool_ignores_ceil_mode(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    """Always floors."""
    s = stride or pool_size
    return (input_size + 2 * pad - pool_size) // s + 1 if ceil_mode else None


def variant_pool_ceil_without_last_window_rule(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    """Ceil mode without PyTorch's rule that the last window must start inside the input."""
    if not ceil_mode:
        return None
    s = stride or pool_size
    return math.ceil((input_size + 2 * pad - pool_size) / s) + 1


def variant_pool_stride_default_one(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    """Treated a missing stride as 1 instead of the pool size."""
    if stride is not None or ceil_mode:
        return None
    return input_size + 2 * pad - pool_size + 1


def variant_same_extra_before(kernel_size, dilation=1):
    """Put the extra row of an even kernel before (top/left) instead of after."""
    total = dilation * (kernel_size - 1)
    return (total - total // 2, total // 2) if total % 2 else None


def variant_same_ignores_dilation(kernel_size, dilation=1):
    """Ignored dilation."""
    total = kernel_size - 1
    return (total // 2, total - total // 2) if dilation > 1 else None


def variant_rf_no_jump(layers):
    """Added kernel growth without multiplying by the product of earlier strides."""
    return 1 + sum(d * (k - 1) for k, s, d in layers)


def variant_rf_ignores_dilation(layers):
    """Ignored dilation."""
    field, jump = 1, 1
    for k, s, d in layers:
        field += (k - 1) * jump
        jump *= s
    return field


def variant_params_ignores_groups(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """Counted a full C-deep kernel per filter even with groups."""
    return out_channels * in_channels * kernel_size**2 + (out_channels if bias else 0) if groups > 1 else None


def variant_params_forgot_bias(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """Left out the biases."""
    return out_channels * (in_channels // groups) * kernel_size**2 if bias else None


def variant_macs_ignores_groups(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    """Counted a full C-deep kernel per output even with groups."""
    return out_channels * out_h * out_w * in_channels * kernel_size**2 if groups > 1 else None


def variant_ratio_inverted(in_channels, out_channels, kernel_size):
    """Returned standard / separable instead of separable / standard."""
    return 1.0 / (1.0 / out_channels + 1.0 / kernel_size**2)


# variant -> (the function it imitates, the misconception it is evidence of)
IMITATES = {
    "conv_no_plus_one": ("conv_output_size", "forgot_plus_one"),
    "conv_pad_once": ("conv_output_size", "pad_once"),
    "conv_ignores_dilation": ("conv_output_size", "ignores_dilation"),
    "conv_ceil": ("conv_output_size", "ceil_instead_of_floor"),
    "pool_ignores_ceil_mode": ("pool_output_size", "ignores_ceil_mode"),
    "pool_ceil_without_last_window_rule": ("pool_output_size", "ceil_without_last_window_rule"),
    "pool_stride_default_one": ("pool_output_size", "stride_default_one"),
    "same_extra_before": ("same_padding", "extra_before"),
    "same_ignores_dilation": ("same_padding", "ignores_dilation"),
    "rf_no_jump": ("receptive_field", "no_jump"),
    "rf_ignores_dilation": ("receptive_field", "ignores_dilation"),
    "params_ignores_groups": ("conv_param_count", "ignores_groups"),
    "params_forgot_bias": ("conv_param_count", "forgot_bias"),
    "macs_ignores_groups": ("conv_macs", "ignores_groups"),
    "ratio_inverted": ("depthwise_separable_cost_ratio", "inverted"),
}
