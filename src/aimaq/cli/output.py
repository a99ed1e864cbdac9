"""One way to print results: --format table|csv|json for every command that shows results."""

from __future__ import annotations

import enum
import json
import sys

import polars as pl


class Format(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


def format_option():
    """The --format/-f option every command that shows results takes."""
    import typer

    return typer.Option(Format.table, "--format", "-f", help="table, csv or json")


def emit(frame: pl.DataFrame, fmt: Format | str = Format.table, title: str | None = None, stream=None) -> None:
    """Print a frame: csv has one header row, UTF-8, decimal point; json is a list of records."""
    stream = stream or sys.stdout
    fmt = Format(fmt)
    # 12 significant digits: binary noise (1.2399999999999993) goes, every meaningful digit stays
    floats = [name for name, dtype in frame.schema.items() if dtype in (pl.Float32, pl.Float64)]
    if floats:
        frame = frame.with_columns(pl.col(floats).round_sig_figs(12))
    if fmt is Format.csv:
        from aimaq.ingest.escape import escape_formulas  # text a spreadsheet would run as a formula

        stream.write(escape_formulas(frame).write_csv())
    elif fmt is Format.json:
        stream.write(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for name, dtype in zip(frame.columns, frame.dtypes):
            table.add_column(name, justify="right" if dtype.is_numeric() else "left")
        for row in frame.iter_rows():
            table.add_row(*["" if v is None else (f"{v:.4g}" if isinstance(v, float) and abs(v) < 1e-3 and v != 0 else (f"{v:,.2f}".replace(",", " ") if isinstance(v, float) else str(v))) for v in row])
        Console(file=stream, width=200).print(table)
