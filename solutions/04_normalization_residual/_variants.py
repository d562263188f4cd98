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


# variant -> the function it imitates (the diagnosis is the variant's name)
IMITATES = {
    "test_mode_uses_batch_stats": "batchnorm_forward",
    "pytorch_momentum": "batchnorm_forward",
    "unbiased_running_var": "batchnorm_forward",
    "spatial_reshape_without_transpose": "spatial_batchnorm_forward",
    "missing_identity": "residual_block_forward",
    "relu_before_add": "residual_block_forward",
    "no_projection_when_stride2": "residual_block_forward",
}
