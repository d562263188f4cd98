"""Reference solutions of assignment 06 (attention) against PyTorch, in float64.

Oracles: ``torch.softmax``; ``F.scaled_dot_product_attention`` (its bool mask uses
True = attend, the same polarity as ours) and autograd for the backward; ``nn.MultiheadAttention``
with copied weights (it stores W.T, and its bool mask uses True = BLOCKED); a direct torch
evaluation of Vaswani §3.5; ``F.unfold`` / ``Tensor.unfold`` and ``F.conv2d`` for patches.
The torch modules are checked in eval mode against the numpy functions with the same weights.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.reference import REPO_ROOT, load_file, load_module

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def ref(solution):
    return solution("06_attention")


@pytest.fixture(scope="module")
def variants():
    return load_module("06_attention", "_variants")


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _readonly(*arrays):
    out = []
    for a in arrays:
        a = np.array(a)
        a.setflags(write=False)
        out.append(a)
    return out


def _t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _random_mask(seed, shape, p_block=0.4):
    """Random bool mask (True = attend) in which every query keeps at least one key."""
    rng = np.random.default_rng(seed)
    mask = rng.random(shape) > p_block
    mask[..., rng.integers(shape[-1])] = True
    return mask


# ---------------------------------------------------------------- softmax


@pytest.mark.parametrize("axis", [-1, 0, 1, -2])
def test_softmax_matches_torch(ref, axis):
    (x,) = _readonly(*_arrays(0, (3, 4, 5)))
    np.testing.assert_allclose(ref.softmax(x, axis=axis), torch.softmax(torch.tensor(x), dim=axis).numpy(), **TOL)


def test_softmax_default_axis_and_stability(ref):
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]])
    out = ref.softmax(x)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(-1), 1.0, **TOL)
    np.testing.assert_allclose(out, torch.softmax(torch.tensor(x), -1).numpy(), **TOL)


# ---------------------------------------------------------------- scaled dot-product attention

SDPA_CASES = [  # N, T, S, d_k, d_v, mask kind
    (2, 4, 4, 3, 3, None),
    (2, 4, 4, 3, 5, "causal"),
    (3, 3, 5, 4, 2, "random"),  # cross-attention, S != T, d_k != d_v
    (2, 5, 3, 2, 6, "random_ts"),  # a (T, S) mask broadcast over the batch
    (2, 4, 6, 3, 3, "n1s"),  # an (N, 1, S) key-padding mask
    (2, 4, 4, 3, 3, "float01"),  # numeric 0/1 mask
    (1, 1, 1, 1, 1, None),
    (1, 1, 3, 1, 2, "random"),
]


def _mask_for(kind, N, T, S, seed):
    if kind is None:
        return None
    if kind == "causal":
        return np.tril(np.ones((T, S), dtype=bool))
    if kind == "random":
        return _random_mask(seed, (N, T, S))
    if kind == "random_ts":
        return _random_mask(seed, (T, S))
    if kind == "n1s":
        m = np.ones((N, 1, S), dtype=bool)
        m[:, :, -2:] = False  # padded keys
        return m
    if kind == "float01":
        return _random_mask(seed, (N, T, S)).astype(np.float64)
    raise AssertionError(kind)


@pytest.mark.parametrize("N,T,S,dk,dv,kind", SDPA_CASES)
def test_sdpa_matches_torch_forward_and_autograd(ref, N, T, S, dk, dv, kind):
    seed = N * 1000 + T * 100 + S * 10 + dk
    q, k, v, dout = _arrays(seed, (N, T, dk), (N, S, dk), (N, S, dv), (N, T, dv))
    mask = _mask_for(kind, N, T, S, seed)
    qt, kt, vt = _t(q), _t(k), _t(v)
    torch_mask = None if mask is None else torch.tensor(np.broadcast_to(mask != 0, (N, T, S)).copy())
    out_t = F.scaled_dot_product_attention(qt, kt, vt, attn_mask=torch_mask)  # bool mask: True = attend
    args = _readonly(q, k, v) + ([] if mask is None else _readonly(mask))
    out, cache = ref.scaled_dot_product_attention_forward(*args)
    assert out.shape == (N, T, dv) and out.dtype == np.float64
    np.testing.assert_allclose(out, out_t.detach().numpy(), **TOL)
    grads = ref.scaled_dot_product_attention_backward(*_readonly(dout), cache)
    expected = torch.autograd.grad(out_t, (qt, kt, vt), torch.tensor(dout))
    for got, exp in zip(grads, expected):
        assert got.shape == tuple(exp.shape)
        np.testing.assert_allclose(got, exp.numpy(), **TOL)


def test_sdpa_causal_mask_equals_is_causal(ref):
    q, k, v = _arrays(1, (2, 5, 3), (2, 5, 3), (2, 5, 4))
    out, _ = ref.scaled_dot_product_attention_forward(q, k, v, np.tril(np.ones((5, 5))))
    exp = F.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), is_causal=True)
    np.testing.assert_allclose(out, exp.numpy(), **TOL)


def test_sdpa_fully_blocked_rows_give_zeros_and_no_gradient(ref):
    N, T, S, dk, dv = 2, 4, 5, 3, 2
    q, k, v, dout = _arrays(2, (N, T, dk), (N, S, dk), (N, S, dv), (N, T, dv))
    mask = _random_mask(3, (N, T, S))
    mask[0, 1] = False  # query 1 of sample 0 sees nothing
    mask[1, 3] = False
    out, cache = ref.scaled_dot_product_attention_forward(q, k, v, mask)
    dq, dk_, dv_ = ref.scaled_dot_product_attention_backward(dout, cache)
    assert np.isfinite(out).all() and np.isfinite(dq).all()
    assert not out[0, 1].any() and not out[1, 3].any()
    assert not dq[0, 1].any() and not dq[1, 3].any()
    # the other queries are unaffected: same as torch on each sample without the blocked query
    for n, blocked in [(0, 1), (1, 3)]:
        keep = [t for t in range(T) if t != blocked]
        qt, kt, vt = _t(q[n:n + 1, keep]), _t(k[n:n + 1]), _t(v[n:n + 1])
        o = F.scaled_dot_product_attention(qt, kt, vt, attn_mask=torch.tensor(mask[n:n + 1, keep]))
        np.testing.assert_allclose(out[n, keep], o[0].detach().numpy(), **TOL)
        gq, gk, gv = torch.autograd.grad(o, (qt, kt, vt), torch.tensor(dout[n:n + 1, keep]))
        np.testing.assert_allclose(dq[n, keep], gq[0].numpy(), **TOL)
        np.testing.assert_allclose(dk_[n], gk[0].numpy(), **TOL)
        np.testing.assert_allclose(dv_[n], gv[0].numpy(), **TOL)


def test_sdpa_all_blocked_is_zero_everywhere(ref):
    q, k, v = _arrays(4, (1, 2, 3), (1, 3, 3), (1, 3, 2))
    out, cache = ref.scaled_dot_product_attention_forward(q, k, v, np.zeros((2, 3)))
    assert not out.any()
    assert not any(g.any() for g in ref.scaled_dot_product_attention_backward(np.ones((1, 2, 2)), cache))


def test_sdpa_large_scores_do_not_overflow(ref):
    q, k, v = _arrays(5, (1, 3, 4), (1, 3, 4), (1, 3, 2))
    out, _ = ref.scaled_dot_product_attention_forward(q * 1e4, k * 1e4, v)
    assert np.isfinite(out).all()


def test_sdpa_bad_mask_shape_raises(ref):
    q, k, v = _arrays(6, (2, 3, 4), (2, 5, 4), (2, 5, 4))
    with pytest.raises(ValueError):
        ref.scaled_dot_product_attention_forward(q, k, v, np.ones((3, 3)))


# ---------------------------------------------------------------- multi-head attention


def _mha_params(seed, E):
    W = _arrays(seed, (E, E), (E,), (E, E), (E,), (E, E), (E,), (E, E), (E,))
    return dict(zip(["Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo"], _readonly(*W)))


def _torch_mha(params, E, heads):
    mha = torch.nn.MultiheadAttention(E, heads, dropout=0.0, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(np.concatenate([params["Wq"].T, params["Wk"].T, params["Wv"].T])))
        mha.in_proj_bias.copy_(torch.tensor(np.concatenate([params["bq"], params["bk"], params["bv"]])))
        mha.out_proj.weight.copy_(torch.tensor(params["Wo"].T.copy()))
        mha.out_proj.bias.copy_(torch.tensor(params["bo"]))
    return mha.eval()


@pytest.mark.parametrize("heads", [1, 2, 4])
@pytest.mark.parametrize("N,T,S,kind", [(2, 3, 3, None), (2, 4, 4, "causal"), (3, 3, 5, "random"), (1, 1, 2, "random")])
def test_mha_matches_nn_multiheadattention(ref, heads, N, T, S, kind):
    E = 8
    params = _mha_params(heads, E)
    query, key, value = _readonly(*_arrays(N + T + S, (N, T, E), (N, S, E), (N, S, E)))
    mask = _mask_for(kind, N, T, S, heads)
    torch_mask = None
    if mask is not None:
        # nn.MultiheadAttention: bool True = NOT allowed; a 3-D mask is (N * heads, T, S)
        blocked = np.broadcast_to(~mask, (N, T, S))
        torch_mask = torch.tensor(np.repeat(blocked, heads, axis=0).copy())
    with torch.no_grad():
        exp, _ = _torch_mha(params, E, heads)(
            *map(torch.tensor, (query, key, value)), attn_mask=torch_mask, need_weights=False
        )
    out, _ = ref.multi_head_attention_forward(query, key, value, params, heads, mask)
    assert out.shape == (N, T, E)
    np.testing.assert_allclose(out, exp.numpy(), **TOL)


def test_mha_rejects_indivisible_heads(ref):
    params = _mha_params(0, 6)
    x = np.zeros((1, 2, 6))
    with pytest.raises(ValueError):
        ref.multi_head_attention_forward(x, x, x, params, 4)


# ---------------------------------------------------------------- positional encoding


def _pe_direct(max_len, d):
    """Vaswani §3.5 evaluated entry by entry, in torch: column j uses the pair index j // 2."""
    pe = torch.empty(max_len, d, dtype=torch.float64)
    for j in range(d):
        pair = j // 2
        angle = torch.arange(max_len, dtype=torch.float64) / torch.tensor(10000.0, dtype=torch.float64) ** (2 * pair / d)
        pe[:, j] = torch.sin(angle) if j % 2 == 0 else torch.cos(angle)
    return pe.numpy()


