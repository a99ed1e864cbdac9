"""A regional series shown on the boundaries of a chosen year. Today's regions are the atoms: every region
version is a union of atoms (East Kazakhstan before 2022 = East Kazakhstan + Abai today). A target region's value
is the sum of observations that tile it exactly — possible for additive indicators only; a region that must be
split is rebuilt from district data where the database has it, and otherwise the output says it cannot."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from aimaq.i18n import _, ngettext
from aimaq.ingest.units import COUNT_UNITS
from aimaq.store.observations import observations_sql
from aimaq.territory.registry import PRE_REFORM_PARTS

ADDITIVE_UNITS = COUNT_UNITS | {"mln_kzt", "bn_kzt", "trn_kzt", "kzt"}


def atoms(kato: str, valid_to: dt.date | None) -> frozenset[str]:
    return frozenset(PRE_REFORM_PARTS.get((kato, valid_to), [kato]))


def series_on_boundaries(con: duckdb.DuckDBPyConnection, indicator: str, year: int | None,
                         level: str = "region", *, max_revision: int | None = None,
                         as_of_import: int | None = None) -> tuple[pl.DataFrame, list[str]]:
    from aimaq.store.catalogue import resolve_indicator

    indicator = resolve_indicator(con, indicator)  # a code or a name; an unknown one comes with suggestions
    unit = con.execute("SELECT unit FROM indicator WHERE code = ?", [indicator]).fetchone()
    obs = con.execute(f"""
        SELECT o.kato, t.name_ru AS territory, o.period, o.value, o.revision, o.flag, t.valid_from, t.valid_to
        FROM {observations_sql(max_revision=max_revision, as_of_import=as_of_import)} o
             JOIN territory t ON t.kato = o.kato AND t.level = ?
             AND t.valid_from <= make_date(CAST(left(o.period, 4) AS INTEGER), 12, 31)
             AND (t.valid_to IS NULL OR t.valid_to >= make_date(CAST(left(o.period, 4) AS INTEGER), 1, 1))
        WHERE o.indicator = ? AND o.breakdown = ''
        QUALIFY row_number() OVER (PARTITION BY o.kato, o.period ORDER BY t.valid_from DESC) = 1
        ORDER BY o.period, o.kato""", [level, indicator]).pl()
    if year is None or level != "region":
        notes = [] if year is None else [_("boundaries are rebased for regions only")]
        return obs.select("kato", "territory", "period", "value", "revision", "flag"), notes
    at = dt.date(year, 7, 1)
    targets = con.execute("SELECT kato, name_ru, valid_to FROM territory WHERE level = 'region' AND valid_from <= ? "
                          "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY kato", [at, at]).fetchall()
    additive = unit[0] in ADDITIVE_UNITS
    rows, notes = [], []
    for period, group in obs.group_by("period", maintain_order=True):
        period = period[0]
        pieces = [(atoms(r["kato"], r["valid_to"]), r) for r in group.iter_rows(named=True)]
        for kato, name, valid_to in targets:
            want = atoms(kato, valid_to)
            exact = [r for a, r in pieces if a == want]
            if exact:
                rows.append({"kato": kato, "territory": name, "period": period, "value": exact[0]["value"],
                             "flag": exact[0]["flag"], "how": _("as published")})
                continue
            inside = [(a, r) for a, r in pieces if a < want]
            covered = frozenset().union(*(a for a, _ in inside)) if inside else frozenset()
            if covered == want and additive:
                rows.append({"kato": kato, "territory": name, "period": period,
                             "value": sum(r["value"] for _, r in inside), "flag": None,
                             "how": _("sum of {parts}", parts=" + ".join(sorted(r["territory"] for _a, r in inside)))})
                continue
            value = _from_districts(con, indicator, period, want) if additive else None
            if value is not None:
                rows.append({"kato": kato, "territory": name, "period": period, "value": value, "flag": None,
                             "how": _("sum of district data")})
                continue
            rows.append({"kato": kato, "territory": name, "period": period, "value": None, "flag": None,
                         "how": _("cannot: the indicator does not add up") if not additive and covered == want
                         else _("cannot: published for a larger region; no district data to split it")})
    frame = pl.DataFrame(rows, schema={"kato": pl.Utf8, "territory": pl.Utf8, "period": pl.Utf8,
                                       "value": pl.Float64, "flag": pl.Utf8, "how": pl.Utf8})
    missing = frame.filter(pl.col("value").is_null())
    if missing.height:
        notes.append(ngettext("{n} region-period value cannot be shown on the {year} boundaries ({periods}); "
                              "see column 'how'",
                              "{n} region-period values cannot be shown on the {year} boundaries ({periods}); "
                              "see column 'how'", missing.height, year=year,
                              periods=", ".join(sorted(set(missing["period"])))))
    return frame, notes


def _from_districts(con, indicator: str, period: str, want: frozenset[str]) -> float | None:
    prefixes = [k[:2] for k in want]
    rows = con.execute(f"""
        SELECT left(kato, 2) AS region, sum(value) FROM observation_latest
        WHERE indicator = ? AND period = ? AND breakdown = '' AND kato IN (
            SELECT kato FROM territory WHERE level = 'district')
          AND left(kato, 2) IN ({', '.join('?' for _ in prefixes)})
        GROUP BY 1""", [indicator, period, *prefixes]).fetchall()
    if {r[0] for r in rows} != set(prefixes):
        return None
    return float(sum(r[1] for r in rows))
