"""Small plots for the notebooks: filters on a bundled image, receptive fields, attention weights.

The plots call the student's own functions when they work and fall back to a numpy version
(with a note) while they are still stubs, so a notebook runs to the end either way. This runs
in the student's kernel, for the student's eyes only: nothing here grades.
"""
from __future__ import annotations

from importlib.resources import files
from typing import Callable, Sequence

import numpy as np

from grader.i18n import translator
from grader.notebooks import content

IMAGE_FILE = "shapes.npy"
SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
FILTERS = {
    "sobel_x": SOBEL_X,
    "sobel_y": SOBEL_X.T.copy(),
    "laplacian": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
    "box": np.full((3, 3), 1.0 / 9.0),
}


def make_image(size: int = 64) -> np.ndarray:
    """The bundled test image, drawn from shapes: a gradient, a disc, a square and stripes.

    Args:
        size: height and width in pixels.
    Returns:
        ``(size, size)`` uint8 array (0–255). Deterministic; ``data/shapes.npy`` is its output
        for ``size=64`` (so the image's licence is the project's).
    """
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    img = 0.25 + 0.25 * x  # a gentle horizontal gradient: no edges, so edge filters stay near 0
    img[(x - 0.3) ** 2 + (y - 0.3) ** 2 < 0.18**2] = 0.95  # bright disc
    img[(abs(x - 0.72) < 0.16) & (abs(y - 0.7) < 0.16)] = 0.05  # dark square
    stripes = (y > 0.82) & (x < 0.5)
    img[stripes] = np.where((np.floor(x[stripes] * 16) % 2) == 0, 0.85, 0.15)  # vertical stripes
    return np.round(img * 255).astype(np.uint8)


def load_image() -> np.ndarray:
    """The bundled image as float64 in [0, 1], shape ``(64, 64)``.

    Raises:
        FileNotFoundError: the package data is missing (a broken install).
    """
    with files("grader.notebooks").joinpath("data", IMAGE_FILE).open("rb") as fh:
        return np.load(fh, allow_pickle=False).astype(np.float64) / 255.0


def correlate_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """numpy's "valid" 2-D cross-correlation, shape ``(H-HH+1, W-WW+1)``, float64 (the fallback)."""
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijpq,pq->ij", windows, kernel)


def _student_or_numpy(func: Callable | None, name: str, numpy_version: Callable, *args, lang: str = "en"):
    _ = translator(lang, "notebook")
    expected = numpy_version(*args)
    if func is None:
        return expected
    try:
        got = np.asarray(func(*args), dtype=np.float64)
    except NotImplementedError:
        print(_(content.VIZ_FALLBACK, name=name))
        return expected
    if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-8):
        error = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
        print(_(content.VIZ_DIFFERS, name=name, error=error))
    return got if got.shape == expected.shape else expected


def show_filters(correlate2d: Callable | None = None, *, lang: str = "en"):
    """Plot the bundled image and its responses to Sobel x/y, Laplacian and blur kernels.

    Args:
        correlate2d: the student's function ``(image (H, W), kernel (HH, WW)) -> (H-HH+1, W-WW+1)``;
            ``None`` or a stub falls back to :func:`correlate_valid`.
        lang: language of titles and notes.
    Returns:
        dict filter name → response array (float64), after plotting when matplotlib is installed.
    """
    image = load_image()
    responses = {}
    for name, kernel in FILTERS.items():
        responses[name] = _student_or_numpy(correlate2d, "correlate2d", correlate_valid, image, kernel, lang=lang)
        if correlate2d is not None and _raises_not_implemented(correlate2d, image, kernel):
            correlate2d = None  # said once; the other filters use numpy's version quietly
    _plot_grid({"image": image, **responses}, lang)
    return responses


def _raises_not_implemented(func: Callable, *args) -> bool:
    try:
        func(*args)
    except NotImplementedError:
        return True
    except Exception:  # other errors are reported by _student_or_numpy
        return False
    return False


