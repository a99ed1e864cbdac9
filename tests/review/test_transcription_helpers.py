"""Shared readers for the transcription tests (csv module only, values kept as published strings)."""
from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "src" / "aimaq" / "data" / "review"
SHARED = Path(__file__).resolve().parents[1] / "shared_data"  # copied from ../shared/data (see its README)
OBS_COLUMNS = ["place", "territory", "indicator", "period", "value", "unit", "breakdown", "flag", "note"]
OBS_FILES = sorted(
    p.stem for p in DATA.glob("*.csv")
    if p.stem not in {"indicators", "monotowns_list", "named_places", "territories"}
)


def read(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(name: str) -> list[str]:
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def bd(row: dict[str, str]) -> dict[str, str]:
    """Parse the breakdown column ("k=v;k2=v2") into a dict."""
    if not row["breakdown"]:
        return {}
    return dict(kv.split("=", 1) for kv in row["breakdown"].split(";"))


def num(row: dict[str, str]) -> float:
    return float(row["value"])


def pick(rows, **crit):
    """Rows matching column values; breakdown keys given as bd_<key>."""
    out = []
    for r in rows:
        b = bd(r)
        ok = True
        for k, v in crit.items():
            if k.startswith("bd_"):
                if b.get(k[3:]) != v:
                    ok = False
            elif r[k] != v:
                ok = False
        if ok:
            out.append(r)
    return out


def one(rows, **crit) -> dict[str, str]:
    m = pick(rows, **crit)
    assert len(m) == 1, (crit, len(m))
    return m[0]
