"""Reference solutions of assignment 05 (recurrent layers) against PyTorch, in float64.

PyTorch is the oracle: nn.RNNCell / nn.LSTMCell / nn.GRUCell for the forward passes, autograd
for every backward pass. Layout mapping: our ``x @ Wx`` is torch's ``x @ weight_ih.T``; our LSTM
packs gates i, f, o, g, torch packs i, f, g, o; torch has two biases, ours go to ``bias_ih``
(RNN, LSTM) with ``bias_hh = 0``, and the GRU's ``b[0], b[1]`` are ``bias_ih, bias_hh``.
"""
import numpy as np
import pytest
import torch

from grader.reference import REPO_ROOT, load_file, load_module

TOL = dict(rtol=1e-10, atol=1e-12)
SHAPES = [(3, 5, 4), (1, 4, 3), (2, 1, 3), (2, 3, 1), (1, 1, 1)]  # (N, D, H), incl. N=1, D=1, H=1


@pytest.fixture(scope="module")
def ref(solution):
    return solution("05_recurrent")


@pytest.fixture(scope="module")
def variants():
    return load_module("05_recurrent", "_variants")


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _ifog_to_ifgo(W):
    """Our (., 4H) i,f,o,g columns -> torch's i,f,g,o row blocks order (still columns)."""
    i, f, o, g = np.split(W, 4, axis=-1)
    return np.concatenate([i, f, g, o], axis=-1)


def _ifgo_to_ifog(W):
    i, f, g, o = np.split(W, 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def _readonly(*arrays):
    out = []
    for a in arrays:
        a = np.array(a)
        a.setflags(write=False)
        out.append(a)
    return out


# ---------------------------------------------------------------- torch cells as oracles


def _torch_cell(cls, D, H, Wx, Wh, bias_ih, bias_hh):
    cell = cls(D, H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(Wx.T.copy()))
        cell.weight_hh.copy_(torch.from_numpy(Wh.T.copy()))
        cell.bias_ih.copy_(torch.from_numpy(bias_ih))
        cell.bias_hh.copy_(torch.from_numpy(bias_hh))
    return cell


def _grads(outputs, upstreams, leaves):
    loss = sum((o * torch.from_numpy(u)).sum() for o, u in zip(outputs, upstreams))
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    return [np.zeros(tuple(l.shape)) if g is None else g.numpy() for g, l in zip(grads, leaves)]


@pytest.mark.parametrize("N,D,H", SHAPES)
def test_rnn_step_matches_rnncell(ref, N, D, H):
    x, h, Wx, Wh, b, dnext = _arrays(N * 100 + D * 10 + H, (N, D), (N, H), (D, H), (H, H), (H,), (N, H))
    cell = _torch_cell(torch.nn.RNNCell, D, H, Wx, Wh, b, np.zeros(H))
    xt, ht = _t(x), _t(h)
    out_t = cell(xt, ht)
    next_h, cache = ref.rnn_step_forward(*_readonly(x, h, Wx, Wh, b))
    assert next_h.shape == (N, H) and next_h.dtype == np.float64
    np.testing.assert_allclose(next_h, out_t.detach().numpy(), **TOL)
    dx, dh, dWx, dWh, db = ref.rnn_step_backward(*_readonly(dnext), cache)
    gx, gh, gWih, gWhh, gb = _grads([out_t], [dnext], [xt, ht, cell.weight_ih, cell.weight_hh, cell.bias_ih])
    for got, exp in [(dx, gx), (dh, gh), (dWx, gWih.T), (dWh, gWhh.T), (db, gb)]:
        assert got.shape == exp.shape
        np.testing.assert_allclose(got, exp, **TOL)


@pytest.mark.parametrize("N,D,H", SHAPES)
def test_lstm_step_matches_lstmcell(ref, N, D, H):
    x, h, c, Wx, Wh, b, dnh, dnc = _arrays(
        N * 7 + D * 3 + H, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,), (N, H), (N, H)
    )
    cell = _torch_cell(torch.nn.LSTMCell, D, H, _ifog_to_ifgo(Wx), _ifog_to_ifgo(Wh), _ifog_to_ifgo(b), np.zeros(4 * H))
    xt, ht, ct = _t(x), _t(h), _t(c)
    h_t, c_t = cell(xt, (ht, ct))
    next_h, next_c, cache = ref.lstm_step_forward(*_readonly(x, h, c, Wx, Wh, b))
    np.testing.assert_allclose(next_h, h_t.detach().numpy(), **TOL)
    np.testing.assert_allclose(next_c, c_t.detach().numpy(), **TOL)
    dx, dh, dc, dWx, dWh, db = ref.lstm_step_backward(*_readonly(dnh, dnc), cache)
    gx, gh, gc, gWih, gWhh, gb = _grads(
        [h_t, c_t], [dnh, dnc], [xt, ht, ct, cell.weight_ih, cell.weight_hh, cell.bias_ih]
    )
    for got, exp in [(dx, gx), (dh, gh), (dc, gc), (dWx, _ifgo_to_ifog(gWih.T)), (dWh, _ifgo_to_ifog(gWhh.T)), (db, _ifgo_to_ifog(gb))]:
        assert got.shape == exp.shape
        np.testing.assert_allclose(got, exp, **TOL)