@pytest.mark.parametrize("max_len,d", [(50, 16), (7, 5), (1, 1), (3, 2), (200, 64)])
def test_positional_encoding_matches_formula(ref, max_len, d):
    pe = ref.sinusoidal_positional_encoding(max_len, d)
    assert pe.shape == (max_len, d) and pe.dtype == np.float64
    np.testing.assert_allclose(pe, _pe_direct(max_len, d), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(pe[0, 0::2], 0.0)
    np.testing.assert_array_equal(pe[0, 1::2], 1.0)


@pytest.mark.parametrize("bad", [(0, 4), (4, 0), (-1, 2)])
def test_positional_encoding_rejects_empty(ref, bad):
    with pytest.raises(ValueError):
        ref.sinusoidal_positional_encoding(*bad)


# ---------------------------------------------------------------- patchify


@pytest.mark.parametrize("N,C,H,W,P", [(2, 3, 8, 8, 4), (1, 1, 6, 9, 3), (2, 2, 4, 6, 2), (1, 3, 5, 5, 1), (2, 3, 4, 4, 4)])
def test_patchify_matches_unfold(ref, N, C, H, W, P):
    (x,) = _readonly(*_arrays(N * C + H * W + P, (N, C, H, W)))
    out = ref.patchify(x, P)
    assert out.shape == (N, (H // P) * (W // P), C * P * P)
    xt = torch.tensor(x)
    np.testing.assert_array_equal(out, F.unfold(xt, kernel_size=P, stride=P).transpose(1, 2).numpy())
    # Tensor.unfold: (N, C, Hp, Wp, P, P) -> (N, Hp, Wp, C, P, P)
    manual = xt.unfold(2, P, P).unfold(3, P, P).permute(0, 2, 3, 1, 4, 5).reshape(N, -1, C * P * P)
    np.testing.assert_array_equal(out, manual.numpy())


@pytest.mark.parametrize("shape,P", [((1, 3, 8, 8), 3), ((1, 3, 8, 6), 4), ((1, 1, 5, 4), 2)])
def test_patchify_rejects_indivisible(ref, shape, P):
    with pytest.raises(ValueError):
        ref.patchify(np.zeros(shape), P)


# ---------------------------------------------------------------- torch modules vs numpy


@pytest.fixture
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _params_of(module):
    p = {}
    for name, layer in [("q", module.query), ("k", module.key), ("v", module.value), ("o", module.proj)]:
        p["W" + name] = layer.weight.detach().numpy().T
        p["b" + name] = layer.bias.detach().numpy()
    return p


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_mha_module_matches_numpy(ref, float64_default, heads):
    torch.manual_seed(heads)
    N, T, S, E = 2, 4, 6, 8
    module = ref.MultiHeadAttention(E, heads).eval()
    for name in ("query", "key", "value", "proj"):
        assert isinstance(getattr(module, name), torch.nn.Linear)
    query, key, value = _arrays(heads, (N, T, E), (N, S, E), (N, S, E))
    mask = _random_mask(heads, (T, S))
    mask[2] = False  # a fully blocked query
    args = [torch.tensor(a).requires_grad_() for a in (query, key, value)]
    got = module(*args, attn_mask=torch.tensor(mask.astype(np.int64)))
    exp, _ = ref.multi_head_attention_forward(query, key, value, _params_of(module), heads, mask)
    np.testing.assert_allclose(got.detach().numpy(), exp, **TOL)
    np.testing.assert_allclose(got[:, 2].detach().numpy(), np.broadcast_to(_params_of(module)["bo"], (N, E)), **TOL)
    got.sum().backward()  # the fully blocked row must not poison the gradients with NaN
    assert all(torch.isfinite(a.grad).all() for a in args)
    assert torch.isfinite(module.query.weight.grad).all()
    unmasked = module(*args)
    exp_unmasked, _ = ref.multi_head_attention_forward(query, key, value, _params_of(module), heads)
    np.testing.assert_allclose(unmasked.detach().numpy(), exp_unmasked, **TOL)


def test_mha_module_dropout_acts_on_weights_in_train_mode(ref):
    torch.manual_seed(0)
    module = ref.MultiHeadAttention(8, 2, dropout=0.5)
    assert isinstance(module.attn_drop, torch.nn.Dropout) and module.attn_drop.p == 0.5
    x = torch.randn(2, 5, 8)
    module.eval()
    a = module(x, x, x)
    module.train()
    assert not torch.allclose(module(x, x, x), a)
    assert module(x, x, x).dtype == torch.float32


def test_positional_encoding_module(ref, float64_default):
    D, L = 10, 64
    module = ref.PositionalEncoding(D, dropout=0.1, max_len=L).eval()
    assert "pe" in dict(module.named_buffers()) and module.pe.shape == (1, L, D)
    np.testing.assert_allclose(module.pe[0].numpy(), ref.sinusoidal_positional_encoding(L, D), rtol=0, atol=1e-12)
    x = torch.randn(3, 7, D)
    np.testing.assert_allclose(module(x).numpy(), (x + module.pe[:, :7]).numpy(), **TOL)


def test_positional_encoding_module_default_dtype(ref):
    module = ref.PositionalEncoding(6, dropout=0.0, max_len=20)
    assert module.pe.dtype == torch.float32
    np.testing.assert_allclose(module.pe[0].numpy(), ref.sinusoidal_positional_encoding(20, 6), atol=1e-6)
    assert module(torch.zeros(2, 5, 6)).dtype == torch.float32


@pytest.mark.parametrize("img,P,C", [(8, 4, 3), (6, 2, 1), (4, 4, 2), (5, 1, 3)])
def test_patch_embedding_matches_patchify_and_conv(ref, float64_default, img, P, C):
    torch.manual_seed(img + P)
    E = 7
    module = ref.PatchEmbedding(img, P, in_channels=C, embed_dim=E).eval()
    assert module.num_patches == (img // P) ** 2
    assert isinstance(module.proj, torch.nn.Linear) and module.proj.weight.shape == (E, C * P * P)
    x = torch.randn(2, C, img, img)
    got = module(x)
    assert got.shape == (2, module.num_patches, E)
    W, b = module.proj.weight.detach(), module.proj.bias.detach()
    exp = ref.patchify(x.numpy(), P) @ W.numpy().T + b.numpy()
    np.testing.assert_allclose(got.detach().numpy(), exp, **TOL)
    # (C, P, P) order is a Conv2d weight's order: a strided conv gives the same embeddings
    conv = F.conv2d(x, W.reshape(E, C, P, P), b, stride=P)  # (2, E, Hp, Wp)
    np.testing.assert_allclose(got.detach().numpy(), conv.flatten(2).transpose(1, 2).numpy(), **TOL)


def test_patch_embedding_rejects_indivisible(ref):
    with pytest.raises(ValueError):
        ref.PatchEmbedding(10, 3)


# ---------------------------------------------------------------- no mutation


def test_nothing_mutates_inputs_or_upstream_gradients(ref):
    q, k, v, dout = _readonly(*_arrays(7, (2, 3, 4), (2, 5, 4), (2, 5, 6), (2, 3, 6)))
    (mask,) = _readonly(_random_mask(7, (2, 3, 5)))
    _, cache = ref.scaled_dot_product_attention_forward(q, k, v, mask)
    ref.scaled_dot_product_attention_backward(dout, cache)
    _, cache = ref.scaled_dot_product_attention_forward(q, k, v)
    ref.scaled_dot_product_attention_backward(dout, cache)
    ref.softmax(q, axis=1)
    params = _mha_params(8, 4)
    snapshot = dict(params)
    ref.multi_head_attention_forward(q, k, k, params, 2, mask)
    assert params == snapshot
    (x,) = _readonly(*_arrays(9, (2, 3, 4, 4)))
    ref.patchify(x, 2)


# ---------------------------------------------------------------- variants


def test_variants_have_messages_and_imitate_public_functions(ref, variants):
    names = {n[len("variant_"):] for n in dir(variants) if n.startswith("variant_")}
    required = {
        "no_scale", "scale_sqrt_E", "softmax_wrong_axis", "mask_after_softmax", "mask_inverted",
        "pe_sin_cos_swapped", "pe_exponent_j_over_d", "patch_channel_last",
    }
    assert required <= names and names == set(variants.IMITATES)
    for name in names:
        assert hasattr(ref, variants.IMITATES[name])


def _differs(a, b):
    return a.shape != b.shape or np.abs(a - b).max() > 1e-3


@pytest.mark.parametrize("name", ["no_scale", "softmax_wrong_axis", "mask_after_softmax", "mask_inverted"])
def test_sdpa_variants_differ(ref, variants, name):
    q, k, v = _readonly(*_arrays(10, (2, 3, 4), (2, 5, 4), (2, 5, 3)))
    (mask,) = _readonly(_random_mask(10, (2, 3, 5)))
    exp, _ = ref.scaled_dot_product_attention_forward(q, k, v, mask)
    got, _ = getattr(variants, "variant_" + name)(q, k, v, mask)
    assert got.shape == exp.shape and _differs(got, exp)


def test_sdpa_variants_agree_where_they_should(ref, variants):
    q, k, v = _arrays(11, (2, 3, 4), (2, 5, 4), (2, 5, 3))
    exp, _ = ref.scaled_dot_product_attention_forward(q, k, v)
    # without a mask, mask handling cannot matter
    for name in ("mask_after_softmax", "mask_inverted"):
        np.testing.assert_allclose(getattr(variants, "variant_" + name)(q, k, v)[0], exp, **TOL)
    # the wrong axis: torch's softmax over dim -2 of the scaled scores
    scores = torch.tensor(q) @ torch.tensor(k).transpose(-1, -2) / 2.0
    np.testing.assert_allclose(variants.variant_softmax_wrong_axis(q, k, v)[0], (torch.softmax(scores, -2) @ torch.tensor(v)).numpy(), **TOL)
    np.testing.assert_allclose(variants.variant_no_scale(q, k, v)[0], F.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), scale=1.0).numpy(), **TOL)


@pytest.mark.parametrize("name", ["scale_sqrt_E", "mha_no_scale", "mha_reshape_without_transpose"])
def test_mha_variants_differ_and_scale_sqrt_E_is_torch_with_scale(ref, variants, name):
    N, T, S, E, heads = 2, 3, 4, 8, 4
    params = _mha_params(12, E)
    query, key, value = _readonly(*_arrays(12, (N, T, E), (N, S, E), (N, S, E)))
    exp, _ = ref.multi_head_attention_forward(query, key, value, params, heads)
    got, _ = getattr(variants, "variant_" + name)(query, key, value, params, heads)
    assert got.shape == exp.shape and _differs(got, exp)
    one_head, _ = getattr(variants, "variant_" + name)(query, key, value, params, 1)
    if name != "mha_no_scale":  # with a single head these misconceptions change nothing
        np.testing.assert_allclose(one_head, ref.multi_head_attention_forward(query, key, value, params, 1)[0], **TOL)


def test_pe_variants(ref, variants):
    exp = ref.sinusoidal_positional_encoding(20, 8)
    swapped = variants.variant_pe_sin_cos_swapped(20, 8)
    j_over_d = variants.variant_pe_exponent_j_over_d(20, 8)
    assert swapped.shape == j_over_d.shape == exp.shape
    assert _differs(swapped, exp) and _differs(j_over_d, exp)
    np.testing.assert_allclose(swapped[:, 0::2], np.cos(np.arcsin(exp[:, 0::2])) * np.sign(exp[:, 1::2]), atol=1e-9)
    np.testing.assert_allclose(j_over_d[:, 0::2], exp[:, 0::2], **TOL)  # only the cos columns differ


def test_patch_variants(ref, variants):
    (x,) = _readonly(*_arrays(13, (2, 3, 4, 6)))
    exp = ref.patchify(x, 2)
    for name in ("patch_channel_last", "patch_order_column_major"):
        got = getattr(variants, "variant_" + name)(x, 2)
        assert got.shape == exp.shape and _differs(got, exp)
    one_channel = x[:, :1]  # with C = 1 the channel order is invisible
    np.testing.assert_array_equal(variants.variant_patch_channel_last(one_channel, 2), ref.patchify(one_channel, 2))
    # channel-last is what torch's x.unfold gives before moving C in front of the pixels
    xt = torch.tensor(x)
    cl = xt.unfold(2, 2, 2).unfold(3, 2, 2).permute(0, 2, 3, 4, 5, 1).reshape(2, -1, 12)
    np.testing.assert_array_equal(variants.variant_patch_channel_last(x, 2), cl.numpy())


def _numeric_grads(forward, args, upstream, h=1e-6):
    """Central differences of sum(upstream * forward(*args)) w.r.t. every array in ``args``."""
    args = [np.array(a, dtype=np.float64) for a in args]
    grads = []
    for a in args:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + h
            plus = np.sum(forward(*args) * upstream)
            a[idx] = old - h
            minus = np.sum(forward(*args) * upstream)
            a[idx] = old
            g[idx] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("name", ["no_scale", "softmax_wrong_axis", "mask_after_softmax", "mask_inverted"])
@pytest.mark.parametrize("masked", [False, True])
def test_sdpa_backward_variants_are_gradients_of_their_forward(ref, variants, name, masked):
    q, k, v, dout = _arrays(14, (2, 3, 2), (2, 4, 2), (2, 4, 3), (2, 3, 3))
    mask = _random_mask(14, (2, 3, 4)) if masked else None
    if masked:
        mask[0, 1] = False  # a fully blocked query
        mask[1, :, 2] = False  # a key no query sees (a fully blocked column for the wrong axis)
    fwd = getattr(variants, "variant_" + name)
    got = getattr(variants, "variant_backward_" + name)(*_readonly(dout, q, k, v), mask)
    exp = _numeric_grads(lambda *a: fwd(*a, mask)[0], [q, k, v], dout)
    for g, e in zip(got, exp):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    if masked or name in ("no_scale", "softmax_wrong_axis"):
        _, cache = ref.scaled_dot_product_attention_forward(q, k, v, mask)
        assert any(_differs(g, r) for g, r in zip(got, ref.scaled_dot_product_attention_backward(dout, cache)))
