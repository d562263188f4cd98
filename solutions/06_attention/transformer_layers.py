"""Transformer layers as PyTorch modules, matching CS231n assignment 3 ``transformer_layers.py``.

Assignment 06 of deepgrade. These are the module versions of the numpy functions in
``attention.py``; with the same weights and in ``eval()`` mode (or with dropout 0) they must
compute the same numbers. Conventions:

* batch-first tensors: queries (N, T, E), keys and values (N, S, E);
* ``attn_mask`` uses the CS231n polarity, **0 / False = blocked**, the opposite of
  ``nn.MultiheadAttention``'s boolean mask; a query with every key blocked attends to nothing
  (its attention output is zeros, so the layer returns ``proj``'s bias there), never NaN;
* ``nn.Linear`` stores its weight as (out, in) and computes ``x @ weight.T + bias``: the numpy
  ``W`` of ``x @ W + b`` is ``linear.weight.T``;
* work in the dtype and on the device of the input (no hard-coded ``float32`` or ``cuda``):
  the grader runs these in float64 and float32.

Formulas: Vaswani et al. 2017 §3.2.2 (multi-head attention) and §3.5 (positional encoding);
Dosovitskiy et al. 2021 §3.1 (patch embedding).
"""
import math

import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    """Multi-head attention with dropout on the attention weights (CS231n).

    Required attributes (the grader copies weights into them):
        ``query``, ``key``, ``value``: ``nn.Linear(embed_dim, embed_dim)``, the input projections;
        ``proj``: ``nn.Linear(embed_dim, embed_dim)``, the output projection;
        ``attn_drop``: ``nn.Dropout(dropout)`` applied to the attention weights after softmax.

    Head h uses features ``h*head_dim : (h+1)*head_dim`` of the projected query, key and value
    (``head_dim = embed_dim // num_heads``), and its scores are divided by ``sqrt(head_dim)``.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.1):
        """
        Args:
            embed_dim: E, the size of every token vector.
            num_heads: number of heads; must divide ``embed_dim``.
            dropout: dropout probability on the attention weights.
        """
        super().__init__()
        assert embed_dim % num_heads == 0
        self.n_head = num_heads
        self.emb_dim = embed_dim
        self.head_dim = embed_dim // num_heads
        ### BEGIN SOLUTION
        self.key = nn.Linear(embed_dim, embed_dim)
        self.query = nn.Linear(embed_dim, embed_dim)
        self.value = nn.Linear(embed_dim, embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)
        self.attn_drop = nn.Dropout(dropout)
        ### END SOLUTION

    def forward(self, query, key, value, attn_mask=None):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: (N, T, E) tensor.
            key: (N, S, E) tensor.
            value: (N, S, E) tensor.
            attn_mask: optional (T, S) tensor (or (N, T, S)), bool or numeric;
                ``attn_mask[t, s] == 0`` means query t may NOT attend to key s. Shared by all
                heads. Fill blocked scores with -inf (a large negative number, not +inf)
                BEFORE the softmax.

        Returns:
            (N, T, E) tensor: ``proj(concat of heads)``.
        """
        ### BEGIN SOLUTION
        N, T, E = query.shape
        S = key.shape[1]
        h, d = self.n_head, self.head_dim
        # (N, L, E) -> (N, L, h, d) -> (N, h, L, d): one attention problem per (sample, head)
        q = self.query(query).reshape(N, T, h, d).transpose(1, 2)  # (N, h, T, d)
        k = self.key(key).reshape(N, S, h, d).transpose(1, 2)  # (N, h, S, d)
        v = self.value(value).reshape(N, S, h, d).transpose(1, 2)  # (N, h, S, d)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (N, h, T, d) @ (N, h, d, S) -> (N, h, T, S)
        if attn_mask is None:
            weights = torch.softmax(scores, dim=-1)  # (N, h, T, S)
        else:
            blocked = attn_mask == 0  # (T, S) or (N, T, S)
            if blocked.dim() == 3:
                blocked = blocked.unsqueeze(1)  # (N, 1, T, S): broadcast over heads
            weights = torch.softmax(scores.masked_fill(blocked, float("-inf")), dim=-1)
            # rows with every key blocked are softmax(-inf, ..., -inf) = NaN: make them 0.
            # Elsewhere blocked weights are already exactly 0, so this changes nothing.
            weights = weights.masked_fill(blocked, 0.0)
        weights = self.attn_drop(weights)
        out = weights @ v  # (N, h, T, S) @ (N, h, S, d) -> (N, h, T, d)
        out = out.transpose(1, 2).reshape(N, T, E)  # (N, T, h, d) -> (N, T, E): concat heads
        return self.proj(out)  # (N, T, E)
        ### END SOLUTION


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal positional encoding of Vaswani et al. 2017 §3.5, then dropout.

        pe[0, pos, 2i]   = sin(pos / 10000^(2i / embed_dim))
        pe[0, pos, 2i+1] = cos(pos / 10000^(2i / embed_dim))

    Required: a buffer ``pe`` of shape (1, max_len, embed_dim) (``register_buffer``, so it
    follows ``.to()`` / ``.double()`` and is saved in ``state_dict``) and an ``nn.Dropout``.
    An odd ``embed_dim`` ends with an unpaired sin column.
    """

    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        """
        Args:
            embed_dim: D, size of the token vectors.
            dropout: dropout probability applied after adding the encoding.
            max_len: largest sequence length supported.
        """
        super().__init__()
        ### BEGIN SOLUTION
        self.dropout = nn.Dropout(p=dropout)
        # computed in float64, stored in the default dtype like any parameter; .double() on
        # the module converts it back
        pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (max_len, 1)
        two_i = torch.arange(0, embed_dim, 2, dtype=torch.float64)  # (ceil(D/2),)
        angle = pos * torch.pow(10000.0, -two_i / embed_dim)  # (max_len, ceil(D/2))
        pe = torch.zeros(1, max_len, embed_dim, dtype=torch.float64)
        pe[0, :, 0::2] = torch.sin(angle)
        pe[0, :, 1::2] = torch.cos(angle[:, : embed_dim // 2])
        self.register_buffer("pe", pe.to(torch.get_default_dtype()))
        ### END SOLUTION

    def forward(self, x):
        """
        Args:
            x: (N, S, D) tensor of token embeddings, S <= max_len.

        Returns:
            (N, S, D) tensor: ``dropout(x + pe[:, :S])``.
        """
        ### BEGIN SOLUTION
        S = x.shape[1]
        return self.dropout(x + self.pe[:, :S])  # (N, S, D) + (1, S, D)
        ### END SOLUTION


class PatchEmbedding(nn.Module):
    """Splits images into P x P patches and embeds each linearly (ViT, Dosovitskiy et al. 2021 §3.1).

    Patches are taken row-major over the image; each patch vector is ordered (C, P, P)
    (channel first, then pixel row, then pixel column), exactly like ``patchify`` in
    ``attention.py`` and like a ``Conv2d(C, E, P, stride=P)`` weight.

    Attributes:
        num_patches: (img_size // patch_size) ** 2 (given).
        proj: ``nn.Linear(in_channels * patch_size**2, embed_dim)``, applied to each patch
            vector (required name: the grader copies weights into it).
    """

    def __init__(self, img_size, patch_size, in_channels=3, embed_dim=128):
        """
        Args:
            img_size: side of the square input images (H = W = img_size).
            patch_size: P, must divide ``img_size``.
            in_channels: C.
            embed_dim: E, output size per patch.

        Raises:
            ValueError: ``img_size`` is not divisible by ``patch_size``.
        """
        super().__init__()
        if patch_size < 1 or img_size % patch_size != 0:
            raise ValueError(f"img_size {img_size} is not divisible by patch_size {patch_size}")
        self.img_size = img_size
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.embed_dim = embed_dim
        self.num_patches = (img_size // patch_size) ** 2
        self.patch_dim = in_channels * patch_size * patch_size
        ### BEGIN SOLUTION
        self.proj = nn.Linear(self.patch_dim, embed_dim)
        ### END SOLUTION

    def forward(self, x):
        """
        Args:
            x: (N, C, H, W) tensor with C = in_channels and H = W = img_size.

        Returns:
            (N, num_patches, embed_dim) tensor.

        Raises:
            ValueError: the image shape does not match (in_channels, img_size, img_size).
        """
        ### BEGIN SOLUTION
        N, C, H, W = x.shape
        if (C, H, W) != (self.in_channels, self.img_size, self.img_size):
            raise ValueError(
                f"expected images of shape (N, {self.in_channels}, {self.img_size}, {self.img_size}), got {tuple(x.shape)}"
            )
        P = self.patch_size
        patches = x.reshape(N, C, H // P, P, W // P, P)  # (N, C, Hp, P, Wp, P)
        patches = patches.permute(0, 2, 4, 1, 3, 5)  # (N, Hp, Wp, C, P, P): row-major patches
        patches = patches.reshape(N, self.num_patches, self.patch_dim)  # (N, num_patches, C*P*P)
        return self.proj(patches)  # (N, num_patches, E)
        ### END SOLUTION
