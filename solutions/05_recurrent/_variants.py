"""Known misconceptions of assignment 05 (recurrent layers), as executable variants.

INSTRUCTOR ONLY: never shipped to students. Each ``variant_<name>`` computes what a student
holding that misconception returns from the function named in ``IMITATES[<name>]``; when the
student's output matches a variant and not the reference, the grader names the misconception
(its feedback text lives in the grader, never here). Signatures (as in the other assignments' variants):

* forward variants take the forward's arguments and return its tuple with ``None`` as cache;
* backward variants (``variant_backward_<name>``) cannot take the reference's opaque cache, so
  they take the upstream gradient(s) followed by the forward's arguments, e.g.
  ``(dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b)``, and return what a student consistent
  with that forward returns (the exact gradients of the variant forward).

Variants never modify their arguments.

Gate-order variants are the reference run on weights whose gate blocks are permuted: a student
who reads block j as gate G computes what the reference computes when gate G's weights sit in
block j.
"""
import numpy as np

from . import rnn_layers as _ref  # the one execution of the solution (see grader.reference)


# block j of the student's reading -> block of the CS231n packing (i, f, o, g) it really holds
_IFOG = "ifog"


def _permute_blocks(W, student_order):
    """Reorder the 4 gate blocks along the last axis so that the reference, reading them as
    i, f, o, g, sees what a student reading them as ``student_order`` sees."""
    H = W.shape[-1] // 4
    blocks = [W[..., j * H:(j + 1) * H] for j in range(4)]
    # the reference takes gate G from block _IFOG.index(G); the student from student_order.index(G)
    return np.concatenate([blocks[student_order.index(gate)] for gate in _IFOG], axis=-1)


def _unpermute_blocks(dW, student_order):
    """Inverse of ``_permute_blocks``: gradients w.r.t. permuted weights -> w.r.t. the originals."""
    H = dW.shape[-1] // 4
    blocks = [dW[..., j * H:(j + 1) * H] for j in range(4)]
    return np.concatenate([blocks[_IFOG.index(student_order[j])] for j in range(4)], axis=-1)


def _lstm_step(order, x, prev_h, prev_c, Wx, Wh, b):
    next_h, next_c, _ = _ref.lstm_step_forward(
        x, prev_h, prev_c, _permute_blocks(Wx, order), _permute_blocks(Wh, order), _permute_blocks(b, order)
    )
    return next_h, next_c, None


def _lstm_step_backward(order, dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b):
    _, _, cache = _ref.lstm_step_forward(
        x, prev_h, prev_c, _permute_blocks(Wx, order), _permute_blocks(Wh, order), _permute_blocks(b, order)
    )
    dx, dprev_h, dprev_c, dWx, dWh, db = _ref.lstm_step_backward(dnext_h, dnext_c, cache)
    return dx, dprev_h, dprev_c, _unpermute_blocks(dWx, order), _unpermute_blocks(dWh, order), _unpermute_blocks(db, order)


def _lstm_seq(order, x, h0, Wx, Wh, b):
    h, _ = _ref.lstm_forward(x, h0, _permute_blocks(Wx, order), _permute_blocks(Wh, order), _permute_blocks(b, order))
    return h, None


def _lstm_seq_backward(order, dh, x, h0, Wx, Wh, b):
    _, cache = _ref.lstm_forward(x, h0, _permute_blocks(Wx, order), _permute_blocks(Wh, order), _permute_blocks(b, order))
    dx, dh0, dWx, dWh, db = _ref.lstm_backward(dh, cache)
    return dx, dh0, _unpermute_blocks(dWx, order), _unpermute_blocks(dWh, order), _unpermute_blocks(db, order)


def variant_lstm_gate_order_ifgo(x, prev_h, prev_c, Wx, Wh, b):
    """lstm_step_forward reading PyTorch's gate order i, f, g, o."""
    return _lstm_step("ifgo", x, prev_h, prev_c, Wx, Wh, b)


def variant_lstm_gate_order_fiog(x, prev_h, prev_c, Wx, Wh, b):
    """lstm_step_forward with the input and forget gates swapped (f, i, o, g)."""
    return _lstm_step("fiog", x, prev_h, prev_c, Wx, Wh, b)


def variant_lstm_gate_order_igfo(x, prev_h, prev_c, Wx, Wh, b):
    """lstm_step_forward reading TF1 BasicLSTMCell's order i, j (= g), f, o."""
    return _lstm_step("igfo", x, prev_h, prev_c, Wx, Wh, b)


def variant_backward_lstm_gate_order_ifgo(dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b):
    """lstm_step_backward of a consistent i, f, g, o student (gradients of their forward)."""
    return _lstm_step_backward("ifgo", dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b)


def variant_backward_lstm_gate_order_fiog(dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b):
    """lstm_step_backward of a consistent f, i, o, g student."""
    return _lstm_step_backward("fiog", dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b)


def variant_backward_lstm_gate_order_igfo(dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b):
    """lstm_step_backward of a consistent i, g, f, o student."""
    return _lstm_step_backward("igfo", dnext_h, dnext_c, x, prev_h, prev_c, Wx, Wh, b)


