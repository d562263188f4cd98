# corpus: correct
# exercises: conv_forward_naive, conv_backward_naive
# contract: cs231n
# about: CS231n 2017 layers.py idiom: H' = 1 + (H + 2 * pad - HH) / stride with an assert that it divides
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    A naive implementation of the forward pass for a convolutional layer.
    """
    out = None
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    assert (H + 2 * pad - HH) % stride == 0, 'height does not work'
    assert (W + 2 * pad - WW) % stride == 0, 'width does not work'
    H_prime = 1 + (H + 2 * pad - HH) // stride
    W_prime = 1 + (W + 2 * pad - WW) // stride
    x_padded = np.pad(x, ((0,), (0,), (pad,), (pad,)), mode='constant', constant_values=0)
    out = np.zeros((N, F, H_prime, W_prime))
    for n in range(N):
        for f in range(F):
            for hp in range(H_prime):
                for wp in range(W_prime):
                    window = x_padded[n, :, hp * stride:hp * stride + HH, wp * stride:wp * stride + WW]
                    out[n, f, hp, wp] = np.sum(window * w[f, :, :, :]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """
    A naive implementation of the backward pass for a convolutional layer.
    """
    dx, dw, db = None, None, None
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    _, _, H_prime, W_prime = dout.shape
    x_padded = np.pad(x, ((0,), (0,), (pad,), (pad,)), mode='constant', constant_values=0)
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            db[f] += dout[n, f].sum()
            for hp in range(H_prime):
                for wp in range(W_prime):
                    window = x_padded[n, :, hp * stride:hp * stride + HH, wp * stride:wp * stride + WW]
                    dw[f] += window * dout[n, f, hp, wp]
                    dx_padded[n, :, hp * stride:hp * stride + HH, wp * stride:wp * stride + WW] += w[f] * dout[n, f, hp, wp]
    dx = dx_padded[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
