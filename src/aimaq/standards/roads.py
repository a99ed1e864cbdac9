"""Road networks for the within-km rules: validating an edge file (pure; the service writes it).

An edge joins two settlements with a road distance in km and is undirected (A–B and B–A are the same edge).
Columns: from_kato, to_kato (a KATO code of a settlement, or its name resolved through the territory name index
at settlement level), km (a positive number). The whole file is checked before anything is written: every
problem is reported with file, sheet, row, column and reason."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aimaq.errors import AimaqError
from aimaq.i18n import _
from aimaq.ingest.readers import Sheet
from aimaq.ingest.validate import Problem, column_letter, parse_number

ROAD_COLUMNS = ("from_kato", "to_kato", "km")


@dataclass
class Edge:
    from_kato: str        # the smaller code of the two
    to_kato: str
    km: float
    sheet: str | None
    row: int
    from_text: str
    to_text: str


def validate_edges(
    file: str,
    sheets: Iterable[Sheet],
    settlements: set[str],
    resolve: Callable[[str], str],
    existing: dict[tuple[str, str], str] | None = None,
) -> tuple[list[Edge], list[Problem]]:
    """Edges of the file and every problem found.

    settlements: codes of the current settlements; resolve(name) -> code, raising AimaqError (unknown or
    ambiguous name) with the reason; existing: edges already in the network being extended ((a, b) with a < b ->
    where they came from), which the file must not repeat."""
    existing = existing or {}
    edges: list[Edge] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    resolved: dict[str, str | Exception] = {}

    def settlement(text: str) -> str:
        if text not in resolved:
            try:
                code = text if (text.isdigit() and len(text) == 9) else resolve(text)
                resolved[text] = code if code in settlements else AimaqError(
                    _("{code} is not a current settlement", code=code) if code != text
                    else _("unknown settlement code"))
            except AimaqError as exc:
                resolved[text] = exc
        out = resolved[text]
        if isinstance(out, Exception):
            raise out
        return out

    for sheet in sheets:
        header = [str(h).strip().lower() for h in sheet.header]
        missing = [c for c in ROAD_COLUMNS if c not in header]
        if missing:
            problems.append(Problem(file, sheet.name, 1, None, None,
                                    _("missing columns {columns}; expected {expected}", columns=", ".join(missing),
                                      expected=", ".join(ROAD_COLUMNS))))
            continue
        pos = {c: header.index(c) for c in ROAD_COLUMNS}
        for rownum, cells in sheet.rows:
            def cell(c):
                i = pos[c]
                v = cells[i] if i < len(cells) else None
                return None if v is None or str(v).strip() == "" else v

            def bad(c, v, reason):
                problems.append(Problem(file, sheet.name, rownum, column_letter(pos[c]),
                                        None if v is None else str(v), reason))

            ends = {}
            for c in ("from_kato", "to_kato"):
                raw = cell(c)
                if raw is None:
                    bad(c, None, _("required: a settlement's KATO code or name"))
                    continue
                text = str(raw).strip()
                if text.endswith(".0") and text[:-2].isdigit():      # a code typed as a number in a spreadsheet
                    text = text[:-2]
                try:
                    ends[c] = (settlement(text), text)
                except AimaqError as exc:
                    bad(c, text, _("unknown settlement: {reason}", reason=exc))
            raw_km = cell("km")
            km = None if raw_km is None else parse_number(raw_km)
            if km is None or not math.isfinite(km) or km <= 0:
                bad("km", raw_km, _("required: a positive number of km") if raw_km is None
                    else _("not a positive number of km"))
                km = None
            if len(ends) < 2:
                continue
            (a, a_text), (b, b_text) = ends["from_kato"], ends["to_kato"]
            where = _("row {row}", row=rownum) + (f" [{sheet.name}]" if sheet.name else "")
            if a == b:
                bad("to_kato", b_text, _("an edge from a settlement to itself ({code})", code=a))
                continue
            key = (min(a, b), max(a, b))
            if key in seen:
                bad("to_kato", b_text, _("duplicate edge {start}–{end} (first at {where})", start=key[0], end=key[1],
                                          where=seen[key]))
                continue
            if key in existing:
                bad("to_kato", b_text, _("edge {start}–{end} is already in the stored network ({where})", start=key[0],
                                          end=key[1], where=existing[key]))
                continue
            seen[key] = where
            if km is not None:
                f_text, t_text = (a_text, b_text) if a < b else (b_text, a_text)
                edges.append(Edge(key[0], key[1], km, sheet.name, rownum, f_text, t_text))
    if not edges and not problems:
        problems.append(Problem(file, None, None, None, None, _("no edges in the file")))
    return edges, problems
