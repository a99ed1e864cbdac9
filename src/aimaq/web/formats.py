"""`?format=json|csv|xlsx` for the API's table endpoints: an endpoint builds its JSON payload as before and hands
it, with the frame behind it, to `table_response`, which answers JSON, CSV or XLSX with the right content type
and a file name. CSV keeps the column codes; XLSX has headings in the user's language and the sheet
«Источники и методика»; both carry `synthetic` on every row when the payload rests on synthetic data."""

from __future__ import annotations

import re
from typing import Annotated

import polars as pl
from fastapi import Query
from fastapi.responses import Response

from aimaq.export import csv_text, xlsx_bytes

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

TableFormat = Annotated[str, Query(pattern=r"(?i)^(json|csv|xlsx)$",
                                   description="json (по умолчанию), csv (коды столбцов, UTF-8) или xlsx")]


def table_response(fmt: str, body: dict, frame: pl.DataFrame, name: str):
    """The JSON payload `body` as is, or `frame` as a CSV/XLSX download named `name`.csv/.xlsx. The payload's
    other keys (year, run id, notes…) go to the XLSX's sources sheet."""
    fmt = (fmt or "json").lower()
    if fmt == "json":
        return body
    synthetic = bool(body.get("synthetic"))
    if synthetic and "synthetic" not in frame.columns:
        frame = frame.with_columns(synthetic=pl.lit(True))
    filename = re.sub(r"[^\w.-]+", "_", name, flags=re.ASCII).strip("_") or "table"
    if fmt == "csv":
        content: bytes = csv_text(frame).encode("utf-8")
    else:
        context = {k: v for k, v in body.items() if k not in ("rows", "count", "synthetic", "notes") and v is not None
                   and not isinstance(v, (list, dict))}  # nested rows (a batch's changes) are the table itself
        meta = {"synthetic": synthetic, "title": name, "run_id": context.pop("run_id", None),
                "notes": [f"{k}: {v}" for k, v in context.items()] + list(body.get("notes") or [])}
        content = xlsx_bytes([(None, frame)], meta)
    return Response(content, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})