@pytest.mark.parametrize("N,D,H", SHAPES)
def test_gru_step_matches_grucell(ref, N, D, H):
    x, h, Wx, Wh, b, dnext = _arrays(N * 11 + D * 5 + H, (N, D), (N, H), (D, 3 * H), (H, 3 * H), (2, 3 * H), (N, H))
    cell = _torch_cell(torch.nn.GRUCell, D, H, Wx, Wh, b[0], b[1])
    xt, ht = _t(x), _t(h)
    out_t = cell(xt, ht)
    next_h, cache = ref.gru_step_forward(*_readonly(x, h, Wx, Wh, b))
    np.testing.assert_allclose(next_h, out_t.detach().numpy(), **TOL)
    dx, dh, dWx, dWh, db = ref.gru_step_backward(*_readonly(dnext), cache)
    gx, gh, gWih, gWhh, gbih, gbhh = _grads(
        [out_t], [dnext], [xt, ht, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    )
    assert db.shape == (2, 3 * H)
    for got, exp in [(dx, gx), (dh, gh), (dWx, gWih.T), (dWh, gWhh.T), (db, np.stack([gbih, gbhh]))]:
        np.testing.assert_allclose(got, exp, **TOL)


# ---------------------------------------------------------------- whole sequences


def _unroll(cell_fn, x, h0, steps_out):
    """Unroll a torch cell over (N, T, D); ``steps_out`` picks the hidden state from its output."""
    h, state, hs = h0, None, []
    for t in range(x.shape[1]):
        state = cell_fn(x[:, t], h, state)
        h = steps_out(state)
        hs.append(h)
    return torch.stack(hs, dim=1)


@pytest.mark.parametrize("N,T,D,H", [(2, 4, 3, 5), (1, 3, 2, 2), (3, 1, 1, 1), (1, 1, 1, 1), (2, 6, 1, 3)])
def test_rnn_sequence_matches_autograd(ref, N, T, D, H):
    x, h0, Wx, Wh, b, dh = _arrays(N + T + D + H, (N, T, D), (N, H), (D, H), (H, H), (H,), (N, T, H))
    xt, h0t, Wxt, Wht, bt = map(_t, (x, h0, Wx, Wh, b))
    ht = _unroll(lambda xs, h, _: torch.tanh(xs @ Wxt + h @ Wht + bt), xt, h0t, lambda s: s)
    # and the whole-sequence module agrees with the unrolled cell
    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wx.T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Wh.T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
        np.testing.assert_allclose(rnn(xt, h0t[None])[0].numpy(), ht.detach().numpy(), **TOL)
    h, cache = ref.rnn_forward(*_readonly(x, h0, Wx, Wh, b))
    assert h.shape == (N, T, H)
    np.testing.assert_allclose(h, ht.detach().numpy(), **TOL)
    got = ref.rnn_backward(*_readonly(dh), cache)
    exp = _grads([ht], [dh], [xt, h0t, Wxt, Wht, bt])
    for g, e in zip(got, exp):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, **TOL)


