"""The report's charts: matplotlib (Agg) figures returned as base64 PNG data URIs.

Every function takes numbers and finished texts (titles, labels, legends) and draws; nothing
here computes a statistic or chooses words, so a chart can never disagree with the tables.
Segment colours come from `segment_color`, keyed by segment number, in every chart and in
the HTML, so a colour means the same segment throughout the report.
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, Normalize, TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from ..text.numbers import setting, tick

# tab10 then tab20's lighter shades: 20 distinguishable colours before they repeat.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)
# Lines that are not segments (algorithms, target) are black and grey, never a palette colour.
ALGORITHM_STYLE = {
    "kmeans": {"color": "#222222", "linestyle": "-", "marker": "o"},
    "kmedoids": {"color": "#888888", "linestyle": "--", "marker": "s"},
}
TARGET_STYLE = {"color": "#000000", "linestyle": ":", "linewidth": 2.0}
# The null silhouette (same algorithm on structureless data): the algorithm's colour, thin dashes.
# A black star marks the chosen k; a black ring marks the knee or the recommended model.
CHOSEN_STYLE = {"marker": "*", "color": "#000000", "linestyle": "none"}
RING_STYLE = {"marker": "o", "markerfacecolor": "none", "markeredgecolor": "#000000"}
NULL_STYLE = {"linestyle": (0, (5, 3)), "marker": "x", "linewidth": 1.2, "alpha": 0.8}
# Heatmaps run from brown (below) through white to teal (above), ColorBrewer BrBG's ends. The
# segments' tab10 colours sit beside the cells (chips, tick labels), so the scale must not
# share their hues: blue-red was the colour of segments 1 and 4, present in nearly every run;
# brown-teal avoids segments 1-4 altogether and is darker than tab10's brown (6) and cyan (10).
DIVERGING = LinearSegmentedColormap.from_list("below_above", ["#8c510a", "#f5f5f5", "#01665e"])
# Shares (0 to 1): white to DIVERGING's teal end, so they read like the report's other heatmaps.
SEQUENTIAL = LinearSegmentedColormap.from_list("share", ["#ffffff", "#01665e"])
DPI = 100
# zlib's level for the PNGs (1, its fastest): see _encode.
PNG_COMPRESSION = 1
# No chart text may be smaller than this many CSS pixels wherever the report shows it: the
# page never shrinks a chart below Drawing.min_width (its container scrolls instead).
LEGIBLE_PX = 11.0
MAX_WIDTH = 10.4  # inches: at DPI, the report's content width, so no chart is scaled down
FONT = "DejaVu Sans"
STYLE = {
    # Labels hold the data's levels, column labels and segment names: a "$" in them is text,
    # never the start of mathtext (no chart of the report uses mathtext).
    "text.parse_math": False,
    "font.family": FONT,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.8,
}


def number_axes(lang: str, *axes: matplotlib.axis.Axis) -> None:
    """Tick labels of numeric axes written as the report's language writes numbers: thousands
    separated and with its decimal mark ('210.000', '0,25' in id; never '210000' or '2.1e5')."""
    formatter = FuncFormatter(lambda value, _position: tick(value, lang))
    for axis in axes:
        axis.set_major_formatter(formatter)


# The manager's charts (actions, segment sizes): narrow and in a large font, so that on a
# phone they fit the screen's width with their smallest text still at LEGIBLE_PX.
COMPACT_WIDTH = 5.4  # inches
COMPACT_STYLE = {
    **STYLE,
    "font.size": 13.5,
    "axes.titlesize": 14,
    "axes.labelsize": 13.5,
    "legend.fontsize": 13.5,
    "xtick.labelsize": 13.5,
    "ytick.labelsize": 13.5,
}
OTHER_COLOUR = "#9a9a9a"  # a bar that is no segment (an action without one, the rest)


def segment_color(number: int) -> str:
    """The colour of segment `number` (1-based), the same in every chart and table."""
    return PALETTE[(int(number) - 1) % len(PALETTE)]


class Drawing(str):
    """A chart: its PNG data URI (the string itself), its size in pixels and the smallest text
    drawn on it, in CSS pixels at that size (the report shows it no narrower than min_width,
    where that text is LEGIBLE_PX)."""

    width: int
    height: int
    min_font_px: float

    def __new__(cls, uri: str, width: int, height: int, min_font_px: float) -> Drawing:
        drawing = super().__new__(cls, uri)
        drawing.width, drawing.height, drawing.min_font_px = width, height, min_font_px
        return drawing

    def __reduce__(self) -> tuple[type, tuple[str, int, int, float]]:
        return (Drawing, (str(self), self.width, self.height, self.min_font_px))

    @property
    def min_width(self) -> int:
        """The narrowest width, in CSS pixels, at which its smallest text is LEGIBLE_PX."""
        return min(self.width, math.ceil(self.width * LEGIBLE_PX / self.min_font_px))


@dataclass(frozen=True)
class AxisTexts:
    title: str
    x: str
    y: str


def elbow_chart(
    curves: dict[str, tuple[Sequence[int], Sequence[float]]],
    knees: dict[str, int | None],
    chosen: dict[str, int],
    title: str,
    x_label: str,
    y_labels: dict[str, str],
    names: dict[str, str],
    legend: dict[str, str],
    lang: str = "id",
) -> Drawing:
    """Cost against k, one panel per algorithm (their costs are on different scales)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, len(curves), figsize=(4.6 * len(curves), 3.8), squeeze=False, layout="constrained"
        )
        for ax, (algorithm, (ks, costs)) in zip(axes[0], curves.items(), strict=True):
            style = ALGORITHM_STYLE[algorithm]
            ax.plot(ks, costs, **style)
            handles = [Line2D([], [], label=names[algorithm], **style)]
            knee = knees.get(algorithm)
            if knee is not None:
                ax.axvline(knee, color="#555555", linestyle="-.", linewidth=1.2)
                ax.plot(
                    [knee],
                    [costs[list(ks).index(knee)]],
                    markersize=14,
                    markeredgewidth=1.8,
                    linestyle="none",
                    **RING_STYLE,
                )
                handles.append(
                    Line2D(
                        [],
                        [],
                        markersize=10,
                        linestyle="-.",
                        color="#555555",
                        label=legend["knee"],
                        **RING_STYLE,
                    )
                )
            pick = chosen[algorithm]
            ax.plot([pick], [costs[list(ks).index(pick)]], markersize=15, **CHOSEN_STYLE)
            handles.append(Line2D([], [], markersize=12, label=legend["chosen"], **CHOSEN_STYLE))
            ax.set_title(names[algorithm], fontsize=10)
            ax.set_xlabel(x_label)
            ax.set_ylabel(y_labels[algorithm])
            ax.set_xticks(list(ks))
            number_axes(lang, ax.xaxis, ax.yaxis)
            ax.legend(handles=handles, loc="upper right")
        fig.suptitle(title, fontweight="bold", fontsize=12)
        return _encode(fig)


