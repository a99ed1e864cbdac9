"""Print figures (PNG, matplotlib, vendored DejaVu Sans) from the data a `Figure` carries."""

from __future__ import annotations

from pathlib import Path

from aimaq.errors import ComputationError
from aimaq.report.model import SYNTHETIC_LABEL, Document, Figure
from aimaq.report.numbers import fmt_num, fmt_smart

FONTS = Path(__file__).parent / "fonts"
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
                         "axes.spines.right": False, "axes.formatter.use_locale": False})
    return plt


def _comma(decimals: int):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: fmt_num(v, decimals))


def draw_figures(doc: Document, out: Path) -> list[Path]:
    """Draw every figure of `doc` into out/figures/ and set its `file` (relative to `out`)."""
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    plt = _setup()
    paths = []
    for fig in doc.figures():
        path = folder / f"{fig.name}.png"
        draw = _KINDS.get(fig.kind)
        if draw is None:
            raise ComputationError(f"unknown figure kind {fig.kind!r}")
        f = draw(plt, fig)
        if fig.synthetic:
            f.text(0.99, 0.01, SYNTHETIC_LABEL, ha="right", va="bottom", fontsize=8, color="#b00020", style="italic")
        f.savefig(path, dpi=150, bbox_inches="tight")
        plt.close(f)
        fig.file = f"figures/{path.name}"
        paths.append(path)
    return paths


def _bars(plt, fig: Figure):
    d = fig.data
    labels, values = d["labels"][::-1], d["values"][::-1]
    f, ax = plt.subplots(figsize=(7, 0.22 * len(labels) + 1))
    ax.barh(labels, values, color="#2b6ca3")
    decimals = d.get("decimals", 2)  # "smart": as many as the value needs (91; 80,7)
    num = (lambda v: fmt_smart(v, 1)) if decimals == "smart" else (lambda v: fmt_num(v, decimals))
    for i, v in enumerate(values):
        ax.text(v + 0.05, i, num(v), va="center", fontsize=7)
    if d.get("mean") is not None:
        ax.axvline(d["mean"], color="#b00020", lw=1, ls="--")
        ax.text(d["mean"], len(labels) - 0.3, f"{d.get('mean_label', 'средний')} {num(d['mean'])}",
                color="#b00020", fontsize=7)
    ax.set_xlabel(d.get("xlabel", ""))
    ax.xaxis.set_major_formatter(_comma(0))
    return f


def _grouped(plt, fig: Figure):
    import numpy as np

    d = fig.data
    cats, series = d["categories"], d["series"]
    horizontal = d.get("horizontal", False)
    n = len(series)
    width = 0.8 / n
    pos = np.arange(len(cats))
    f, ax = plt.subplots(figsize=(7, 0.3 * len(cats) + 1.2) if horizontal else (7, 3.5))
    for i, (name, vals) in enumerate(series.items()):
        vals = [float("nan") if v is None else v for v in vals]
        if horizontal:
            ax.barh(pos + i * width, vals, height=width, label=name)
        else:
            bars = ax.bar(pos + i * width, vals, width=width, label=name)
            for b, v in zip(bars, vals):
                ax.text(b.get_x() + b.get_width() / 2, v, fmt_num(v, 1), ha="center", va="bottom", fontsize=7)
    if horizontal:
        ax.set_yticks(pos + width * (n - 1) / 2, cats)
        ax.set_xlabel(d.get("ylabel", ""))
        ax.xaxis.set_major_formatter(_comma(0))
    else:
        ax.set_xticks(pos + width * (n - 1) / 2, cats)
        ax.set_ylabel(d.get("ylabel", ""))
        ax.yaxis.set_major_formatter(_comma(0))
    ax.legend(frameon=False, fontsize=8, loc="lower right" if horizontal else "best")
    return f


def _bars_line(plt, fig: Figure):
    """Bars (left axis) and a line with markers (right axis) over the same categories."""
    d = fig.data
    cats = d["categories"]
    f, ax = plt.subplots(figsize=(7, 3.5))
    bars = ax.bar(cats, d["bars"], color="#2b6ca3", label=d.get("bars_label", ""))
    for b, v in zip(bars, d["bars"]):
        ax.text(b.get_x() + b.get_width() / 2, v, fmt_num(v, 1), ha="center", va="bottom", fontsize=7)
    ax.set_ylabel(d.get("bars_label", ""))
    ax.yaxis.set_major_formatter(_comma(0))
    ax2 = ax.twinx()
    ax2.plot(cats, d["line"], color="#d9822b", marker="o", label=d.get("line_label", ""))
    for x, v in zip(cats, d["line"]):
        ax2.annotate(fmt_num(v, 0), (x, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7,
                     color="#d9822b")
    ax2.set_ylabel(d.get("line_label", ""))
    ax2.set_ylim(0, max(d["line"]) * 1.25)
    ax2.yaxis.set_major_formatter(_comma(0))
    ax2.spines["right"].set_visible(True)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, frameon=False, fontsize=8, loc="upper right")
    return f


def _band(plt, fig: Figure):
    d = fig.data
    f, ax = plt.subplots(figsize=(7, 3.5))
    ax.fill_between(d["years"], d["lower"], d["upper"], color="#2b6ca3", alpha=0.25, label="80%-й интервал")
    ax.plot(d["years"], d["value"], color="#2b6ca3", marker="o", ms=3, label="медианный прогноз")
    ax.set_ylabel(d.get("ylabel", ""))
    ax.yaxis.set_major_formatter(_comma(1))
    ax.set_xticks(d["years"], [str(y) for y in d["years"]])
    ax.legend(frameon=False, fontsize=8)
    return f


def _pyramid(plt, fig: Figure):
    import polars as pl

    d = fig.data
    rows = pl.DataFrame(d["rows"])
    years = d["years"]
    f, axes = plt.subplots(1, len(years), figsize=(7, 4), sharey=True)
    axes = list(axes) if len(years) > 1 else [axes]
    limit = rows["population"].max() / 1e3 * 1.05
    for ax, y in zip(axes, years):
        r = rows.filter(pl.col("year") == y)
        m = r.filter(pl.col("sex") == "male").sort("age")
        w = r.filter(pl.col("sex") == "female").sort("age")
        ax.barh(m["age"], -m["population"] / 1e3, height=1.0, color="#2b6ca3", label="мужчины")
        ax.barh(w["age"], w["population"] / 1e3, height=1.0, color="#d9822b", label="женщины")
        ax.set_xlim(-limit, limit)
        ax.xaxis.set_major_formatter(_comma_abs())
        ax.set_title(str(y))
        ax.set_xlabel("тыс. чел.")
    axes[0].set_ylabel("возраст")
    axes[0].legend(frameon=False, fontsize=8, loc="upper left")
    return f


def _comma_abs():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: fmt_num(abs(v), 0))


_KINDS = {"bars_line": _bars_line, "bars": _bars, "grouped_bars": _grouped, "band": _band, "pyramid": _pyramid}