@pytest.mark.parametrize("N,T,D,H", [(2, 4, 3, 5), (1, 3, 2, 2), (3, 1, 1, 1), (1, 1, 1, 1), (2, 6, 1, 3)])
def test_lstm_sequence_matches_nn_lstm_and_autograd(ref, N, T, D, H):
    x, h0, Wx, Wh, b, dh = _arrays(N * T + D + H, (N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,), (N, T, H))
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(_ifog_to_ifgo(Wx).T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(_ifog_to_ifgo(Wh).T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(_ifog_to_ifgo(b)))
        lstm.bias_hh_l0.zero_()
    xt, h0t = _t(x), _t(h0)
    ht, _ = lstm(xt, (h0t[None], torch.zeros(1, N, H, dtype=torch.float64)))
    h, cache = ref.lstm_forward(*_readonly(x, h0, Wx, Wh, b))
    assert h.shape == (N, T, H)
    np.testing.assert_allclose(h, ht.detach().numpy(), **TOL)
    dx, dh0, dWx, dWh, db = ref.lstm_backward(*_readonly(dh), cache)
    gx, gh0, gWih, gWhh, gb = _grads([ht], [dh], [xt, h0t, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0])
    for got, exp in [(dx, gx), (dh0, gh0), (dWx, _ifgo_to_ifog(gWih.T)), (dWh, _ifgo_to_ifog(gWhh.T)), (db, _ifgo_to_ifog(gb))]:
        assert got.shape == exp.shape
        np.testing.assert_allclose(got, exp, **TOL)


def test_backward_of_empty_sequence_is_zero(ref):
    N, D, H = 2, 3, 4
    x, h0, Wx, Wh, b = _arrays(0, (N, 0, D), (N, H), (D, H), (H, H), (H,))
    h, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, 0, H)
    dx, dh0, dWx, dWh, db = ref.rnn_backward(np.zeros((N, 0, H)), cache)
    assert dx.shape == (N, 0, D) and dWx.shape == (D, H) and not dh0.any()


def test_extreme_preactivations_stay_finite(ref):
    N, D, H = 2, 3, 2
    x, h, c = np.full((N, D), 1e3), np.zeros((N, H)), np.zeros((N, H))
    Wx = np.ones((D, 4 * H))
    Wx[:, :H] = -1.0  # i saturates at 0 through a huge negative argument
    next_h, next_c, cache = ref.lstm_step_forward(x, h, c, Wx, np.ones((H, 4 * H)), np.zeros(4 * H))
    grads = ref.lstm_step_backward(np.ones((N, H)), np.ones((N, H)), cache)
    assert np.isfinite(next_h).all() and all(np.isfinite(g).all() for g in grads)
    gh, _ = ref.gru_step_forward(x, h, -np.ones((D, 3 * H)), np.ones((H, 3 * H)), np.zeros((2, 3 * H)))
    assert np.isfinite(gh).all()


def test_float32_inputs_do_not_crash(ref):
    # not required by the contract, but the reference must not crash on float32
    x, h0, Wx, Wh, b = (a.astype(np.float32) for a in _arrays(1, (2, 3, 4), (2, 5), (4, 20), (5, 20), (20,)))
    h, cache = ref.lstm_forward(x, h0, Wx, Wh, b)
    ref.lstm_backward(np.ones_like(h), cache)


# ---------------------------------------------------------------- no mutation


def test_nothing_mutates_inputs_or_upstream_gradients(ref):
    """Every array argument is read-only: any in-place write raises."""
    N, T, D, H = 2, 3, 4, 5
    x, h0, c0, Wx, Wh, b = _readonly(*_arrays(3, (N, T, D), (N, H), (N, H), (D, H), (H, H), (H,)))
    _, cache = ref.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
    ref.rnn_step_backward(*_readonly(np.ones((N, H))), cache)
    _, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    ref.rnn_backward(*_readonly(np.ones((N, T, H))), cache)
    Wx4, Wh4, b4 = _readonly(*_arrays(4, (D, 4 * H), (H, 4 * H), (4 * H,)))
    _, _, cache = ref.lstm_step_forward(x[:, 0], h0, c0, Wx4, Wh4, b4)
    ref.lstm_step_backward(*_readonly(np.ones((N, H)), np.ones((N, H))), cache)
    _, cache = ref.lstm_forward(x, h0, Wx4, Wh4, b4)
    ref.lstm_backward(*_readonly(np.ones((N, T, H))), cache)
    Wx3, Wh3, b3 = _readonly(*_arrays(5, (D, 3 * H), (H, 3 * H), (2, 3 * H)))
    _, cache = ref.gru_step_forward(x[:, 0], h0, Wx3, Wh3, b3)
    ref.gru_step_backward(*_readonly(np.ones((N, H))), cache)


def test_backward_does_not_mutate_its_cache(ref):
    x, h, c, Wx, Wh, b = _arrays(6, (2, 3), (2, 4), (2, 4), (3, 16), (4, 16), (16,))
    _, _, cache = ref.lstm_step_forward(x, h, c, Wx, Wh, b)
    first = ref.lstm_step_backward(np.ones((2, 4)), np.ones((2, 4)), cache)
    second = ref.lstm_step_backward(np.ones((2, 4)), np.ones((2, 4)), cache)
    for a, b_ in zip(first, second):
        np.testing.assert_array_equal(a, b_)