def silhouette_k_chart(
    curves: dict[str, dict[str, Sequence[float]]],
    chosen: dict[str, int],
    recommended: tuple[str, int],
    target: float,
    texts: AxisTexts,
    names: dict[str, str],
    legend: dict[str, str],
    nulls: dict[str, tuple[Sequence[int], Sequence[float]]] | None = None,
    lang: str = "id",
) -> Drawing:
    """Silhouette against k per algorithm, with 95% intervals where sampled and the target line.

    curves[algorithm] holds equal-length sequences: k, silhouette, ci_low, ci_high.
    nulls[algorithm] is (k, null silhouette), drawn dashed and labelled legend[f"null_{algorithm}"].
    """
    nulls = nulls or {}
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.0, 4.0), layout="constrained")
        lowest, highest = 0.0, 0.0
        for algorithm, curve in curves.items():
            ks = np.asarray(curve["k"])
            values = np.asarray(curve["silhouette"], dtype=float)
            spread = np.vstack(
                [values - np.asarray(curve["ci_low"]), np.asarray(curve["ci_high"]) - values]
            )
            style = ALGORITHM_STYLE[algorithm]
            ax.errorbar(
                ks,
                values,
                yerr=np.clip(spread, 0, None),
                capsize=3,
                label=names[algorithm],
                **style,
            )
            pick = chosen[algorithm]
            ax.plot(
                [pick],
                [values[list(ks).index(pick)]],
                marker="*",
                markersize=15,
                color=style["color"],
                linestyle="none",
            )
            lowest = min(lowest, float(values.min()))
            highest = max(highest, float(np.max(curve["ci_high"])))
        for algorithm, (ks, values) in nulls.items():
            ax.plot(ks, values, color=ALGORITHM_STYLE[algorithm]["color"], **NULL_STYLE)
            lowest = min(lowest, float(np.nanmin(values, initial=0.0)))
            highest = max(highest, float(np.nanmax(values, initial=0.0)))
        algorithm, k = recommended
        position = list(curves[algorithm]["k"]).index(k)
        rec_value = np.asarray(curves[algorithm]["silhouette"])[position]
        ax.plot(
            [k], [rec_value], markersize=18, markeredgewidth=1.8, linestyle="none", **RING_STYLE
        )
        ax.axhline(target, **TARGET_STYLE)
        ax.set_ylim(min(lowest - 0.05, 0.0), min(max(target, highest) + 0.1, 1.05))
        ax.set_title(texts.title)
        ax.set_xlabel(texts.x)
        ax.set_ylabel(texts.y)
        ax.set_xticks(sorted({int(k) for c in curves.values() for k in c["k"]}))
        number_axes(lang, ax.xaxis, ax.yaxis)
        handles = [Line2D([], [], label=names[a], **ALGORITHM_STYLE[a]) for a in curves]
        handles += [
            Line2D(
                [], [], color=ALGORITHM_STYLE[a]["color"], label=legend[f"null_{a}"], **NULL_STYLE
            )
            for a in nulls
        ]
        handles += [
            Line2D([], [], markersize=12, label=legend["chosen"], **CHOSEN_STYLE),
            Line2D(
                [], [], markersize=12, linestyle="none", label=legend["recommended"], **RING_STYLE
            ),
            Line2D([], [], label=legend["target"], **TARGET_STYLE),
        ]
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5))
        return _encode(fig)


