"""Recurrent layers in numpy: vanilla (tanh) RNN, LSTM and GRU, forward and backward.

Assignment 05 of deepgrade. Conventions follow CS231n assignment 3 (``rnn_layers.py``):

* every array is numpy ``float64``;
* data is batch-first: one time step ``x`` is ``(N, D)``, a whole sequence is ``(N, T, D)``,
  a hidden state is ``(N, H)``;
* weights multiply from the right, ``x @ Wx`` with ``Wx`` of shape ``(D, G*H)`` and
  ``h @ Wh`` with ``Wh`` of shape ``(H, G*H)``, where ``G`` is the number of gates packed
  side by side along the last axis (1 for the RNN, 4 for the LSTM, 3 for the GRU);
* forward functions return ``(out, cache)`` and backward functions take ``(dout, cache)``;
  the cache is opaque: only your own backward reads it;
* no function modifies its arguments (inputs, weights, upstream gradients or the cache).

Formulas: CS231n assignment 3 (RNN, LSTM); Hochreiter & Schmidhuber 1997 and Graves 2013,
"Generating Sequences With Recurrent Neural Networks", eqs. 7-11 without peepholes (LSTM);
Cho et al. 2014 and the PyTorch ``torch.nn.GRUCell`` documentation (GRU).
"""
import numpy as np