def variant_lstm_forward_gate_order_ifgo(x, h0, Wx, Wh, b):
    """lstm_forward reading PyTorch's gate order i, f, g, o."""
    return _lstm_seq("ifgo", x, h0, Wx, Wh, b)


def variant_lstm_forward_gate_order_fiog(x, h0, Wx, Wh, b):
    """lstm_forward with the input and forget gates swapped."""
    return _lstm_seq("fiog", x, h0, Wx, Wh, b)


def variant_backward_lstm_forward_gate_order_ifgo(dh, x, h0, Wx, Wh, b):
    """lstm_backward of a consistent i, f, g, o student."""
    return _lstm_seq_backward("ifgo", dh, x, h0, Wx, Wh, b)


def variant_backward_lstm_forward_gate_order_fiog(dh, x, h0, Wx, Wh, b):
    """lstm_backward of a consistent f, i, o, g student."""
    return _lstm_seq_backward("fiog", dh, x, h0, Wx, Wh, b)


def _gru_gates(x, prev_h, Wx, Wh, b):
    H = prev_h.shape[1]
    ax = x @ Wx + b[0]  # (N, 3H)
    ah = prev_h @ Wh + b[1]  # (N, 3H)
    r = _ref._sigmoid(ax[:, :H] + ah[:, :H])
    z = _ref._sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    return H, ax, r, z


def variant_gru_reset_before_matmul(x, prev_h, Wx, Wh, b):
    """gru_step_forward with Cho et al. / d2l.ai's reset: n = tanh(x Wx_n + b_in + (r * h) Wh_n + b_hn)."""
    H, ax, r, z = _gru_gates(x, prev_h, Wx, Wh, b)
    n = np.tanh(ax[:, 2 * H:] + (r * prev_h) @ Wh[:, 2 * H:] + b[1, 2 * H:])
    return (1.0 - z) * n + z * prev_h, None


def variant_backward_gru_reset_before_matmul(dnext_h, x, prev_h, Wx, Wh, b):
    """gru_step_backward of the d2l.ai reset (the exact gradient of the forward above)."""
    H, ax, r, z = _gru_gates(x, prev_h, Wx, Wh, b)
    rh = r * prev_h  # (N, H)
    n = np.tanh(ax[:, 2 * H:] + rh @ Wh[:, 2 * H:] + b[1, 2 * H:])
    dn_pre = dnext_h * (1.0 - z) * (1.0 - n**2)
    drh = dn_pre @ Wh[:, 2 * H:].T  # (N, H)
    dr_pre = drh * prev_h * r * (1.0 - r)
    dz_pre = dnext_h * (prev_h - n) * z * (1.0 - z)
    dax = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)  # (N, 3H)
    dah_rz = dax[:, :2 * H]
    dx = dax @ Wx.T
    dprev_h = dnext_h * z + drh * r + dah_rz @ Wh[:, :2 * H].T
    dWh = np.concatenate([prev_h.T @ dah_rz, rh.T @ dn_pre], axis=1)  # (H, 3H)
    db = np.stack([dax.sum(axis=0), dax.sum(axis=0)])  # b_hn is added like b_in here
    return dx, dprev_h, x.T @ dax, dWh, db


def _flip_z(H):
    # z -> 1 - z is sigmoid(a) -> sigmoid(-a): negate the update gate's weights and biases
    flip = np.ones(3 * H)
    flip[H:2 * H] = -1.0
    return flip


def variant_gru_swapped_z(x, prev_h, Wx, Wh, b):
    """gru_step_forward with the update gate's roles swapped: h' = z * n + (1 - z) * h."""
    f = _flip_z(prev_h.shape[1])
    return _ref.gru_step_forward(x, prev_h, Wx * f, Wh * f, b * f)[0], None


def variant_backward_gru_swapped_z(dnext_h, x, prev_h, Wx, Wh, b):
    """gru_step_backward of the swapped update gate."""
    f = _flip_z(prev_h.shape[1])
    _, cache = _ref.gru_step_forward(x, prev_h, Wx * f, Wh * f, b * f)
    dx, dprev_h, dWx, dWh, db = _ref.gru_step_backward(dnext_h, cache)
    return dx, dprev_h, dWx * f, dWh * f, db * f


# which reference function each variant imitates
IMITATES = {
    **{f"lstm_gate_order_{o}": "lstm_step_forward" for o in ("ifgo", "fiog", "igfo")},
    **{f"backward_lstm_gate_order_{o}": "lstm_step_backward" for o in ("ifgo", "fiog", "igfo")},
    **{f"lstm_forward_gate_order_{o}": "lstm_forward" for o in ("ifgo", "fiog")},
    **{f"backward_lstm_forward_gate_order_{o}": "lstm_backward" for o in ("ifgo", "fiog")},
    "gru_reset_before_matmul": "gru_step_forward",
    "backward_gru_reset_before_matmul": "gru_step_backward",
    "gru_swapped_z": "gru_step_forward",
    "backward_gru_swapped_z": "gru_step_backward",
}