def silhouette_samples_chart(
    values: np.ndarray,
    segments: np.ndarray,
    mean: float,
    target: float,
    texts: AxisTexts,
    segment_names: dict[int, str],
    legend: dict[str, str],
    lang: str = "id",
) -> Drawing:
    """The classic silhouette plot: each customer's silhouette, sorted within its segment."""
    with plt.rc_context(STYLE):
        numbers = sorted(segment_names)
        fig, ax = plt.subplots(figsize=(8.0, 2.9 + 0.45 * len(numbers)), layout="constrained")
        gap = max(len(values) // 60, 10)
        bottom = 0
        ticks = []
        for number in numbers:
            mine = np.sort(values[segments == number])
            rows = np.arange(bottom, bottom + len(mine))
            ax.fill_betweenx(rows, 0, mine, color=segment_color(number), linewidth=0)
            ticks.append(bottom + len(mine) / 2)
            bottom += len(mine) + gap
        ax.axvline(mean, color="#000000", linestyle="--", linewidth=1.5)
        ax.axvline(target, **TARGET_STYLE)
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_yticks(ticks, [segment_names[n] for n in numbers])
        ax.set_ylim(bottom, -gap)
        ax.set_xlim(min(-0.2, float(values.min()) - 0.02), 1.0)
        number_axes(lang, ax.xaxis)
        ax.grid(axis="y", visible=False)
        ax.set_title(texts.title)
        ax.set_xlabel(texts.x)
        ax.set_ylabel(texts.y)
        handles = [Patch(color=segment_color(n), label=segment_names[n]) for n in numbers]
        handles += [
            Line2D([], [], color="#000000", linestyle="--", linewidth=1.5, label=legend["mean"]),
            Line2D([], [], label=legend["target"], **TARGET_STYLE),
        ]
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5))
        return _encode(fig)


