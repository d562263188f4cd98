# corpus: bug
# exercises: batchnorm_forward
# loses: batchnorm_forward
# diagnosis: pytorch_momentum
# about: running = (1 - momentum) * running + momentum * batch (PyTorch's meaning of momentum)
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    m = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.zeros(D))
    if mode == "train":
        mu = np.mean(x, axis=0)
        sigma2 = np.mean((x - mu) ** 2, axis=0)
        out = gamma * (x - mu) / np.sqrt(sigma2 + eps) + beta
        running_mean = (1 - m) * running_mean + m * mu
        running_var = (1 - m) * running_var + m * sigma2
        cache = (x, mu, sigma2, gamma, eps)
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
