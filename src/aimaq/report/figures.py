"""Print figures (PNG, matplotlib, vendored DejaVu Sans) from the data a `Figure` carries. One palette for every
figure; legends sit outside the plotting area (below it), so they never cover data; numbers are written the way
the edition's language writes them."""

from __future__ import annotations

from pathlib import Path

from aimaq.errors import ComputationError
from aimaq.report.model import Document, Figure, synthetic_label
from aimaq.report.numbers import fmt_num, fmt_smart

FONTS = Path(__file__).parent / "fonts"
PALETTE = ["#1f4e79", "#e07b39", "#8fb3d9", "#6b8e23"]  # dark blue, orange, light blue, olive
ACCENT = "#b00020"  # reference lines (averages) and the synthetic label
WIDTH_IN = 6.5  # the text column is 165 mm; figures are drawn at that width
_SETUP = False


def _setup():
    global _SETUP
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    if not _SETUP:
        for f in FONTS.glob("DejaVuSans*.ttf"):
            font_manager.fontManager.addfont(str(f))
        _SETUP = True
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False, "axes.formatter.use_locale": False,
                         "axes.prop_cycle": matplotlib.cycler(color=PALETTE)})
    return plt


def _fmt(decimals: int):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: fmt_num(v, decimals))


def _legend_below(ax, ncol: int) -> None:
    """The legend under the axes, outside the data area."""
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=ncol)


def draw_figure(fig: Figure, folder: Path) -> Path:
    plt = _setup()
    draw = _KINDS.get(fig.kind)
    if draw is None:
        raise ComputationError(f"unknown figure kind {fig.kind!r}")
    f = draw(plt, fig)
    # notes and the synthetic label go below everything else (the legend included); the tight bounding box
    # of savefig grows to hold them
    below = -0.45 / f.get_figheight()  # about 0.45 inch under the axes, whatever the figure's height
    if fig.data.get("note"):
        f.text(0.01, below, fig.data["note"], ha="left", va="top", fontsize=7, color="#444", style="italic")
    if fig.synthetic:
        f.text(0.99, below, synthetic_label(), ha="right", va="top", fontsize=8, color=ACCENT, style="italic")
    path = folder / f"{fig.name}.png"
    f.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(f)
    return path


def draw_figures(doc: Document, out: Path) -> list[Path]:
    """Draw every figure of `doc` into out/figures/ and set its `file` (relative to `out`)."""
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fig in doc.figures():
        path = draw_figure(fig, folder)
        fig.file = f"figures/{path.name}"
        paths.append(path)
    return paths


def _bars(plt, fig: Figure):
    """Horizontal bars, largest on top, with values and a dashed reference line (the mean)."""
    d = fig.data
    labels, values = d["labels"][::-1], d["values"][::-1]
    f, ax = plt.subplots(figsize=(WIDTH_IN, 0.2 * len(labels) + 1))
    ax.barh(labels, values, color=PALETTE[0])
    top = max(values)
    for i, v in enumerate(values):
        ax.text(v + top * 0.01, i, fmt_num(v, 2), va="center", fontsize=7)
    if d.get("mean") is not None:
        ax.axvline(d["mean"], color=ACCENT, lw=1, ls="--", label=f"{d.get('mean_label', '')} {fmt_num(d['mean'], 2)}")
        _legend_below(ax, 1)
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel(d.get("xlabel", ""))
    ax.xaxis.set_major_formatter(_fmt(0))
    return f


