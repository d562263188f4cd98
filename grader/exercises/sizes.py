"""The one output-size formula the case generators use (grader side; students write their own)."""
from __future__ import annotations


def output_size(size: int, kernel: int, stride: int = 1, pad: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution or pooling window sliding along one axis.

    ``floor((size + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1`` (PyTorch ``nn.Conv2d``
    docs; with pad 0 and dilation 1 it is CS231n's ``1 + (H − HH) // stride`` for pooling).

    Args:
        size: input length (pixels), ≥ 1.
        kernel: window length, ≥ 1.
        stride, pad, dilation: as in ``conv_param`` / ``pool_param``.
    Returns:
        The number of window positions (an int; < 1 means no valid output).
    """
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1
