"""One way to show results: `--format table|csv|json|xlsx` and `--out FILE` for every command that shows results.

A command calls `emit(frame, fmt, title=…, meta=…)`. On the screen (table) a frame gets headings in the user's
language, «да/нет», numbers as the language writes them and the terminal's width; csv/json keep the column codes
(a contract). With `--out FILE` (added to every command with `--format` by `add_output_options`), what the command
emits is written to FILE once it has finished: several tables become one CSV/JSON (a `section` column tells them
apart) or one sheet each in the XLSX, whose last sheet is «Источники и методика» (meta: sources, methodology,
run id, synthetic)."""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import functools
import inspect
import sys
from pathlib import Path
from typing import Optional

import polars as pl

from aimaq.export import csv_text, json_text, localise_headings, xlsx_bytes
from aimaq.i18n import N_, _, format_bool, format_number


class Format(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def format_option():
    """The --format/-f option every command that shows results takes (case-insensitive: `-f CSV` works)."""
    import typer

    return typer.Option(Format.table, "--format", "-f", case_sensitive=False,
                        help=N_("table, csv, json or xlsx (xlsx needs --out FILE.xlsx)"))


@dataclasses.dataclass
class _Target:
    """Where one command's results go when it was given --out (or -f xlsx)."""
    fmt: Format
    out: Path | None
    excel: bool
    command: str
    emitted: list = dataclasses.field(default_factory=list)  # (title, frame, meta)


_target: contextvars.ContextVar[_Target | None] = contextvars.ContextVar("aimaq_output_target", default=None)


def emit(frame: pl.DataFrame, fmt: Format | str = Format.table, title: str | None = None, stream=None,
         meta: dict | None = None, *, excel: bool | None = None) -> None:
    """Show or save a frame. meta: {"sources": [...], "methodology": [...], "run_id": …, "synthetic": bool,
    "notes": [...]} — written to the XLSX's «Источники и методика» sheet; notes are also printed under a table."""
    fmt = Format(fmt.lower() if isinstance(fmt, str) else fmt)
    target = _target.get()
    if target is not None and target.out is not None and stream is None:
        meta = dict(meta or {})
        if not meta.get("sources") and frame.schema.get("source") == pl.Utf8:  # rows that name their source
            meta["sources"] = frame["source"].drop_nulls().unique().sort().to_list()
        target.emitted.append((title, frame, meta))
        return
    if fmt is Format.xlsx:
        from aimaq.errors import AimaqError

        raise AimaqError(_("-f xlsx writes a file: add --out FILE.xlsx"))
    stream = stream or sys.stdout
    if fmt is Format.csv:
        stream.write(csv_text(frame, excel=bool(excel if excel is not None else (target and target.excel))))
    elif fmt is Format.json:
        stream.write(json_text(frame))
    else:
        print_table(frame, title, stream, notes=(meta or {}).get("notes"))


def write_file(path: Path, fmt: Format, emitted: list, *, excel: bool = False, command: str = "") -> Path:
    """What a command emitted, as one file in `fmt` (csv/json: the frames stacked with a `section` column when
    there are several; xlsx: one sheet each plus «Источники и методика»)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt is Format.xlsx:
        meta = _merge_meta([m for _t, _f, m in emitted])
        meta.setdefault("title", "; ".join(t for t, _f, _m in emitted if t))
        meta.setdefault("command", command)
        path.write_bytes(xlsx_bytes([(t, f) for t, f, _m in emitted], meta))
        return path
    frames = [f for _t, f, _m in emitted]
    if len(frames) > 1:
        frames = [f if "section" in f.columns else f.with_columns(pl.lit(t or str(i + 1)).alias("section"))
                  for i, (t, f, _m) in enumerate(emitted)]
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if fmt is Format.json:
        path.write_text(json_text(frame), encoding="utf-8")
    else:  # csv, also when -f table was given with --out: a table is for the screen
        path.write_text(csv_text(frame, excel=excel), encoding="utf-8", newline="")
    return path


def _merge_meta(metas: list[dict]) -> dict:
    merged: dict = {}
    for meta in metas:
        for key, value in meta.items():
            if isinstance(value, (list, tuple)):
                merged.setdefault(key, [])
                merged[key] += [v for v in value if v not in merged[key]]
            elif key == "synthetic":
                merged[key] = bool(merged.get(key)) or bool(value)
            else:
                merged.setdefault(key, value)
    return merged


# --- the table on the screen ------------------------------------------------------------------------------------


def _separators() -> tuple[str, str]:
    """The group and decimal separators of the current language, as format_number writes them."""
    sample = format_number(1234.5, 1)
    return sample[1], sample[-2]


def _decimals_for(column: pl.Series) -> int:
    """Digits after the separator for a column of floats: as many as its values need, at most 2 (3 under 1)."""
    values = column.drop_nulls()
    values = values.filter(values.is_finite())
    if values.is_empty():
        return 0
    most = 3 if values.abs().max() < 1 else 2
    target = values.round(most)
    for d in range(most):
        if (values.round(d) - target).abs().max() < 10 ** -(most + 1):
            return d
    return most


def number_texts(column: pl.Series, decimals: int, group: str, point: str) -> pl.Series:
    """Numbers as text with `decimals` fixed digits, `group` between thousands and `point` before the decimals —
    vectorised: the whole part gets its separators on the reversed digits."""
    scaled = (column.cast(pl.Float64).abs() * 10 ** decimals).round(0).cast(pl.Int64)
    frame = pl.DataFrame({"n": scaled, "neg": column.cast(pl.Float64) < 0}).with_columns(
        whole=(pl.col("n") // 10 ** decimals).cast(pl.String).str.reverse()
        .str.replace_all(r"(\d{3})", "${1}" + group.replace("$", "$$")).str.reverse().str.strip_chars(group),
        part=(pl.col("n") % 10 ** decimals).cast(pl.String).str.zfill(decimals))
    text = pl.when(pl.col("neg") & (pl.col("n") > 0)).then(pl.lit("-")).otherwise(pl.lit("")) + pl.col("whole")
    if decimals:
        text = text + pl.lit(point) + pl.col("part")
    return frame.select(text.alias(column.name)).to_series()


def _cells(column: pl.Series, code: str) -> pl.Series:
    """A column's values as the user reads them, by the kind of column: да/нет; counts and populations whole
    (`19 765 004`); percentages with one decimal (`64,7`), shares stored as fractions as percentages; other numbers
    with the decimals they need; codes (year, KATO) as they are; date-times to the minute; a hash as a prefix."""
    from aimaq.export.headings import is_code_like
    from aimaq.export.values import HASHES, number_kind

    dtype = column.dtype
    if isinstance(dtype, pl.Decimal):  # sums in SQL come back as decimals
        column = column.cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
        dtype = column.dtype
    kind = number_kind(code)
    if dtype == pl.Boolean:
        texts = column.replace_strict({True: format_bool(True), False: format_bool(False)}, return_dtype=pl.String)
    elif dtype.is_integer() and is_code_like(code):
        texts = column.cast(pl.String)
    elif dtype.is_numeric():
        column = column.cast(pl.Float64)
        if kind == "fraction":
            column = column * 100
        decimals = (1 if kind in ("percent", "fraction") else 0 if kind == "count" or dtype.is_integer()
                    else _decimals_for(column))
        finite = column.is_finite()
        shown = number_texts(column.fill_nan(0), decimals, *_separators())
        texts = pl.select(pl.when(finite).then(shown).otherwise(column.cast(pl.String))).to_series()
    elif dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        texts = column.dt.strftime(_date_pattern() + " %H:%M")
    elif dtype == pl.Date:
        texts = column.dt.strftime(_date_pattern())
    elif isinstance(dtype, (pl.List, pl.Array)):
        texts = column.cast(pl.List(pl.String)).list.join(", ")
    elif code in HASHES:
        texts = column.cast(pl.String).str.slice(0, 12) + "…"
    else:
        texts = column.cast(pl.String)
    return texts.fill_null("")


def _date_pattern() -> str:
    from aimaq.i18n import get_language

    return "%Y-%m-%d" if get_language() == "en" else "%d.%m.%Y"


def _screen_heading(code: str, name: str) -> str:
    """A fraction (0.62) is shown as a percentage: its heading says so."""
    from aimaq.export.values import number_kind

    return _("{heading}, %", heading=name) if number_kind(code) == "fraction" and not name.endswith("%") else name


def _width(stream) -> int | None:
    """The terminal's width on a terminal (rich finds it; COLUMNS overrides); piped output is not cut to 80
    columns but kept as wide as before (200)."""
    import os

    if os.environ.get("COLUMNS") or (hasattr(stream, "isatty") and stream.isatty()):
        return None
    return 200


HEADING_WORD_MAX = 14  # a heading folds between words; a longer word is cut at this width
TEXT_MIN = 16  # text folds onto more lines, but keeps this many letters a line (or its whole value if shorter)


def _min_width(heading: str, cells: pl.Series, numeric: bool) -> int:
    """The narrowest a column may get: a number is never cut in two; text folds down to TEXT_MIN letters."""
    widest = int(cells.str.len_chars().max() or 1)
    word = max((len(w) for w in heading.split()), default=1)
    return max(widest if numeric else min(widest, TEXT_MIN), min(word, HEADING_WORD_MAX), 1)


def fitting_columns(min_widths: list[int], width: int, keep: tuple[int, ...] = ()) -> list[int]:
    """Which columns fit in `width` characters: the `keep` ones (e.g. whether a row is synthetic) first, then the
    others from the left; a column that does not fit is left out and the next ones are tried (each costs its width,
    its padding and a border; the first is always shown). Returned in the table's order."""
    used, shown = 1, []
    for i in [*keep, *(i for i in range(len(min_widths)) if i not in keep)]:
        if not shown or used + min_widths[i] + 3 <= width:
            shown.append(i)
            used += min_widths[i] + 3
    return sorted(shown)


def column_widths(min_widths: list[int], natural: list[int], width: int) -> list[int]:
    """Widths of the shown columns: each at least its minimum; the room left is shared in proportion to what each
    lacks of its natural width (rich is given exact widths, so it never crops a table at the edge)."""
    room = width - 1 - sum(w + 3 for w in min_widths)
    lack = [max(n - w, 0) for w, n in zip(min_widths, natural)]
    if room <= 0 or not sum(lack):
        return list(min_widths)
    if sum(lack) <= room:
        return [max(w, n) for w, n in zip(min_widths, natural)]
    return [w + lack_i * room // sum(lack) for w, lack_i in zip(min_widths, lack)]


def print_table(frame: pl.DataFrame, title: str | None = None, stream=None, notes: list[str] | None = None) -> None:
    """A rich table as wide as the terminal: headings and code values in the user's language, values formatted by
    the kind of column; columns that do not fit are named on one line under it (files have them all)."""
    from rich.console import Console
    from rich.table import Table

    from aimaq.export.values import label_values

    stream = stream or sys.stdout
    notes = list(notes or [])
    if "agreement_note" in frame.columns:  # one line under the table instead of the same words on every row
        notes += [n for n in frame["agreement_note"].drop_nulls().unique(maintain_order=True) if n not in notes]
        frame = frame.drop("agreement_note")
    if frame.schema.get("synthetic") == pl.Boolean and frame.height and not frame["synthetic"].any():
        frame = frame.drop("synthetic")  # on the screen only a «да» is news; files keep the column
    frame = label_values(frame)
    headings = [_screen_heading(code, name) for code, name in zip(frame.columns,
                                                                  localise_headings(frame.head(0)).columns)]
    columns = [_cells(frame[code], code) for code in frame.columns]
    numeric = [dtype.is_numeric() or isinstance(dtype, pl.Decimal) for dtype in frame.dtypes]
    console = Console(file=stream, soft_wrap=False, width=_width(stream))
    min_widths = [_min_width(h, c, n) for h, c, n in zip(headings, columns, numeric)]
    shown = fitting_columns(min_widths, console.width, keep=tuple(
        i for i, code in enumerate(frame.columns) if code == "synthetic"))
    natural = [max(int(columns[i].str.len_chars().max() or 1), len(headings[i])) for i in shown]
    widths = column_widths([min_widths[i] for i in shown], natural, console.width)
    table = Table(title=title, show_lines=False)
    for i, w in zip(shown, widths):
        table.add_column(headings[i], justify="right" if numeric[i] else "left", overflow="fold", width=w)
    if frame.width:
        for row in pl.DataFrame([columns[i].alias(str(i)) for i in shown]).iter_rows():
            table.add_row(*row)
    console.print(table)
    hidden = [headings[i] for i in range(len(headings)) if i not in shown]
    if hidden:
        console.print(_("Not shown, the terminal is too narrow: {columns}. `-f csv`, `-f json` or `-f xlsx --out "
                        "FILE.xlsx` give every column.", columns="; ".join(hidden)), markup=False)
    for note in notes:
        console.print(note, markup=False)


# --- --out and --excel on every command with --format -------------------------------------------------------------


def _with_output_options(callback, command: str):
    """The command `callback` with --out FILE and --excel added (typer reads the new signature)."""
    import typer

    signature = inspect.signature(callback, eval_str=True)
    own_out = "out" in signature.parameters  # e.g. composite run --out DIR: xlsx goes to DIR/results.xlsx
    extra = []
    if not own_out:
        extra.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[Path],
                                       default=typer.Option(None, "--out", help=N_(
                                           "Write the results to this file (csv, json or xlsx by --format)."))))
    extra.append(inspect.Parameter("excel", inspect.Parameter.KEYWORD_ONLY, annotation=bool, default=typer.Option(
        False, "--excel", help=N_("CSV for Excel in a Russian locale: byte-order mark, `;` and decimal commas."))))

    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        out = None if own_out else kwargs.pop("out")
        excel = kwargs.pop("excel")
        fmt = Format(kwargs.get("fmt", Format.table))
        if own_out and fmt is Format.xlsx and kwargs.get("out") is not None:
            out = Path(kwargs["out"]) / "results.xlsx"
        if out is not None:
            fmt = _check_suffix(Path(out), fmt)
            kwargs["fmt"] = fmt
        elif fmt is Format.xlsx:  # say so before a long computation, not after it
            from aimaq.errors import AimaqError

            raise AimaqError(_("-f xlsx writes a file: add --out FILE.xlsx"))
        target = _Target(fmt, out, excel, command)
        token = _target.set(target)
        try:
            result = callback(*args, **kwargs)
        finally:
            _target.reset(token)
        if out is not None:
            invoked = _invocation(command, {**kwargs, "out": out})
            written = write_file(out, fmt, target.emitted, excel=excel, command=invoked)
            print(_("wrote {path}", path=written), file=sys.stderr)
        return result

    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])
    wrapper.__annotations__ = {**{p.name: p.annotation for p in signature.parameters.values()},
                               "out": Optional[Path], "excel": bool}
    return wrapper