def _sigmoid(x):
    """Numerically stable logistic function 1 / (1 + exp(-x)), element-wise.

    Provided for you. ``np.exp(-x)`` overflows for very negative ``x``; this version only ever
    exponentiates non-positive numbers.
    """
    pos = x >= 0
    z = np.exp(np.where(pos, -x, x))  # exp(-|x|) <= 1: never overflows
    return np.where(pos, 1.0 / (1.0 + z), z / (1.0 + z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla RNN with tanh activation (CS231n assignment 3).

        next_h = tanh(x @ Wx + prev_h @ Wh + b)

    Args:
        x: input at this step, shape (N, D), float64.
        prev_h: hidden state of the previous step, shape (N, H).
        Wx: input-to-hidden weights, shape (D, H).
        Wh: hidden-to-hidden weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        next_h: new hidden state, shape (N, H).
        cache: opaque object needed by ``rnn_step_backward``.

    N = 1, D = 1 or H = 1 are valid: keep every axis (never call ``squeeze()``).
    """
    ### BEGIN SOLUTION
    # (N, D) @ (D, H) + (N, H) @ (H, H) + (H,) -> (N, H)
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache
    ### END SOLUTION


def rnn_step_backward(dnext_h, cache):
    """Backward pass of ``rnn_step_forward``.

    Args:
        dnext_h: upstream gradient of the loss w.r.t. ``next_h``, shape (N, H). Not modified.
        cache: the cache returned by ``rnn_step_forward``.

    Returns:
        Tuple ``(dx, dprev_h, dWx, dWh, db)`` of shapes (N, D), (N, H), (D, H), (H, H), (H,).
    """
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    # tanh'(a) = 1 - tanh(a)^2, and tanh(a) is next_h, so the pre-activation need not be kept.
    da = dnext_h * (1.0 - next_h**2)  # (N, H)
    dx = da @ Wx.T  # (N, H) @ (H, D) -> (N, D)
    dprev_h = da @ Wh.T  # (N, H) @ (H, H) -> (N, H)
    dWx = x.T @ da  # (D, N) @ (N, H) -> (D, H)
    dWh = prev_h.T @ da  # (H, N) @ (N, H) -> (H, H)
    db = da.sum(axis=0)  # (H,): the bias is broadcast over the batch, so its gradient sums it
    return dx, dprev_h, dWx, dWh, db
    ### END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla tanh RNN over a whole sequence (CS231n assignment 3).

    h[:, 0] = tanh(x[:, 0] @ Wx + h0 @ Wh + b), then h[:, t] uses h[:, t-1].

    Args:
        x: input sequence, shape (N, T, D), float64.
        h0: initial hidden state, shape (N, H).
        Wx: (D, H); Wh: (H, H); b: (H,).

    Returns:
        h: hidden states of every step, shape (N, T, H) (h0 is not included).
        cache: opaque object needed by ``rnn_backward``.
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, Wx, Wh, b))
    step_caches = []
    prev_h = h0
    for t in range(T):
        # x[:, t, :] is (N, D) for every N, unlike squeeze(), which would drop N = 1
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        step_caches.append(step_cache)
    # weight shapes are kept so that the backward of an empty sequence (T = 0) is well defined
    return h, (step_caches, x.shape, Wx.shape, Wh.shape, b.shape)
    ### END SOLUTION


def rnn_backward(dh, cache):
    """Backward pass of ``rnn_forward`` (backpropagation through time).

    Args:
        dh: upstream gradient w.r.t. every hidden state, shape (N, T, H). Each ``h[:, t]``
            receives gradient both from ``dh[:, t]`` and from the next step. Not modified.
        cache: the cache returned by ``rnn_forward``.

    Returns:
        Tuple ``(dx, dh0, dWx, dWh, db)`` of shapes (N, T, D), (N, H), (D, H), (H, H), (H,).
        The weights are shared by all steps, so their gradients are sums over t.
    """
    ### BEGIN SOLUTION
    step_caches, (N, T, D), Wx_shape, Wh_shape, b_shape = cache
    H = dh.shape[2]
    dx = np.empty((N, T, D), dtype=dh.dtype)
    dWx = np.zeros(Wx_shape, dtype=dh.dtype)
    dWh = np.zeros(Wh_shape, dtype=dh.dtype)
    db = np.zeros(b_shape, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)  # nothing flows back from after the last step
    for t in reversed(range(T)):
        # dh[:, t] + dprev_h is a new array: adding into dh[:, t] would change the caller's dh
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t  # the weights are shared by all steps: their gradients add up
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
    ### END SOLUTION


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM without peepholes (Hochreiter & Schmidhuber 1997; Graves 2013).

    Gate packing (CS231n): the 4H pre-activations ``a = x @ Wx + prev_h @ Wh + b`` are split
    **i, f, o, g** along the last axis::

        i = sigmoid(a[:, 0:H])      input gate
        f = sigmoid(a[:, H:2H])     forget gate
        o = sigmoid(a[:, 2H:3H])    output gate
        g = tanh(a[:, 3H:4H])       candidate cell value
        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    This is NOT PyTorch's order (``nn.LSTM`` / ``nn.LSTMCell`` pack i, f, g, o).

    Args:
        x: input, shape (N, D), float64.
        prev_h: previous hidden state, shape (N, H).
        prev_c: previous cell state, shape (N, H).
        Wx: input-to-hidden weights, shape (D, 4H), column blocks i, f, o, g.
        Wh: hidden-to-hidden weights, shape (H, 4H), same blocks.
        b: bias, shape (4H,), same blocks.

    Returns:
        next_h: (N, H); next_c: (N, H); cache: opaque, for ``lstm_step_backward``.
    """
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b  # (N, D) @ (D, 4H) + (N, H) @ (H, 4H) + (4H,) -> (N, 4H)
    i = _sigmoid(a[:, 0 * H:1 * H])  # (N, H)
    f = _sigmoid(a[:, 1 * H:2 * H])  # (N, H)
    o = _sigmoid(a[:, 2 * H:3 * H])  # (N, H)
    g = np.tanh(a[:, 3 * H:4 * H])  # (N, H)
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache
    ### END SOLUTION


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of ``lstm_step_forward``.

    Args:
        dnext_h: upstream gradient w.r.t. ``next_h``, shape (N, H). Not modified.
        dnext_c: upstream gradient w.r.t. ``next_c``, shape (N, H). Not modified: the total
            cell gradient also has a term through ``next_h``; build a new array for it
            (``dc = dnext_c + ...``), never ``dnext_c += ...``.
        cache: the cache returned by ``lstm_step_forward``.

    Returns:
        Tuple ``(dx, dprev_h, dprev_c, dWx, dWh, db)`` of shapes (N, D), (N, H), (N, H),
        (D, 4H), (H, 4H), (4H,); weight gradients packed i, f, o, g like the weights.
    """
    ### BEGIN SOLUTION
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    # next_c reaches the loss directly and through next_h = o * tanh(next_c)
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)  # (N, H), a new array
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    dprev_c = dc * f
    # back through the nonlinearities: sigmoid' = s(1 - s), tanh' = 1 - tanh^2;
    # concatenated in the same i, f, o, g order as the columns of Wx, Wh and b
    da = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), do * o * (1.0 - o), dg * (1.0 - g**2)], axis=1
    )  # 4 x (N, H) -> (N, 4H)
    dx = da @ Wx.T  # (N, 4H) @ (4H, D) -> (N, D)
    dprev_h = da @ Wh.T  # (N, 4H) @ (4H, H) -> (N, H)
    dWx = x.T @ da  # (D, N) @ (N, 4H) -> (D, 4H)
    dWh = prev_h.T @ da  # (H, N) @ (N, 4H) -> (H, 4H)
    db = da.sum(axis=0)  # (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db
    ### END SOLUTION


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a whole sequence; the initial cell state is c0 = 0 (CS231n).

    Args:
        x: input sequence, shape (N, T, D), float64.
        h0: initial hidden state, shape (N, H).
        Wx: (D, 4H); Wh: (H, 4H); b: (4H,); gates packed i, f, o, g (see ``lstm_step_forward``).

    Returns:
        h: hidden states of every step, shape (N, T, H) (h0 not included; cell states are
           not returned).
        cache: opaque object needed by ``lstm_backward``.
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, Wx, Wh, b))
    prev_h = h0
    prev_c = np.zeros_like(h0)  # c0 = 0, same dtype as h0
    step_caches = []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        step_caches.append(step_cache)
    return h, (step_caches, x.shape, Wx.shape, Wh.shape, b.shape)
    ### END SOLUTION


def lstm_backward(dh, cache):
    """Backward pass of ``lstm_forward``.

    Args:
        dh: upstream gradient w.r.t. every hidden state, shape (N, T, H). Not modified.
            There is no upstream gradient for the cell states: the loss sees only h.
        cache: the cache returned by ``lstm_forward``.

    Returns:
        Tuple ``(dx, dh0, dWx, dWh, db)`` of shapes (N, T, D), (N, H), (D, 4H), (H, 4H), (4H,).
        No gradient for c0: it is the constant 0.
    """
    ### BEGIN SOLUTION
    step_caches, (N, T, D), Wx_shape, Wh_shape, b_shape = cache
    H = dh.shape[2]
    dx = np.empty((N, T, D), dtype=dh.dtype)
    dWx = np.zeros(Wx_shape, dtype=dh.dtype)
    dWh = np.zeros(Wh_shape, dtype=dh.dtype)
    db = np.zeros(b_shape, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        # h[:, t] feeds both the loss (dh[:, t]) and step t+1 (dprev_h): gradients add
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :] + dprev_h, dprev_c, step_caches[t]
        )
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
    ### END SOLUTION


def gru_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a GRU, PyTorch ``nn.GRUCell`` convention (Cho et al. 2014).

    Gates packed **r, z, n** along the 3H axis; ``b[0]`` is the input bias, ``b[1]`` the
    hidden bias (PyTorch's ``bias_ih`` and ``bias_hh``)::

        ax = x @ Wx + b[0]                          (N, 3H)
        ah = prev_h @ Wh + b[1]                     (N, 3H)
        r = sigmoid(ax[:, 0:H]  + ah[:, 0:H])       reset gate
        z = sigmoid(ax[:, H:2H] + ah[:, H:2H])      update gate
        n = tanh(ax[:, 2H:3H] + r * ah[:, 2H:3H])   candidate
        next_h = (1 - z) * n + z * prev_h

    The reset gate multiplies ``prev_h @ Wh_n + b_hn`` AFTER the matrix product (PyTorch,
    cuDNN), not ``(r * prev_h) @ Wh_n`` as in Cho et al. / d2l.ai. ``z`` close to 1 KEEPS the
    old state.

    Args:
        x: input, shape (N, D), float64.
        prev_h: previous hidden state, shape (N, H).
        Wx: input-to-hidden weights, shape (D, 3H), column blocks r, z, n.
        Wh: hidden-to-hidden weights, shape (H, 3H), same blocks.
        b: biases, shape (2, 3H): row 0 input bias, row 1 hidden bias, same blocks.

    Returns:
        next_h: (N, H); cache: opaque, for ``gru_step_backward``.
    """
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    ax = x @ Wx + b[0]  # (N, D) @ (D, 3H) + (3H,) -> (N, 3H)
    ah = prev_h @ Wh + b[1]  # (N, H) @ (H, 3H) + (3H,) -> (N, 3H)
    r = _sigmoid(ax[:, :H] + ah[:, :H])  # (N, H)
    z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])  # (N, H)
    ah_n = ah[:, 2 * H:]  # (N, H); kept: it is the derivative of n's argument w.r.t. r
    n = np.tanh(ax[:, 2 * H:] + r * ah_n)  # (N, H)
    next_h = (1.0 - z) * n + z * prev_h
    cache = (x, prev_h, Wx, Wh, r, z, n, ah_n)
    return next_h, cache
    ### END SOLUTION