def segment_map(
    coords: np.ndarray,
    segments: np.ndarray,
    texts: AxisTexts,
    segment_names: dict[int, str],
    lang: str = "id",
) -> Drawing:
    """Customers on two principal components, coloured by segment."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.0, 5.6), layout="constrained")
        numbers = sorted(segment_names)
        # Draw in a fixed shuffled order so no segment is always painted over by the others.
        order = np.random.default_rng(0).permutation(len(coords))
        colors = np.array([segment_color(n) for n in segments[order]])
        size = float(np.clip(20_000 / max(len(coords), 1), 4, 24))
        ax.scatter(coords[order, 0], coords[order, 1], c=colors, s=size, alpha=0.6, linewidths=0)
        number_axes(lang, ax.xaxis, ax.yaxis)
        ax.set_title(texts.title)
        ax.set_xlabel(texts.x)
        ax.set_ylabel(texts.y)
        ax.legend(
            handles=[
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markersize=8,
                    color=segment_color(n),
                    label=segment_names[n],
                )
                for n in numbers
            ],
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
        )
        return _encode(fig)


def _heat_scale(
    values: np.ndarray, centre: float, limit: float, log: bool
) -> tuple[np.ndarray, TwoSlopeNorm]:
    """The heatmaps' colour scale: values as placed on it (clipped to +-limit around `centre`,
    or on a log2 scale around 1 for ratios) and its norm."""
    shown = (
        np.log2(np.clip(values, 2.0**-limit, 2.0**limit))
        if log
        else np.clip(values, centre - limit, centre + limit)
    )
    middle = 0.0 if log else centre
    return shown, TwoSlopeNorm(vcenter=middle, vmin=middle - limit, vmax=middle + limit)


def heat_colours(
    colour_values: np.ndarray, centre: float = 0.0, limit: float = 2.0, log: bool = False
) -> tuple[list[list[str]], list[list[str]]]:
    """Each cell's colour on heatmap()'s scale and the ink that reads on it ('#rrggbb'):
    the same colours heatmap() draws, for a heatmap written as an HTML table. An empty
    value (NaN) is white."""
    shown, norm = _heat_scale(np.asarray(colour_values, dtype=float), centre, limit, log)
    scale = Normalize(vmin=norm.vmin, vmax=norm.vmax)
    rgba = DIVERGING(scale(np.nan_to_num(shown, nan=norm.vcenter)))
    backgrounds, inks = [], []
    for row_values, row_colours in zip(shown, rgba, strict=True):
        colours = [
            matplotlib.colors.to_hex(c) if np.isfinite(v) else "#ffffff"
            for v, c in zip(row_values, row_colours, strict=True)
        ]
        backgrounds.append(colours)
        inks.append([_text_colour_on(c) for c in colours])
    return backgrounds, inks


def heat_legend(
    centre: float = 0.0, limit: float = 2.0, log: bool = False, lang: str = "id"
) -> list[tuple[str, str]]:
    """heatmap()'s colour bar as (label, colour) stops, low to high, evenly spaced: ratios
    at powers of two ('×0,5', '×1', '×2'), other values at five steps ('-1,2' to '1,2')."""
    if log:
        steps = np.arange(-limit, limit + 1)
        labels = [f"×{setting(2.0**t, lang)}" for t in steps]
        values = 2.0**steps
    else:
        values = np.linspace(centre - limit, centre + limit, 5)
        labels = [tick(v, lang) for v in values]
    colours = heat_colours(values[None, :], centre, limit, log)[0][0]
    return list(zip(labels, colours, strict=True))


def heatmap(
    colour_values: np.ndarray,
    annotations: list[list[str]],
    row_labels: Sequence[str],
    segment_numbers: Sequence[int],
    segment_axis: str,
    title: str,
    colour_label: str,
    centre: float = 0.0,
    limit: float = 2.0,
    log: bool = False,
    row_segments: Sequence[int] | None = None,
    lang: str = "id",
) -> Drawing:
    """Rows are variables, columns are segments (numbers in their colours); cells are annotated.

    The colour shows how far a cell is from `centre` (below in brown, above in teal), clipped
    to +-limit; with log=True the distance is measured on a log2 scale (for lift). With
    `row_segments` the rows are segments too (of another segmentation), labelled in their
    colours.
    """
    values = np.asarray(colour_values, dtype=float)
    shown, norm = _heat_scale(values, centre, limit, log)
    n_rows, n_cols = values.shape
    with plt.rc_context(STYLE):
        width = min(MAX_WIDTH, max(7.5, 4.2 + 0.95 * n_cols))
        fig, ax = plt.subplots(figsize=(width, 1.6 + 0.55 * n_rows), layout="constrained")
        image = ax.imshow(np.ma.masked_invalid(shown), cmap=DIVERGING, norm=norm, aspect="auto")
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_yticks(range(n_rows), list(row_labels))
        ax.set_xticks(range(n_cols), [str(n) for n in segment_numbers])
        ax.set_xlabel(segment_axis, labelpad=10)
        ax.xaxis.set_label_position("top")
        ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
        ax.tick_params(axis="y", length=0)
        _segment_ticks(ax.get_xticklabels(), segment_numbers)
        if row_segments is not None:
            _segment_ticks(ax.get_yticklabels(), row_segments)
        _annotate(ax, shown, annotations, DIVERGING, Normalize(vmin=norm.vmin, vmax=norm.vmax))
        bar = fig.colorbar(image, ax=ax, shrink=min(1.0, 6 / max(n_rows, 1)), aspect=25, pad=0.02)
        bar.set_label(colour_label)
        if log:
            ticks = np.arange(-limit, limit + 1)
            bar.set_ticks(ticks, labels=[f"×{setting(2.0**t, lang)}" for t in ticks])
        else:
            number_axes(lang, bar.ax.yaxis)
        fig.suptitle(title, fontweight="bold", fontsize=12)
        return _encode(fig)


def _annotate(
    ax: plt.Axes,
    shown: np.ndarray,
    annotations: list[list[str]],
    colours: matplotlib.colors.Colormap,
    scale: Normalize,
) -> None:
    """Each cell's text, black or white as reads better on its colour (white where empty)."""
    for i in range(shown.shape[0]):
        for j in range(shown.shape[1]):
            cell = shown[i, j]
            background = colours(scale(cell)) if np.isfinite(cell) else (1, 1, 1, 1)
            ax.text(
                j,
                i,
                annotations[i][j],
                ha="center",
                va="center",
                fontsize=9,
                color=_text_colour_on(background),
            )


