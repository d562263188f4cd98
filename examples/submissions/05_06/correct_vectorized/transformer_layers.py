"""Transformer layers (student submission, einsum)."""
import math

import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.1):
        super().__init__()
        assert embed_dim % num_heads == 0
        self.key = nn.Linear(embed_dim, embed_dim)
        self.query = nn.Linear(embed_dim, embed_dim)
        self.value = nn.Linear(embed_dim, embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)
        self.attn_drop = nn.Dropout(dropout)
        self.n_head = num_heads
        self.emb_dim = embed_dim
        self.head_dim = self.emb_dim // self.n_head

    def forward(self, query, key, value, attn_mask=None):
        N, S, E = query.shape
        N, T, E = key.shape
        H, d = self.n_head, self.head_dim
        q = self.query(query).view(N, S, H, d)
        k = self.key(key).view(N, T, H, d)
        v = self.value(value).view(N, T, H, d)
        scores = torch.einsum("nshd,nthd->nhst", q, k) / math.sqrt(d)
        if attn_mask is not None:
            keep = attn_mask != 0
            scores = scores.masked_fill(~keep, -1e30)
            attn = torch.softmax(scores, dim=-1) * keep
            attn = attn * keep.any(dim=-1, keepdim=True)
        else:
            attn = torch.softmax(scores, dim=-1)
        attn = self.attn_drop(attn)
        y = torch.einsum("nhst,nthd->nshd", attn, v).reshape(N, S, E)
        return self.proj(y)


class PositionalEncoding(nn.Module):
    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pos = torch.arange(max_len).unsqueeze(1)
        j = torch.arange(embed_dim).unsqueeze(0)
        angle = pos / torch.pow(10000.0, (j - j % 2) / embed_dim)
        pe = torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))
        self.register_buffer("pe", pe.unsqueeze(0).to(torch.get_default_dtype()))

    def forward(self, x):
        return self.dropout(x + self.pe[:, : x.shape[1]])


class PatchEmbedding(nn.Module):
    def __init__(self, img_size, patch_size, in_channels=3, embed_dim=128):
        super().__init__()
        self.img_size = img_size
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.embed_dim = embed_dim
        assert img_size % patch_size == 0, "Image dimensions must be divisible by the patch size."
        self.num_patches = (img_size // patch_size) ** 2
        self.patch_dim = patch_size * patch_size * in_channels
        self.proj = nn.Linear(self.patch_dim, embed_dim)

    def forward(self, x):
        N, C, H, W = x.shape
        p = self.patch_size
        x6 = x.reshape(N, C, H // p, p, W // p, p)
        patches = torch.einsum("ncaibj->nabcij", x6).reshape(N, self.num_patches, self.patch_dim)
        return self.proj(patches)
