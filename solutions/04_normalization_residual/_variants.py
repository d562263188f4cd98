"""Known misconceptions for assignment 04 (instructor only, never shipped to students).

Each ``variant_<name>`` computes what a student holding that misconception returns, with
the signature of the function it imitates, so the grader can run it on the inputs of a
failed case and, when the student's output matches, name the misconception (``IMITATES``;
the feedback texts live in the grader; see research/mistakes.md, rows M24-M26). Forward variants return ``(out, None)`` (no usable
cache). Batch-norm variants update ``bn_param``'s running statistics exactly as that
student would, since that is where some of these bugs show; pass them a copy of the dict.
Apart from that, variants never modify their arguments.
"""
import numpy as np

from . import batchnorm as _bn  # the one execution of each solution file (see grader.reference)
from . import layernorm as _ln
from . import residual as _res


def variant_test_mode_uses_batch_stats(x, gamma, beta, bn_param):
    """Batch norm whose 'test' mode normalizes with the batch's own mean and variance."""
    if bn_param["mode"] != "test":
        return _bn.batchnorm_forward(x, gamma, beta, bn_param)[0], None
    out, _ = _bn.batchnorm_forward(x, gamma, beta, dict(bn_param, mode="train"))
    _bn.batchnorm_forward(x, gamma, beta, bn_param)  # creates missing running stats like the reference
    return out, None


def variant_pytorch_momentum(x, gamma, beta, bn_param):
    """Batch norm updating running = momentum * batch + (1 - momentum) * running (momentum weights the new value)."""
    # Swapping the two weights is exactly the reference with momentum replaced by 1 - momentum.
    swapped = dict(bn_param, momentum=1 - bn_param.get("momentum", 0.9))
    out, _ = _bn.batchnorm_forward(x, gamma, beta, swapped)
    bn_param["running_mean"], bn_param["running_var"] = swapped["running_mean"], swapped["running_var"]
    return out, None