def transition_heatmap(
    shares: np.ndarray,
    annotations: list[list[str]],
    rows: tuple[Sequence[str], Sequence[int | None]],
    columns: tuple[Sequence[str], Sequence[int | None]],
    axes: tuple[str, str],
    title: str,
    colour_label: str,
) -> Drawing:
    """Customers by state before (rows) and after (columns): each cell coloured by its share of
    the row (white to teal), annotated. `rows` and `columns` are (labels, segment numbers): a
    state that is a segment gets its colour's tag, others (not placed, joined, left) plain."""
    values = np.asarray(shares, dtype=float)
    n_rows, n_cols = values.shape
    with plt.rc_context(STYLE):
        width = min(MAX_WIDTH, max(7.5, 3.6 + 1.1 * n_cols))
        fig, ax = plt.subplots(figsize=(width, 1.8 + 0.6 * n_rows), layout="constrained")
        scale = Normalize(vmin=0.0, vmax=1.0)
        image = ax.imshow(np.ma.masked_invalid(values), cmap=SEQUENTIAL, norm=scale, aspect="auto")
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_yticks(range(n_rows), list(rows[0]))
        ax.set_xticks(range(n_cols), list(columns[0]))
        ax.set_ylabel(axes[0])
        ax.set_xlabel(axes[1], labelpad=10)
        ax.xaxis.set_label_position("top")
        ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
        ax.tick_params(axis="y", length=0)
        _segment_ticks(ax.get_xticklabels(), columns[1])
        _segment_ticks(ax.get_yticklabels(), rows[1])
        _annotate(ax, values, annotations, SEQUENTIAL, scale)
        bar = fig.colorbar(image, ax=ax, shrink=min(1.0, 6 / max(n_rows, 1)), aspect=25, pad=0.02)
        bar.set_label(colour_label)
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        fig.suptitle(title, fontweight="bold", fontsize=12)
        return _encode(fig)