def _invocation(command: str, values: dict) -> str:
    """The command as typed (from the console script) or as parsed (command path and the values given)."""
    if sys.argv and Path(sys.argv[0]).name == "aimaq":
        return " ".join(["aimaq", *sys.argv[1:]])
    given = [f"--{k.replace('_', '-')} {getattr(v, 'value', v)}" for k, v in values.items()
             if v not in (None, False, (), [])]
    return " ".join([command, *given])


def _check_suffix(path: Path, fmt: Format) -> Format:
    """--out without -f: the file's suffix says the format (.xlsx, .json, otherwise csv); an XLSX is never
    written under another name, nor anything else under an .xlsx name."""
    from aimaq.errors import AimaqError

    is_xlsx = path.suffix.lower() == ".xlsx"
    if fmt is Format.table:
        return Format.xlsx if is_xlsx else Format.json if path.suffix.lower() == ".json" else Format.csv
    if is_xlsx != (fmt is Format.xlsx):
        raise AimaqError(_("--out {path}: the name does not fit -f {fmt}; an XLSX file ends in .xlsx",
                           path=path.name, fmt=fmt.value))
    return fmt


def add_output_options(app, path: str = "aimaq") -> None:
    """Give every command of `app` (and its sub-apps) that takes --format also --out FILE and --excel."""
    for info in app.registered_commands:
        callback = info.callback
        if callback is None or getattr(callback, "_aimaq_output", False):
            continue
        if "fmt" in inspect.signature(callback).parameters:
            name = info.name or callback.__name__.replace("_", "-")
            info.callback = _with_output_options(callback, f"{path} {name}")
            info.callback._aimaq_output = True
    for group in app.registered_groups:
        if group.typer_instance is not None:
            add_output_options(group.typer_instance, f"{path} {group.name}")


