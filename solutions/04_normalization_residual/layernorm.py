"""Assignment 04, part 2 — layer normalization in numpy.

Conventions (CS231n assignment 2, ``layers.py``; Ba, Kiros & Hinton 2016, "Layer
Normalization", §3):

* Arrays are ``float64``; forward functions return ``(out, cache)``, backward functions take
  ``(dout, cache)``. The cache is yours: the grader never looks inside it.
* Unlike batch norm, the statistics are computed **per sample**, over its D features (axis 1),
  so the same computation runs at training and test time: there is no mode and there are no
  running statistics.
* ``ln_param`` is a dict with the optional key ``eps`` (default ``1e-5``), added to the
  variance *inside* the square root. Nothing here modifies its arguments.
"""
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization over the features of each sample.

    For each row n (Ba et al. 2016, eq. 4)::

        mu[n]  = mean(x[n, :])                    # (N, 1)
        var[n] = mean((x[n, :] - mu[n]) ** 2)     # (N, 1), biased
        x_hat  = (x - mu) / sqrt(var + eps)
        out    = gamma * x_hat + beta             # gamma, beta broadcast over the rows

    Args:
        x: data, shape (N, D), float64.
        gamma: scale, shape (D,), float64.
        beta: shift, shape (D,), float64.
        ln_param: dict with the optional key ``eps`` (float, default 1e-5).

    Returns:
        out: shape (N, D), float64.
        cache: whatever layernorm_backward needs (opaque).

    Raises:
        ValueError: x is not 2-D, or gamma / beta do not have shape (D,).

    Source: CS231n assignment 2 (``layernorm_forward``); Ba, Kiros & Hinton 2016, §3.
    """
    ### BEGIN SOLUTION
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D); got shape {x.shape}")
    D = x.shape[1]
    for name, arr in (("gamma", gamma), ("beta", beta)):
        if np.shape(arr) != (D,):
            raise ValueError(f"{name} must have shape ({D},); got {np.shape(arr)}")
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)  # (N, 1)
    var = x.var(axis=1, keepdims=True)  # (N, 1), biased
    inv_std = 1.0 / np.sqrt(var + eps)  # (N, 1)
    x_hat = (x - mu) * inv_std  # (N, D)
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)
    ### END SOLUTION


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    With ``dx_hat = dout * gamma``, per row (the batch-norm formula with the roles of the axes
    swapped: the statistics are per row, so the sums run over the D features)::

        dx     = inv_std / D * (D * dx_hat - sum(dx_hat, axis=1) - x_hat * sum(dx_hat * x_hat, axis=1))
        dgamma = sum(dout * x_hat, axis=0)        # (D,): gamma is shared by every row
        dbeta  = sum(dout, axis=0)                # (D,)

    Args:
        dout: upstream gradient, shape (N, D), float64.
        cache: from layernorm_forward.

    Returns:
        dx: shape (N, D); dgamma: shape (D,); dbeta: shape (D,); all float64.

    Source: CS231n assignment 2 (``layernorm_backward``); Ba, Kiros & Hinton 2016.
    """
    ### BEGIN SOLUTION
    x_hat, gamma, inv_std = cache
    D = x_hat.shape[1]
    dx_hat = dout * gamma  # (N, D)
    dx = inv_std / D * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True) - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    return dx, dgamma, dbeta
    ### END SOLUTION