def flow_chart(
    counts: np.ndarray,
    bars: tuple[Sequence[str], Sequence[str]],
    colours: tuple[Sequence[str], Sequence[str]],
    stayed: np.ndarray,
    sides: tuple[str, str],
    title: str,
) -> Drawing:
    """Migration as an alluvial chart: a column of stacked bars per period (states before on the
    left, after on the right, heights their customers) joined by bands whose widths are the
    customers going from one to the other. A band has its left bar's colour, strong for those
    who moved, pale where `stayed` (same shape as counts) marks those who stayed. `bars`: each
    side's labels, `colours`: each side's bar colours; states without customers are left out."""
    counts = np.asarray(counts, dtype=float)
    sizes = (counts.sum(axis=1), counts.sum(axis=0))
    gap = 0.03 * (counts.sum() or 1.0)
    top = max(float(s.sum() + gap * (np.count_nonzero(s) - 1)) for s in sizes)
    tops = [_stack(s, gap, top) for s in sizes]
    width, left_x, right_x = 0.05, 0.0, 0.95
    with plt.rc_context(STYLE):
        rows = max(np.count_nonzero(s) for s in sizes)
        fig, ax = plt.subplots(figsize=(8.0, 2.0 + 0.55 * rows), layout="constrained")
        placing = ((left_x, "right", -0.015), (right_x, "left", width + 0.015))
        for side, (x, align, offset) in enumerate(placing):
            for i, size in enumerate(sizes[side]):
                if size <= 0:
                    continue
                bottom = tops[side][i] - size
                ax.add_patch(Rectangle((x, bottom), width, size, color=colours[side][i], lw=0))
                ax.text(x + offset, bottom + size / 2, bars[side][i], ha=align, va="center")
            ax.text(x + width / 2, top + gap, sides[side], ha="center", fontweight="bold")
        leaving = tops[0].copy()
        arriving = tops[1].copy()
        for i, j in zip(*np.nonzero(counts > 0), strict=True):
            size = counts[i, j]
            band = _band(left_x + width, right_x, leaving[i], arriving[j], size)
            band.set(facecolor=colours[0][i], alpha=0.2 if stayed[i, j] else 0.7, linewidth=0)
            ax.add_patch(band)
            leaving[i] -= size
            arriving[j] -= size
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylim(-gap, top + 3 * gap)
        ax.axis("off")
        ax.set_title(title)
        return _encode(fig)


def _stack(sizes: np.ndarray, gap: float, top: float) -> np.ndarray:
    """The top of each bar, stacked down from `top` with a gap after each bar that is drawn."""
    steps = sizes + np.where(sizes > 0, gap, 0.0)
    return top - np.concatenate([[0.0], np.cumsum(steps)[:-1]])