def variant_unbiased_running_var(x, gamma, beta, bn_param):
    """Batch norm storing the unbiased (N - 1) batch variance in running_var; normalization still biased."""
    old_var = bn_param.get("running_var", np.zeros(x.shape[1]))
    out, _ = _bn.batchnorm_forward(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":
        momentum = bn_param.get("momentum", 0.9)
        with np.errstate(divide="ignore", invalid="ignore"):  # N = 1 gives nan, as it would for the student
            bn_param["running_var"] = momentum * old_var + (1 - momentum) * x.var(axis=0, ddof=1)
    return out, None


def variant_spatial_reshape_without_transpose(x, gamma, beta, bn_param):
    """Spatial batch norm using x.reshape(N*H*W, C) and out.reshape(N, C, H, W), no transposes."""
    N, C, H, W = x.shape
    out, _ = _bn.batchnorm_forward(x.reshape(N * H * W, C), gamma, beta, bn_param)
    return out.reshape(N, C, H, W), None


def _branch(x, params, stride):
    """The residual branch before its final ReLU: conv2(relu(conv1(x)))."""
    a1, _ = _res._conv_forward(x, params["w1"], params["b1"], stride, 1)
    return _res._conv_forward(np.maximum(a1, 0), params["w2"], params["b2"], 1, 1)[0]


def _shortcut(x, params, stride):
    if "ws" in params:
        return _res._conv_forward(x, params["ws"], params["bs"], stride, 0)[0]
    return x


def variant_missing_identity(x, params, block_param):
    """Residual block returning relu(F(x)): the shortcut is never added."""
    return np.maximum(_branch(x, params, block_param.get("stride", 1)), 0), None


def variant_relu_before_add(x, params, block_param):
    """Residual block returning relu(F(x)) + shortcut(x): ReLU before the addition."""
    stride = block_param.get("stride", 1)
    return np.maximum(_branch(x, params, stride), 0) + _shortcut(x, params, stride), None


def variant_no_projection_when_stride2(x, params, block_param):
    """Residual block using the projection only when channels change; else adds x.

    With stride 2 and unchanged channels the student's ``F(x) + x`` cannot broadcast and
    raises ValueError (numpy's shape error), which is what this variant does; with stride 1,
    unchanged channels and a projection in params it silently uses the identity.
    """
    stride = block_param.get("stride", 1)
    branch = _branch(x, params, stride)
    projects = "ws" in params and params["ws"].shape[0] != x.shape[1]
    shortcut = _shortcut(x, params, stride) if projects else x
    return np.maximum(branch + shortcut, 0), None


def _ln_stats(x, eps, axis):
    mu = x.mean(axis=axis, keepdims=True)
    xc = x - mu
    return xc, np.sqrt((xc**2).mean(axis=axis, keepdims=True) + eps)


def variant_layernorm_over_batch(x, gamma, beta, ln_param):
    """Layer norm taking mean and variance over the batch axis (axis 0), as batch norm does."""
    xc, std = _ln_stats(x, ln_param.get("eps", 1e-5), 0)
    return gamma * (xc / std) + beta, None


def variant_backward_layernorm_over_batch(dout, x, gamma, beta, ln_param):
    """Exact gradients of the batch-axis layer norm (the batch-norm backward)."""
    xc, std = _ln_stats(x, ln_param.get("eps", 1e-5), 0)
    x_hat, N = xc / std, x.shape[0]
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def variant_eps_outside_sqrt(x, gamma, beta, ln_param):
    """Layer norm dividing by sqrt(var) + eps instead of sqrt(var + eps)."""
    xc, std0 = _ln_stats(x, 0.0, 1)
    return gamma * (xc / (std0 + ln_param.get("eps", 1e-5))) + beta, None


def variant_backward_eps_outside_sqrt(dout, x, gamma, beta, ln_param):
    """Exact gradients of the eps-outside-the-root layer norm.

    With s = sqrt(var), d = s + eps, x_hat = xc / d (xc = x - mu, D features):
    dx = (dx_hat - mean(dx_hat)) / d - xc * sum(dx_hat * xc) / (D * d**2 * s).
    """
    xc, s = _ln_stats(x, 0.0, 1)
    d, D = s + ln_param.get("eps", 1e-5), x.shape[1]
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)) / d - xc * (dx_hat * xc).sum(axis=1, keepdims=True) / (D * d**2 * s)
    return dx, (dout * xc / d).sum(axis=0), dout.sum(axis=0)


def variant_param_grads_wrong_axis(dout, x, gamma, beta, ln_param):
    """Right dx, but dgamma and dbeta summed over the features (axis 1) instead of the batch."""
    _, cache = _ln.layernorm_forward(x, gamma, beta, ln_param)
    dx, _, _ = _ln.layernorm_backward(dout, cache)
    xc, std = _ln_stats(x, ln_param.get("eps", 1e-5), 1)
    return dx, (dout * xc / std).sum(axis=1), dout.sum(axis=1)


# variant -> the function it imitates (the diagnosis is the variant's name), or
# (function, misconception) when a variant is evidence of another variant's misconception
IMITATES = {
    "test_mode_uses_batch_stats": "batchnorm_forward",
    "pytorch_momentum": "batchnorm_forward",
    "unbiased_running_var": "batchnorm_forward",
    "spatial_reshape_without_transpose": "spatial_batchnorm_forward",
    "missing_identity": "residual_block_forward",
    "relu_before_add": "residual_block_forward",
    "no_projection_when_stride2": "residual_block_forward",
    "layernorm_over_batch": "layernorm_forward",
    "eps_outside_sqrt": "layernorm_forward",
    "backward_layernorm_over_batch": ("layernorm_backward", "layernorm_over_batch"),
    "backward_eps_outside_sqrt": ("layernorm_backward", "eps_outside_sqrt"),
    "param_grads_wrong_axis": "layernorm_backward",
}
