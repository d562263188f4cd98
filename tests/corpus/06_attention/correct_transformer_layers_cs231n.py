# corpus: correct
# exercises: MultiHeadAttention, PositionalEncoding, PatchEmbedding
# contract: cs231n
# about: CS231n transformer_layers.py (2023-24): masked_fill with -inf (NaN on a fully masked row), assert on odd embed_dim
import math

import torch
import torch.nn as nn
from torch.nn import functional as F


class PositionalEncoding(nn.Module):
    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        assert embed_dim % 2 == 0
        pe = torch.zeros(1, max_len, embed_dim)
        i = torch.arange(max_len).unsqueeze(1)
        j = torch.arange(0, embed_dim, 2)
        angle = i * torch.pow(10000, -j / embed_dim)
        pe[0, :, 0::2] = torch.sin(angle)
        pe[0, :, 1::2] = torch.cos(angle)
        self.register_buffer('pe', pe)

    def forward(self, x):
        N, S, D = x.shape
        output = x + self.pe[:, :S, :]
        output = self.dropout(output)
        return output


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
        self.emd_dim = embed_dim
        self.head_dim = self.emd_dim // self.n_head

    def forward(self, query, key, value, attn_mask=None):
        N, S, E = query.shape
        N, T, E = value.shape
        H = self.n_head
        q = self.query(query).view(N, S, H, E // H).transpose(1, 2)
        k = self.key(key).view(N, T, H, E // H).transpose(1, 2)
        v = self.value(value).view(N, T, H, E // H).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask == 0, float('-inf'))
        attn = self.attn_drop(F.softmax(scores, dim=-1))
        y = torch.matmul(attn, v).transpose(1, 2).contiguous().view(N, S, E)
        return self.proj(y)


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
        assert H == self.img_size and W == self.img_size
        P = self.patch_size
        x = x.reshape(N, C, H // P, P, W // P, P).permute(0, 2, 4, 1, 3, 5)
        x = x.reshape(N, -1, self.patch_dim)
        return self.proj(x)