# --- what a command passes as meta ------------------------------------------------------------------------------


def run_meta(con, job: str, run_id: int | None = None, what: str | None = None) -> dict:
    """Run id, methodology (spec name, version, SHA-256, code version) and synthetic flag of a stored run of `job`
    (the newest one, or `run_id`, or the newest whose description is `what`, e.g. "coverage 2023")."""
    from aimaq.store.catalogue import runs

    frame = runs(con)
    if frame.is_empty():
        return {}
    frame = frame.filter(pl.col("job") == job)
    if run_id is not None:
        frame = frame.filter(pl.col("run_id") == run_id)
    if what is not None:
        frame = frame.filter(pl.col("what") == what)
    if frame.is_empty():
        return {}
    row = frame.row(0, named=True)
    spec = f"{row['spec_name']} {row['spec_version']} (SHA-256 {str(row['spec_sha256'])[:16]}…)"
    return {"run_id": row["run_id"], "synthetic": bool(row["synthetic"]),
            "methodology": [f"{spec}; {row['what']}; Aimaq {row['code_version']}".replace("; ;", ";")]}


def observation_sources(con, indicators: list[str], period: str | None = None) -> dict:
    """The sources (publisher, title, place) of the latest observations of `indicators`, for emit's meta."""
    marks = ", ".join("?" * len(indicators))
    rows = con.execute(f"""
        SELECT DISTINCT s.publisher, s.title, s.place FROM observation_latest o JOIN source s USING (source_id)
        WHERE o.indicator IN ({marks}) AND (? IS NULL OR o.period = ?) ORDER BY 1, 2, 3""",
                       [*indicators, period, period]).fetchall()
    return {"sources": [", ".join(str(p) for p in row if p) for row in rows]}