# ---------------------------------------------------------------- variants


def test_variants_have_messages_and_imitate_public_functions(ref, variants):
    names = {n[len("variant_"):] for n in dir(variants) if n.startswith("variant_")}
    required = {"lstm_gate_order_ifgo", "lstm_gate_order_fiog", "gru_reset_before_matmul", "gru_swapped_z"}
    assert required <= names
    assert names == set(variants.IMITATES)
    for name in names:
        assert hasattr(ref, variants.IMITATES[name])


def test_lstm_gate_order_ifgo_is_pytorch_order(ref, variants):
    """The ifgo variant is exactly nn.LSTMCell fed our weights without re-packing."""
    N, D, H = 3, 4, 5
    x, h, c, Wx, Wh, b = _arrays(7, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))
    cell = _torch_cell(torch.nn.LSTMCell, D, H, Wx, Wh, b, np.zeros(4 * H))
    with torch.no_grad():
        h_t, c_t = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
    vh, vc, _ = variants.variant_lstm_gate_order_ifgo(x, h, c, Wx, Wh, b)
    np.testing.assert_allclose(vh, h_t.numpy(), **TOL)
    np.testing.assert_allclose(vc, c_t.numpy(), **TOL)
    rh, rc, _ = ref.lstm_step_forward(x, h, c, Wx, Wh, b)
    assert np.abs(vh - rh).max() > 1e-2


@pytest.mark.parametrize("name", ["lstm_gate_order_ifgo", "lstm_gate_order_fiog", "lstm_gate_order_igfo"])
def test_lstm_order_variants_differ(ref, variants, name):
    N, D, H = 3, 4, 5
    x, h, c, Wx, Wh, b = _arrays(8, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))
    vh, vc, _ = getattr(variants, "variant_" + name)(*_readonly(x, h, c, Wx, Wh, b))
    rh, rc, _ = ref.lstm_step_forward(x, h, c, Wx, Wh, b)
    assert np.abs(vh - rh).max() > 1e-2 and vh.shape == rh.shape


@pytest.mark.parametrize("order", ["ifgo", "fiog"])
def test_lstm_forward_order_variants_match_step_variants(ref, variants, order):
    N, T, D, H = 2, 3, 4, 5
    x, h0, Wx, Wh, b = _arrays(11, (N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))
    hs, _ = getattr(variants, f"variant_lstm_forward_gate_order_{order}")(*_readonly(x, h0, Wx, Wh, b))
    step = getattr(variants, f"variant_lstm_gate_order_{order}")
    h, c = h0, np.zeros_like(h0)
    for t in range(T):
        h, c, _ = step(x[:, t], h, c, Wx, Wh, b)
        np.testing.assert_allclose(hs[:, t], h, **TOL)
    assert np.abs(hs - ref.lstm_forward(x, h0, Wx, Wh, b)[0]).max() > 1e-2


def test_lstm_fiog_variant_swaps_input_and_forget(variants):
    # the student reads i from block 1 and f from block 0: swapping those blocks undoes it
    N, D, H = 2, 3, 4
    x, h, c, Wx, Wh, b = _arrays(9, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,))

    def swap(W):
        i, f, o, g = np.split(W, 4, axis=-1)
        return np.concatenate([f, i, o, g], axis=-1)

    from_variant = variants.variant_lstm_gate_order_fiog(x, h, c, swap(Wx), swap(Wh), swap(b))
    direct = variants._ref.lstm_step_forward(x, h, c, Wx, Wh, b)
    np.testing.assert_allclose(from_variant[0], direct[0], **TOL)


def test_gru_variants(ref, variants):
    N, D, H = 3, 4, 5
    x, h, Wx, Wh, b = _arrays(10, (N, D), (N, H), (D, 3 * H), (H, 3 * H), (2, 3 * H))
    rh, _ = ref.gru_step_forward(x, h, Wx, Wh, b)
    d2l, _ = variants.variant_gru_reset_before_matmul(*_readonly(x, h, Wx, Wh, b))
    swapped, _ = variants.variant_gru_swapped_z(*_readonly(x, h, Wx, Wh, b))
    assert np.abs(d2l - rh).max() > 1e-2 and np.abs(swapped - rh).max() > 1e-2
    # d2l's reset equals PyTorch's when r = 1 everywhere (reset bias huge) and b_hn = 0
    b1 = b.copy()
    b1[0, :H] = 50.0
    b1[1, 2 * H:] = 0.0
    np.testing.assert_allclose(variants.variant_gru_reset_before_matmul(x, h, Wx, Wh, b1)[0], ref.gru_step_forward(x, h, Wx, Wh, b1)[0], atol=1e-12)
    # swapped z is the reference with z -> 1 - z, i.e. negated update-gate pre-activations
    flip = np.ones(3 * H)
    flip[H:2 * H] = -1.0
    np.testing.assert_allclose(swapped, ref.gru_step_forward(x, h, Wx * flip, Wh * flip, b * flip)[0], **TOL)


