# corpus: bug
# exercises: batchnorm_forward
# loses: batchnorm_forward
# diagnosis: test_mode_uses_batch_stats
# about: normalizes with the batch's own statistics in test mode too (only the running update differs)
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    rm = bn_param.get('running_mean', np.zeros(D))
    rv = bn_param.get('running_var', np.zeros(D))
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    xn = (x - mean) / np.sqrt(var + eps)
    out = gamma * xn + beta
    if mode == 'train':
        rm = momentum * rm + (1 - momentum) * mean
        rv = momentum * rv + (1 - momentum) * var
    bn_param['running_mean'], bn_param['running_var'] = rm, rv
    return out, (xn, var, eps, gamma)