def _plot_grid(images: dict, lang: str) -> None:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # plots are optional; the numbers are returned anyway
        return
    _ = translator(lang, "notebook")
    fig, axes = plt.subplots(1, len(images), figsize=(2.6 * len(images), 2.8))
    for ax, (name, img) in zip(axes, images.items()):
        ax.imshow(img, cmap="gray")
        ax.set_title(_(content.FILTER_NAMES[name]), fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    plt.show()


def receptive_fields(layers: Sequence[tuple[int, int, int]]) -> list[int]:
    """Receptive field (pixels, one side) after each layer of a stack.

    ``r_l = r_{l-1} + (k_l - 1) · d_l · Π_{i<l} s_i`` with ``r_0 = 1`` (Dumoulin & Visin 2016;
    Araujo et al. 2019, "Computing receptive fields of CNNs").

    Args:
        layers: ``(kernel_size, stride, dilation)`` per layer, input side first.
    Returns:
        One int per layer.
    """
    r, jump, out = 1, 1, []
    for k, s, d in layers:
        r += (k - 1) * d * jump
        jump *= s
        out.append(r)
    return out


def show_receptive_field(layers: Sequence[tuple[int, int, int]], receptive_field: Callable | None = None, *, lang: str = "en") -> list[int]:
    """Plot how the receptive field grows through ``layers``, checked against the student's function.

    Args:
        layers: ``(kernel_size, stride, dilation)`` per layer.
        receptive_field: the student's ``receptive_field(layers) -> int``; called on each prefix.
        lang: language of titles and notes.
    Returns:
        The receptive field after each layer (ints, pixels).
    """
    layers = [tuple(map(int, layer)) for layer in layers]

    def numpy_version(n):
        return np.asarray(receptive_fields(layers[: int(n)])[-1], dtype=np.float64)

    values = [int(_student_or_numpy(receptive_field and (lambda n: receptive_field(layers[: int(n)])), "receptive_field", numpy_version, n, lang=lang)) for n in range(1, len(layers) + 1)]
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return values
    _ = translator(lang, "notebook")
    fig, ax = plt.subplots(figsize=(6, 2.8))
    labels = [f"{i + 1}: {k},{s},{d}" for i, (k, s, d) in enumerate(layers)]
    ax.bar(labels, values, color="tab:blue")
    for i, v in enumerate(values):
        ax.text(i, v, str(v), ha="center", va="bottom", fontsize=9)
    ax.set_title(_(content.RF_TITLE), fontsize=10)
    ax.set_ylabel(_(content.RF_AXIS), fontsize=9)
    fig.tight_layout()
    plt.show()
    return values


def attention_weights(q: np.ndarray, k: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """``softmax(q kᵀ / sqrt(d_k))`` for q ``(T, d_k)``, k ``(S, d_k)``; mask ``(T, S)``, 0 blocks (Vaswani et al. 2017).

    Returns:
        ``(T, S)`` float64 weights; each row sums to 1, a fully blocked row is all zeros.
    """
    scores = q @ k.T / np.sqrt(q.shape[-1])
    allowed = np.ones_like(scores, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    scores = np.where(allowed, scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    e = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def show_attention(attention_forward: Callable | None = None, *, seed: int = 0, lang: str = "en") -> np.ndarray:
    """Heat map of the attention weights of a small causal example (T = S = 6, d_k = 4).

    The student's ``scaled_dot_product_attention_forward`` is checked against the weights:
    its output must equal ``weights @ v``.

    Returns:
        The ``(6, 6)`` weights shown.
    """
    rng = np.random.default_rng(seed)
    q, k, v = (rng.standard_normal((6, 4)) for _ in range(3))
    mask = np.tril(np.ones((6, 6)))
    weights = attention_weights(q, k, mask)

    def numpy_version(*_args):
        return (weights @ v)[None]

    def student(*_args):
        out, _cache = attention_forward(q[None], k[None], v[None], mask[None])
        return out

    _student_or_numpy(attention_forward and student, "scaled_dot_product_attention_forward", numpy_version, lang=lang)
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return weights
    _ = translator(lang, "notebook")
    fig, ax = plt.subplots(figsize=(4, 3.4))
    im = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    ax.set_xlabel(_(content.ATTN_KEY))
    ax.set_ylabel(_(content.ATTN_QUERY))
    ax.set_title(_(content.ATTN_TITLE), fontsize=9)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    plt.show()
    return weights
