from builtins import range
import numpy as np


def max_pool_forward_naive(x, pool_param):
    """
    A naive implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W')
    - cache: (x, pool_param)
    """
    raise NotImplementedError("max_pool_forward_naive")


def max_pool_backward_naive(dout, cache):
    """Backward pass for a max-pooling layer."""
    raise NotImplementedError("max_pool_backward_naive")


def avg_pool_forward_naive(x, pool_param):
    """Forward pass for average pooling."""
    raise NotImplementedError("avg_pool_forward_naive")


def avg_pool_backward_naive(dout, cache):
    """Backward pass for average pooling."""
    raise NotImplementedError("avg_pool_backward_naive")


def global_avg_pool_forward(x):
    """Global average pooling: (N, C, H, W) -> (N, C)."""
    raise NotImplementedError("global_avg_pool_forward")


def global_avg_pool_backward(dout, cache):
    """Backward pass for global average pooling."""
    raise NotImplementedError("global_avg_pool_backward")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass for batch normalization."""
    raise NotImplementedError("batchnorm_forward")


def batchnorm_backward(dout, cache):
    """Backward pass for batch normalization."""
    raise NotImplementedError("batchnorm_backward")


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass for spatial batch normalization."""
    raise NotImplementedError("spatial_batchnorm_forward")


def spatial_batchnorm_backward(dout, cache):
    """Backward pass for spatial batch normalization."""
    raise NotImplementedError("spatial_batchnorm_backward")


def residual_block_forward(x, params, block_param):
    """out = relu(conv2(relu(conv1(x))) + shortcut(x))"""
    raise NotImplementedError("residual_block_forward")


def residual_block_backward(dout, cache):
    """Backward pass for the residual block; returns a dict of gradients."""
    raise NotImplementedError("residual_block_backward")
