"""Assignment 04, part 1 — batch normalization (vanilla and spatial) in numpy.

Conventions (CS231n assignment 2, ``layers.py``; Ioffe & Szegedy 2015, §3):

* Arrays are ``float64``; forward functions return ``(out, cache)``, backward functions take
  ``(dout, cache)``. The cache is yours: the grader never looks inside it.
* ``bn_param`` is a dict with the keys

  - ``mode``: ``'train'`` (normalize with the statistics of this batch and update the running
    statistics) or ``'test'`` (normalize with the running statistics; nothing is updated);
  - ``eps`` (default ``1e-5``): added to the variance before the square root;
  - ``momentum`` (default ``0.9``): weight of the OLD running value::

        running_mean = momentum * running_mean + (1 - momentum) * batch_mean
        running_var  = momentum * running_var  + (1 - momentum) * batch_var

    This is the CS231n convention. PyTorch's ``BatchNorm*d(momentum=0.1)`` is the same update
    written the other way round: its momentum weights the NEW value (torch = 1 - ours).
  - ``running_mean``, ``running_var``: arrays of shape (D,) (zeros when missing).
    ``running_var`` holds the BIASED batch variance (divide by N), the same variance that
    normalizes the batch. (PyTorch stores the unbiased one, N / (N - 1) times larger.)

  In train mode the updated running statistics are written back into ``bn_param`` as new
  arrays (``bn_param['running_mean'] = ...``); the arrays it held before are not modified.
  This dict entry update is the only side effect of any function here.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization over the batch axis.

    Train mode (Ioffe & Szegedy 2015, Algorithm 1)::

        mu  = mean(x, axis=0)                 # (D,)
        var = mean((x - mu) ** 2, axis=0)     # (D,), biased
        x_hat = (x - mu) / sqrt(var + eps)
        out = gamma * x_hat + beta

    and the running statistics are updated (see the module docstring for the momentum
    convention). Test mode uses ``running_mean`` / ``running_var`` in place of mu / var.

    Args:
        x: data, shape (N, D), float64.
        gamma: scale, shape (D,), float64.
        beta: shift, shape (D,), float64.
        bn_param: dict with keys ``mode`` ('train' | 'test', required), ``eps`` (float,
            default 1e-5), ``momentum`` (float, default 0.9, weight of the old running
            value), ``running_mean`` and ``running_var`` (shape (D,), created as zeros when
            missing). In train mode the updated running statistics are stored back into
            ``bn_param``; running_var is the biased variance.

    Returns:
        out: shape (N, D), float64.
        cache: whatever batchnorm_backward needs (opaque).

    Raises:
        ValueError: mode is neither 'train' nor 'test', x is not 2-D, or gamma / beta /
            the running statistics do not have shape (D,).
        KeyError: bn_param has no ``mode``.

    Source: CS231n assignment 2 (``batchnorm_forward``); Ioffe & Szegedy 2015, §3.
    """
    ### BEGIN SOLUTION
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D); got shape {x.shape}")
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=np.float64))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=np.float64))
    for name, arr in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        if np.shape(arr) != (D,):
            raise ValueError(f"{name} must have shape ({D},); got {np.shape(arr)}")

    if mode == "train":
        mu = x.mean(axis=0)  # (D,)
        var = x.var(axis=0)  # (D,), biased: divides by N
        # New arrays, not in-place updates: the caller's old arrays stay untouched.
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mu, var = running_mean, running_var
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}; expected 'train' or 'test'")

    inv_std = 1.0 / np.sqrt(var + eps)  # (D,)
    x_hat = (x - mu) * inv_std  # (N, D)
    out = gamma * x_hat + beta
    cache = (mode, x_hat, inv_std, np.array(gamma, dtype=np.float64))
    return out, cache
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization.

    In train mode mu and var depend on x, so every x[n] influences every output of its
    column. With x_hat and inv_std = 1 / sqrt(var + eps) from the forward pass, the chain
    rule through mu and var simplifies to (Ioffe & Szegedy 2015, §3; CS231n
    ``batchnorm_backward_alt``)::

        dx_hat = dout * gamma
        dx = inv_std / N * (N * dx_hat - sum(dx_hat, 0) - x_hat * sum(dx_hat * x_hat, 0))

    In test mode the statistics are constants, so dx = dout * gamma * inv_std.

    Args:
        dout: upstream gradient, shape (N, D), float64.
        cache: the cache returned by batchnorm_forward (train or test mode).

    Returns:
        dx: shape (N, D), float64.
        dgamma: shape (D,), float64.
        dbeta: shape (D,), float64.

    Raises:
        ValueError: dout does not have the shape of the forward output.
    """
    ### BEGIN SOLUTION
    mode, x_hat, inv_std, gamma = cache
    if dout.shape != x_hat.shape:
        raise ValueError(f"dout must have shape {x_hat.shape}; got {dout.shape}")
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)  # (D,)
    dgamma = (dout * x_hat).sum(axis=0)  # (D,)
    dx_hat = dout * gamma  # (N, D)
    if mode == "train":
        dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    else:
        dx = dx_hat * inv_std
    return dx, dgamma, dbeta
    ### END SOLUTION


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization (BatchNorm2d).

    One mean and one variance per CHANNEL, computed over the N * H * W values of that
    channel. Implemented by moving the channel axis last, flattening to (N*H*W, C), calling
    batchnorm_forward, and undoing the reshape. (Reshaping (N, C, H, W) straight to
    (N*H*W, C) without the transpose would mix channels.)

    Args:
        x: data, shape (N, C, H, W), float64.
        gamma: scale, shape (C,), float64.
        beta: shift, shape (C,), float64.
        bn_param: as in batchnorm_forward, with running statistics of shape (C,).

    Returns:
        out: shape (N, C, H, W), float64.
        cache: whatever spatial_batchnorm_backward needs (opaque).

    Raises:
        ValueError: x is not 4-D, or as batchnorm_forward.

    Source: CS231n assignment 2 (``spatial_batchnorm_forward``); Ioffe & Szegedy 2015, §3.2;
    equals ``torch.nn.BatchNorm2d`` with momentum mapped (torch = 1 - ours).
    """
    ### BEGIN SOLUTION
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W); got shape {x.shape}")
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)  # (N, C, H, W) -> (N, H, W, C) -> (N*H*W, C)
    out_flat, bn_cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N*H*W, C) -> (N, C, H, W)
    return np.ascontiguousarray(out), (x.shape, bn_cache)
    ### END SOLUTION


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    The same reshape as the forward pass, around batchnorm_backward.

    Args:
        dout: upstream gradient, shape (N, C, H, W), float64.
        cache: the cache returned by spatial_batchnorm_forward.

    Returns:
        dx: shape (N, C, H, W), float64.
        dgamma: shape (C,), float64.
        dbeta: shape (C,), float64.

    Raises:
        ValueError: dout does not have the shape of the forward input.
    """
    ### BEGIN SOLUTION
    x_shape, bn_cache = cache
    if dout.shape != tuple(x_shape):
        raise ValueError(f"dout must have shape {tuple(x_shape)}; got {dout.shape}")
    N, C, H, W = x_shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(N * H * W, C)  # (N, C, H, W) -> (N*H*W, C)
    dx_flat, dgamma, dbeta = batchnorm_backward(dout_flat, bn_cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N*H*W, C) -> (N, C, H, W)
    return np.ascontiguousarray(dx), dgamma, dbeta
    ### END SOLUTION