def _numeric_grads(forward, args, upstreams, h=1e-6):
    """Central differences of sum(upstream * output) w.r.t. every array in ``args``."""
    args = [np.array(a, dtype=np.float64) for a in args]
    grads = []
    for a in args:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + h
            plus = sum(np.sum(o * u) for o, u in zip(forward(*args), upstreams))
            a[idx] = old - h
            minus = sum(np.sum(o * u) for o, u in zip(forward(*args), upstreams))
            a[idx] = old
            g[idx] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("order", ["ifgo", "fiog", "igfo"])
def test_lstm_backward_variants_are_gradients_of_their_forward(ref, variants, order):
    N, D, H = 2, 3, 2
    x, h, c, Wx, Wh, b, dnh, dnc = _arrays(12, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,), (N, H), (N, H))
    fwd = getattr(variants, f"variant_lstm_gate_order_{order}")
    got = getattr(variants, f"variant_backward_lstm_gate_order_{order}")(*_readonly(dnh, dnc, x, h, c, Wx, Wh, b))
    exp = _numeric_grads(lambda *a: fwd(*a)[:2], [x, h, c, Wx, Wh, b], [dnh, dnc])
    for g, e in zip(got, exp):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    reference = ref.lstm_step_backward(dnh, dnc, ref.lstm_step_forward(x, h, c, Wx, Wh, b)[2])
    assert np.abs(got[3] - reference[3]).max() > 1e-3


@pytest.mark.parametrize("order", ["ifgo", "fiog"])
def test_lstm_sequence_backward_variants_are_gradients_of_their_forward(ref, variants, order):
    N, T, D, H = 2, 3, 2, 2
    x, h0, Wx, Wh, b, dh = _arrays(13, (N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,), (N, T, H))
    fwd = getattr(variants, f"variant_lstm_forward_gate_order_{order}")
    got = getattr(variants, f"variant_backward_lstm_forward_gate_order_{order}")(*_readonly(dh, x, h0, Wx, Wh, b))
    exp = _numeric_grads(lambda *a: fwd(*a)[:1], [x, h0, Wx, Wh, b], [dh])
    for g, e in zip(got, exp):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_lstm_ifgo_backward_variant_is_lstmcell_autograd(variants):
    N, D, H = 2, 3, 4
    x, h, c, Wx, Wh, b, dnh, dnc = _arrays(14, (N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,), (N, H), (N, H))
    cell = _torch_cell(torch.nn.LSTMCell, D, H, Wx, Wh, b, np.zeros(4 * H))  # our weights, torch's order
    xt, ht, ct = _t(x), _t(h), _t(c)
    h_t, c_t = cell(xt, (ht, ct))
    gx, gh, gc, gWih, gWhh, gb = _grads([h_t, c_t], [dnh, dnc], [xt, ht, ct, cell.weight_ih, cell.weight_hh, cell.bias_ih])
    got = variants.variant_backward_lstm_gate_order_ifgo(dnh, dnc, x, h, c, Wx, Wh, b)
    for g, e in zip(got, [gx, gh, gc, gWih.T, gWhh.T, gb]):
        np.testing.assert_allclose(g, e, **TOL)


@pytest.mark.parametrize("name", ["gru_reset_before_matmul", "gru_swapped_z"])
def test_gru_backward_variants_are_gradients_of_their_forward(ref, variants, name):
    N, D, H = 2, 3, 2
    x, h, Wx, Wh, b, dnext = _arrays(15, (N, D), (N, H), (D, 3 * H), (H, 3 * H), (2, 3 * H), (N, H))
    fwd = getattr(variants, f"variant_{name}")
    got = getattr(variants, f"variant_backward_{name}")(*_readonly(dnext, x, h, Wx, Wh, b))
    exp = _numeric_grads(lambda *a: fwd(*a)[:1], [x, h, Wx, Wh, b], [dnext])
    for g, e in zip(got, exp):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    reference = ref.gru_step_backward(dnext, ref.gru_step_forward(x, h, Wx, Wh, b)[1])
    assert np.abs(got[3] - reference[3]).max() > 1e-3
