# corpus: bug
# exercises: spatial_batchnorm_forward
# loses: spatial_batchnorm_forward
# diagnosis: spatial_reshape_without_transpose
# about: x.reshape(-1, C) straight from (N, C, H, W): mixes channels in every column
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    rm = bn_param.get('running_mean', np.zeros(D))
    rv = bn_param.get('running_var', np.zeros(D))
    if mode == 'train':
        mu, var = x.mean(0), x.var(0)
        rm = momentum * rm + (1 - momentum) * mu
        rv = momentum * rv + (1 - momentum) * var
    else:
        mu, var = rm, rv
    bn_param['running_mean'], bn_param['running_var'] = rm, rv
    xh = (x - mu) / np.sqrt(var + eps)
    return gamma * xh + beta, (xh, var, eps, gamma, mode)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, C, H, W), cache