def gru_step_backward(dnext_h, cache):
    """Backward pass of ``gru_step_forward``.

    Args:
        dnext_h: upstream gradient w.r.t. ``next_h``, shape (N, H). Not modified.
        cache: the cache returned by ``gru_step_forward``.

    Returns:
        Tuple ``(dx, dprev_h, dWx, dWh, db)`` of shapes (N, D), (N, H), (D, 3H), (H, 3H),
        (2, 3H); blocks r, z, n; ``db[0]`` for the input bias, ``db[1]`` for the hidden bias.
    """
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, r, z, n, ah_n = cache
    dn = dnext_h * (1.0 - z)
    dz = dnext_h * (prev_h - n)
    dn_pre = dn * (1.0 - n**2)  # through tanh
    dr_pre = dn_pre * ah_n * r * (1.0 - r)  # n depends on r through r * ah_n
    dz_pre = dz * z * (1.0 - z)
    # r and z see the SUM of input and hidden parts, so both get the same gradient; the
    # hidden part of n is scaled by r, the input part is not
    dax = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)  # (N, 3H)
    dah = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)  # (N, 3H)
    dx = dax @ Wx.T  # (N, 3H) @ (3H, D) -> (N, D)
    # prev_h reaches next_h directly (z * prev_h) and through the gates
    dprev_h = dnext_h * z + dah @ Wh.T  # (N, 3H) @ (3H, H) -> (N, H)
    dWx = x.T @ dax  # (D, N) @ (N, 3H) -> (D, 3H)
    dWh = prev_h.T @ dah  # (H, N) @ (N, 3H) -> (H, 3H)
    db = np.stack([dax.sum(axis=0), dah.sum(axis=0)])  # (2, 3H)
    return dx, dprev_h, dWx, dWh, db
    ### END SOLUTION