def _grouped(plt, fig: Figure):
    import numpy as np

    d = fig.data
    cats, series = d["categories"], d["series"]
    horizontal = d.get("horizontal", False)
    n = len(series)
    width = 0.8 / n
    pos = np.arange(len(cats))
    f, ax = plt.subplots(figsize=(WIDTH_IN, 0.32 * len(cats) + 1.4) if horizontal else (WIDTH_IN, 3.4))
    vmax = max(v for vals in series.values() for v in vals if v is not None)
    for i, (name, vals) in enumerate(series.items()):
        vals = [float("nan") if v is None else v for v in vals]
        if horizontal:
            ax.barh(pos + (n - 1 - i) * width, vals, height=width, label=name, color=PALETTE[i % len(PALETTE)])
        else:
            bars = ax.bar(pos + i * width, vals, width=width, label=name, color=PALETTE[i % len(PALETTE)])
            for b, v in zip(bars, vals):
                if v == v:
                    ax.text(b.get_x() + b.get_width() / 2, v + vmax * 0.01, fmt_smart(v, 1), ha="center",
                            va="bottom", fontsize=7)
    if horizontal:
        ax.set_yticks(pos + width * (n - 1) / 2, cats)
        ax.set_xlabel(d.get("ylabel", ""))
        ax.xaxis.set_major_formatter(_fmt(0))
        ax.set_xlim(0, vmax * 1.05)
    else:
        ax.set_xticks(pos + width * (n - 1) / 2, cats)
        ax.set_ylabel(d.get("ylabel", ""))
        ax.yaxis.set_major_formatter(_fmt(0))
        ax.set_ylim(0, vmax * 1.15)
    _legend_below(ax, n) if not horizontal else ax.legend(frameon=False, fontsize=8, loc="upper center",
                                                          bbox_to_anchor=(0.5, -0.6 / max(len(cats), 1) - 0.04),
                                                          ncol=n)
    return f


def _paired(plt, fig: Figure):
    """Two quantities over the same periods as two panels of bars side by side (no line joins periods of
    different length: a five-year total beside a one-year plan)."""
    d = fig.data
    cats = d["categories"]
    f, axes = plt.subplots(1, 2, figsize=(WIDTH_IN, 3.0))
    for ax, part, colour in zip(axes, (d["left"], d["right"]), PALETTE[:2]):
        vals = part["values"]
        bars = ax.bar(cats, vals, color=colour, width=0.6)
        for b, v in zip(bars, vals):
            ax.text(b.get_x() + b.get_width() / 2, v, fmt_smart(v, 1), ha="center", va="bottom", fontsize=8)
        ax.set_title(part["label"], fontsize=9)
        ax.set_ylim(0, max(vals) * 1.18)
        ax.yaxis.set_major_formatter(_fmt(0))
        ax.tick_params(axis="x", labelsize=8)
    f.tight_layout()
    return f


def _columns(plt, fig: Figure):
    d = fig.data
    f, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    bars = ax.bar(d["categories"], d["values"], color=PALETTE[0], width=0.6)
    for b, v in zip(bars, d["values"]):
        ax.text(b.get_x() + b.get_width() / 2, v, fmt_num(v, 0), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(d.get("ylabel", ""))
    ax.set_ylim(0, max(d["values"]) * 1.15)
    ax.yaxis.set_major_formatter(_fmt(0))
    return f


def _stacked(plt, fig: Figure):
    d = fig.data
    cats, series = d["categories"], d["series"]
    f, ax = plt.subplots(figsize=(WIDTH_IN, 3.2))
    bottom = [0.0] * len(cats)
    for i, (name, vals) in enumerate(series.items()):
        ax.bar(cats, vals, bottom=bottom, label=name, color=PALETTE[i % len(PALETTE)], width=0.65)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for x, total in zip(cats, bottom):
        ax.text(x, total, fmt_num(total, 1), ha="center", va="bottom", fontsize=7)
    ax.set_ylabel(d.get("ylabel", ""))
    ax.set_ylim(0, max(bottom) * 1.12)
    ax.yaxis.set_major_formatter(_fmt(0))
    _legend_below(ax, len(series))
    return f


_KINDS = {"bars": _bars, "grouped_bars": _grouped, "paired_bars": _paired, "columns": _columns,
          "stacked_columns": _stacked}