def _band(x0: float, x1: float, top0: float, top1: float, size: float) -> PathPatch:
    """A band `size` high from (x0, top0) to (x1, top1), with S-shaped edges."""
    middle = (x0 + x1) / 2
    vertices = [
        (x0, top0),
        (middle, top0),
        (middle, top1),
        (x1, top1),
        (x1, top1 - size),
        (middle, top1 - size),
        (middle, top0 - size),
        (x0, top0 - size),
        (x0, top0),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    return PathPatch(Path(vertices, codes))


def _segment_ticks(ticks: Sequence[Text], numbers: Sequence[int | None]) -> None:
    """Tick labels drawn as tags in their segment's colour (a label without one stays plain)."""
    for label, number in zip(ticks, numbers, strict=True):
        if number is None:
            continue
        label.set_bbox(
            {"facecolor": segment_color(number), "edgecolor": "none", "boxstyle": "round,pad=0.3"}
        )
        label.set_color(_text_colour_on(segment_color(number)))
        label.set_fontweight("bold")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    annotations: Sequence[str],
    x_label: str,
    lang: str = "id",
) -> Drawing:
    """Horizontal bars, first at the top, each annotated at its end (counts and shares): the
    actions' reach and the segments' sizes. Compact, for the manager's part and phones."""
    n = len(values)
    with plt.rc_context(COMPACT_STYLE):
        fig, ax = plt.subplots(figsize=(COMPACT_WIDTH, 1.3 + 0.55 * n), layout="constrained")
        rows = np.arange(n)
        ax.barh(rows, values, color=list(colours), height=0.7)
        for row, value, text in zip(rows, values, annotations, strict=True):
            ax.text(value, row, f" {text}", va="center", ha="left")
        ax.set_yticks(rows, list(labels))
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, max(max(values, default=0), 1) * 1.6)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_locator(MaxNLocator(3))
        number_axes(lang, ax.xaxis)
        ax.tick_params(axis="y", length=0)
        return _encode(fig)


def portfolio_chart(
    owned: np.ndarray,
    products: Sequence[str],
    customers: Sequence[int],
    annotations: Sequence[str],
    segments: Sequence[int | None],
    segment_names: dict[int, str],
    x_label: str,
    rest_label: str = "",
    lang: str = "id",
) -> Drawing:
    """Product combinations, most customers first: which products each holds (a dot per
    product owned, joined by a line) and its customers as a bar in its segment's colour. A
    row whose segment is None is the rest, summarised: a grey bar labelled `rest_label`."""
    owned = np.asarray(owned, dtype=bool)
    n, m = owned.shape
    with plt.rc_context(STYLE | {"font.size": 11, "legend.fontsize": 11}):
        fig, (dots, bars) = plt.subplots(
            1,
            2,
            figsize=(8.4, 2.6 + 0.3 * n),
            sharey=True,
            layout="constrained",
            gridspec_kw={"width_ratios": [0.5 * m + 0.4, 5.0]},
        )
        rows = np.arange(n)
        shown_rows = np.array([s is not None for s in segments], dtype=bool)
        for row in rows[~shown_rows]:
            dots.text((m - 1) / 2, row, rest_label, ha="center", va="center")
        # All rows' dots in two scatters (one call per row cost a third of the chart's time):
        # rows never overlap, so the pixels are those of drawing them row by row.
        grid_rows, grid_columns = np.nonzero(np.repeat(shown_rows[:, None], m, axis=1))
        dots.scatter(grid_columns, grid_rows, s=40, color="#dddddd", zorder=2)
        owned_rows, owned_columns = np.nonzero(owned & shown_rows[:, None])
        dots.scatter(owned_columns, owned_rows, s=40, color="#222222", zorder=3)
        for row in rows[shown_rows]:
            mine = np.flatnonzero(owned[row])
            if len(mine) > 1:
                dots.plot([mine.min(), mine.max()], [row, row], color="#222222", linewidth=1.5)
        dots.set_xticks(range(m), list(products), rotation=45, ha="left")
        dots.xaxis.tick_top()
        dots.set_xlim(-0.6, m - 0.4)
        dots.grid(False)
        dots.tick_params(length=0)
        dots.set_yticks([])
        for spine in dots.spines.values():
            spine.set_visible(False)
        colours = [OTHER_COLOUR if s is None else segment_color(s) for s in segments]
        bars.barh(rows, customers, color=colours, height=0.75)
        for row, value, text in zip(rows, customers, annotations, strict=True):
            bars.text(value, row, f" {text}", va="center", ha="left")
        bars.set_ylim(n - 0.5, -0.5)
        bars.set_xlim(0, max(max(customers, default=0), 1) * 1.45)
        bars.grid(axis="y", visible=False)
        bars.tick_params(axis="y", length=0)
        bars.set_xlabel(x_label)
        bars.xaxis.set_major_locator(MaxNLocator(4))
        number_axes(lang, bars.xaxis)
        shown = sorted({s for s in segments if s is not None})
        fig.legend(
            handles=[Patch(color=segment_color(s), label=segment_names[s]) for s in shown],
            loc="outside lower center",
            ncol=min(len(shown), 5),
        )
        return _encode(fig)


