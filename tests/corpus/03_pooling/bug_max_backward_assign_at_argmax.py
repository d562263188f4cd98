# corpus: bug
# exercises: max_pool_forward_naive, max_pool_backward_naive
# loses: max_pool_backward_naive
# diagnosis: backward_assign_at_argmax
# about: dx[argmax] = dout instead of +=: with overlapping windows only the last window's gradient survives
import numpy as np


def max_pool_forward_naive(x, pool_param):
    PH, PW, S = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - PH) // S + 1, (W - PW) // S + 1))
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, c, i, j] = x[n, c, i * S:i * S + PH, j * S:j * S + PW].max()
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    PH, PW, S = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, Ho, Wo = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    k = np.argmax(x[n, c, i * S:i * S + PH, j * S:j * S + PW])
                    dx[n, c, i * S + k // PW, j * S + k % PW] = dout[n, c, i, j]
    return dx
