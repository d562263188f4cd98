"""CS231n transformer layers. Student submission: loops over heads and patches."""
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
        N, T, E = query.shape
        d = self.head_dim
        Q = self.query(query)
        K = self.key(key)
        V = self.value(value)
        outs = []
        for h in range(self.n_head):
            q = Q[:, :, h * d:(h + 1) * d]
            k = K[:, :, h * d:(h + 1) * d]
            v = V[:, :, h * d:(h + 1) * d]
            scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(d)  # (N, T, S)
            if attn_mask is not None:
                scores = scores.masked_fill(attn_mask == 0, float("-inf"))
            attn = torch.softmax(scores, dim=-1)
            if attn_mask is not None:
                # a query that can't see any key gives a NaN row -> it attends to nothing
                attn = attn.masked_fill(attn_mask == 0, 0.0)
            attn = self.attn_drop(attn)
            outs.append(torch.bmm(attn, v))
        return self.proj(torch.cat(outs, dim=2))


class PositionalEncoding(nn.Module):
    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(1, max_len, embed_dim)
        for i in range(0, embed_dim, 2):
            angle = torch.arange(max_len, dtype=torch.float64) / (10000 ** (i / embed_dim))
            pe[0, :, i] = torch.sin(angle)
            if i + 1 < embed_dim:
                pe[0, :, i + 1] = torch.cos(angle)
        self.register_buffer("pe", pe)

    def forward(self, x):
        N, S, D = x.shape
        output = x + self.pe[:, :S, :]
        return self.dropout(output)


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
        P = self.patch_size
        patches = []
        for r in range(H // P):
            for c in range(W // P):
                patch = x[:, :, r * P:(r + 1) * P, c * P:(c + 1) * P]
                patches.append(patch.reshape(N, -1))
        patches = torch.stack(patches, dim=1)  # (N, num_patches, C*P*P)
        return self.proj(patches)