def _text_colour_on(background: str | tuple[float, ...]) -> str:
    """Black or white, whichever reads better on the background colour."""
    r, g, b = matplotlib.colors.to_rgb(background)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#ffffff"


def _encode(fig: plt.Figure, dpi: int = DPI) -> Drawing:
    """The figure as a PNG data URI (no Software tag, so the bytes depend only on the chart),
    with its size and the smallest font it drew.

    Drawn once, by the Agg canvas, which lays the figure out as it draws: savefig first draws
    a laid-out figure without rendering it, then draws it again, for the same pixels and
    about 11% more time. Compressed at zlib's fastest level: on a run's charts, half the
    encoding time of the default level for files within 1% of its size."""
    buffer = io.BytesIO()
    fig.set_dpi(dpi)
    with warnings.catch_warnings():
        # A character of the data that the font lacks (an emoji, a control character) is drawn
        # as a box; matplotlib's warning about it would print that character to the terminal.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.canvas.print_png(
            buffer, metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESSION}
        )
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    width, height = (round(v * dpi) for v in fig.get_size_inches())
    plt.close(fig)
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    # Points to CSS pixels: the PNG is DPI pixels per inch and shown at one CSS px per pixel.
    return Drawing(uri, width, height, min(sizes, default=STYLE["font.size"]) * dpi / 72)


def interval_chart(
    labels: Sequence[str],
    estimates: Sequence[float],
    intervals: tuple[Sequence[float], Sequence[float]],
    colours: Sequence[str],
    texts: AxisTexts,
    lang: str = "id",
) -> Drawing:
    """Estimates with their intervals, one row each, first at the top, and the line at 0: a
    campaign's uplift per segment. Rows without an estimate (NaN) stay empty."""
    n = len(labels)
    values = np.asarray(estimates, dtype=float)
    low, high = (np.asarray(side, dtype=float) for side in intervals)
    with plt.rc_context(COMPACT_STYLE):
        fig, ax = plt.subplots(figsize=(COMPACT_WIDTH * 1.4, 1.6 + 0.6 * n), layout="constrained")
        rows = np.arange(n)
        ax.axvline(0, color="#555555", linewidth=1.2)
        for row, value, left, right, colour in zip(rows, values, low, high, colours, strict=True):
            if np.isnan(value):
                continue
            ax.plot([left, right], [row, row], color=colour, linewidth=3, solid_capstyle="butt")
            ax.plot([value], [row], marker="o", markersize=10, color=colour, linestyle="none")
        ax.set_yticks(rows, list(labels))
        ax.set_ylim(n - 0.5, -0.5)
        reach = np.nanmax(np.abs(np.concatenate([low, high, [1.0]])))
        ax.set_xlim(-reach * 1.1, reach * 1.1)
        ax.grid(axis="y", visible=False)
        ax.set_title(texts.title)
        ax.set_xlabel(texts.x)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        number_axes(lang, ax.xaxis)
        ax.tick_params(axis="y", length=0)
        return _encode(fig)
