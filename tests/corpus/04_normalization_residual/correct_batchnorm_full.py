# corpus: correct
# exercises: batchnorm_forward, batchnorm_backward, spatial_batchnorm_forward, spatial_batchnorm_backward
# contract: deepgrade
# about: CS231n layers.py style with a mode flag kept in the cache, so the backward also handles test mode
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        sample_mean = x.mean(axis=0)
        sample_var = x.var(axis=0)
        x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_norm + beta
        cache = ("train", x, x_norm, sample_mean, sample_var, gamma, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        x_norm = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_norm + beta
        cache = ("test", x, x_norm, running_mean, running_var, gamma, eps)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    mode, x, x_norm, mean, var, gamma, eps = cache
    N = x.shape[0]
    dgamma = np.sum(dout * x_norm, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_norm = dout * gamma
    std_inv = 1.0 / np.sqrt(var + eps)
    if mode == "test":
        return dx_norm * std_inv, dgamma, dbeta
    x_mu = x - mean
    dvar = np.sum(dx_norm * x_mu, axis=0) * -0.5 * std_inv ** 3
    dmu = np.sum(-dx_norm * std_inv, axis=0) + dvar * np.mean(-2.0 * x_mu, axis=0)
    dx = dx_norm * std_inv + dvar * 2.0 * x_mu / N + dmu / N
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    x2 = np.moveaxis(x, 1, -1).reshape(-1, C)
    out2, cache = batchnorm_forward(x2, gamma, beta, bn_param)
    out = np.moveaxis(out2.reshape(N, H, W, C), -1, 1)
    return out, (cache, x.shape)


def spatial_batchnorm_backward(dout, cache):
    bn_cache, (N, C, H, W) = cache
    d2 = np.moveaxis(dout, 1, -1).reshape(-1, C)
    dx2, dgamma, dbeta = batchnorm_backward(d2, bn_cache)
    dx = np.moveaxis(dx2.reshape(N, H, W, C), -1, 1)
    return dx, dgamma, dbeta
