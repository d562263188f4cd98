"""Pictures for the feedback pages and the class report, as self-contained PNG data URIs.

Drawn with matplotlib's Agg canvas (no display, no pyplot state, so it is safe in threads).
Figures carry no words in either language, only numbers and identifiers: titles and axis
captions are written by the page around them, from the catalogue, so one picture serves
both languages. matplotlib is imported on first use (an optional extra, ``deepgrade[report]``).
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Sequence

from grader.compare import ErrorMap

DPI = 96


def _figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _data_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.05, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@lru_cache(maxsize=512)
def heat_map(emap: ErrorMap) -> str:
    """A heat map of |expected − got| with a colour bar; cells above the tolerance are outlined.

    Args:
        emap: the reduced error map (values in the compared array's own unit).
    Returns:
        A ``data:image/png;base64,...`` URI (about 10–20 kB).
    Source:
        the map itself: :func:`grader.compare.error_map` (max over leading axes, block maxima).
    """
    import numpy as np

    values = np.asarray(emap.values, dtype=np.float64)
    rows, cols = values.shape
    scale = max(rows, cols)
    width = 1.2 + 3.2 * cols / scale
    height = 0.5 + 3.2 * rows / scale if rows > 1 else 1.1
    fig = _figure(max(width, 2.4), max(height, 1.0))
    ax = fig.add_subplot(1, 1, 1)
    finite = values[values < 1e300]
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    image = ax.imshow(np.minimum(values, vmax), cmap="magma", vmin=0.0, vmax=vmax, interpolation="nearest", aspect="equal")
    wrong = np.argwhere(values > emap.tolerance)
    if len(wrong) <= 64:  # outline the wrong cells when there are few enough to see
        from matplotlib.patches import Rectangle

        for r, c in wrong:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#22d3ee", linewidth=1.2))
    br, bc = emap.block
    ax.set_xticks(_ticks(cols))
    ax.set_xticklabels([str(t * bc) for t in _ticks(cols)], fontsize=7)
    ax.set_yticks(_ticks(rows))
    ax.set_yticklabels([str(t * br) for t in _ticks(rows)], fontsize=7)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.ax.tick_params(labelsize=7)
    return _data_uri(fig)


def _ticks(n: int) -> list[int]:
    step = max(1, -(-n // 6))
    return list(range(0, n, step))


def histogram(values: Sequence[float], max_value: float, bins: int = 10) -> str:
    """A histogram of ``values`` (e.g. total points) over ``[0, max_value]``.

    Returns:
        A PNG data URI.
    """
    fig = _figure(5.0, 2.4)
    ax = fig.add_subplot(1, 1, 1)
    top = max_value if max_value > 0 else max(values or [1.0])
    ax.hist(list(values), bins=bins, range=(0, top), color="#2563eb", edgecolor="white")
    ax.set_xlim(0, top)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    return _data_uri(fig)


def bars(labels: Sequence[str], values: Sequence[float], *, percent: bool = True, color: str = "#16a34a") -> str:
    """Horizontal bars, one per label (top to bottom in the order given).

    Args:
        labels: identifiers (exercise, feature or diagnosis names).
        values: fractions in [0, 1] when ``percent``, else counts.
    Returns:
        A PNG data URI.
    """
    n = max(1, len(labels))
    fig = _figure(5.0, 0.6 + 0.26 * n)
    ax = fig.add_subplot(1, 1, 1)
    ys = list(range(n))[::-1][: len(labels)]
    shown = [v * 100 for v in values] if percent else list(values)
    ax.barh(ys, shown, color=color, height=0.7)
    ax.set_yticks(ys)
    ax.set_yticklabels(list(labels), fontsize=8)
    if percent:
        ax.set_xlim(0, 100)
    else:
        ax.xaxis.get_major_locator().set_params(integer=True)
    for y, v in zip(ys, shown):
        ax.text(v, y, f" {v:.0f}{'%' if percent else ''}", va="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=7)
    return _data_uri(fig)


SHADES = " ░▒▓█"


def text_map(emap: ErrorMap) -> list[str]:
    """The error map as lines of block characters for text and Markdown (``·`` = within tolerance).

    Returns:
        One string per map row, two characters per cell.
    """
    finite = [v for row in emap.values for v in row if v < 1e300]
    top = max(finite) if finite and max(finite) > 0 else 1.0
    lines = []
    for row in emap.values:
        cells = []
        for v in row:
            if v <= emap.tolerance:
                cells.append("··")
            else:
                level = min(len(SHADES) - 1, max(1, int(round(min(v, top) / top * (len(SHADES) - 1)))))
                cells.append(SHADES[level] * 2)
        lines.append("".join(cells))
    return lines
