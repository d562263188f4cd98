# corpus: bug
# exercises: batchnorm_forward, batchnorm_backward
# loses: batchnorm_backward
# diagnosis: bn_backward_constant_stats
# about: dx = dout * gamma / std in train mode, as if mean and variance did not depend on x
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    running_mean = bn_param.get('running_mean', np.zeros(D))
    running_var = bn_param.get('running_var', np.zeros(D))
    if mode == 'train':
        mu, var = x.mean(axis=0), x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return gamma * xhat + beta, (xhat, std, gamma)


def batchnorm_backward(dout, cache):
    xhat, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = dout * gamma / std
    return dx, dgamma, dbeta
