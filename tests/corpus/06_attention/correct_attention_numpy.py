# corpus: correct
# exercises: softmax, scaled_dot_product_attention_forward, scaled_dot_product_attention_backward, multi_head_attention_forward, sinusoidal_positional_encoding, patchify
# contract: deepgrade
# about: numpy with swapaxes and reshape; masked scores set to -inf and fully blocked rows zeroed explicitly
import numpy as np


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    d_k = q.shape[-1]
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(d_k)
    if mask is not None:
        keep = np.broadcast_to(np.asarray(mask) != 0, scores.shape)
        empty = ~keep.any(axis=-1, keepdims=True)
        scores = np.where(keep, scores, -np.inf)
        scores = np.where(empty, 0.0, scores)
        attn = softmax(scores, axis=-1)
        attn = np.where(empty, 0.0, attn)
    else:
        attn = softmax(scores, axis=-1)
    out = attn @ v
    return out, (q, k, v, attn, d_k)


def scaled_dot_product_attention_backward(dout, cache):
    q, k, v, attn, d_k = cache
    dv = np.swapaxes(attn, -1, -2) @ dout
    dattn = dout @ np.swapaxes(v, -1, -2)
    dscores = attn * (dattn - np.sum(attn * dattn, axis=-1, keepdims=True))
    dscores = dscores / np.sqrt(d_k)
    dq = dscores @ k
    dk = np.swapaxes(dscores, -1, -2) @ q
    return dq, dk, dv


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    N, T, E = query.shape
    S = key.shape[1]
    if num_heads <= 0 or E % num_heads:
        raise ValueError("embed dim must be divisible by num_heads")
    hd = E // num_heads

    def heads(t, L):
        return t.reshape(N, L, num_heads, hd).transpose(0, 2, 1, 3)

    Q = heads(query @ params["Wq"] + params["bq"], T)
    K = heads(key @ params["Wk"] + params["bk"], S)
    V = heads(value @ params["Wv"] + params["bv"], S)
    m = None if mask is None else np.broadcast_to(np.asarray(mask), (N, T, S))[:, None, :, :]
    ctx, _ = scaled_dot_product_attention_forward(Q, K, V, m)
    ctx = ctx.transpose(0, 2, 1, 3).reshape(N, T, E)
    return ctx @ params["Wo"] + params["bo"], (query, key, value)


def sinusoidal_positional_encoding(max_len, embed_dim):
    if max_len < 1 or embed_dim < 1:
        raise ValueError("max_len and embed_dim must be positive")
    pe = np.zeros((max_len, embed_dim))
    position = np.arange(max_len)[:, None]
    div = np.exp(np.arange(0, embed_dim, 2) * (-np.log(10000.0) / embed_dim))
    pe[:, 0::2] = np.sin(position * div)
    pe[:, 1::2] = np.cos(position * div)[:, : embed_dim // 2]
    return pe


def patchify(x, patch_size):
    N, C, H, W = x.shape
    P = patch_size
    if P < 1 or H % P != 0 or W % P != 0:
        raise ValueError("image size must be divisible by patch_size")
    out = []
    for i in range(0, H, P):
        for j in range(0, W, P):
            out.append(x[:, :, i:i + P, j:j + P].reshape(N, -1))
    return np.stack(out, axis=1)
