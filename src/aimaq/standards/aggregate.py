"""Aggregation of settlement coverage to districts, regions, cities/villages and the country; changes; anomalies.

The headline figure of a territory is the UNWEIGHTED mean of its settlements' coverage (the review's national
64.7% is the mean over settlements: with ~90 towns at 88.6% and ~6,300 villages at 64.3% the mean is dominated
by villages); the population-weighted mean is given beside it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from aimaq.errors import ComputationError, SpecError
from aimaq.i18n import _

COUNTRY_KATO = "000000000"
LEVELS = ("country", "region", "district", "settlement")
GROUPS = ("all", "cities", "villages")


def load_analysis_spec(version: str = "1") -> dict:
    path = Path(str(resources.files("aimaq.specs") / "standards" / f"analysis_v{version}.yaml"))
    if not path.exists():
        raise SpecError(_("no standards analysis spec v{version}", version=version))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def region_code(kato: pl.Expr) -> pl.Expr:
    return kato.str.slice(0, 2) + pl.lit("0000000")


def _key(level: str) -> pl.Expr:
    if level == "country":
        return pl.lit(COUNTRY_KATO)
    if level == "region":
        return pl.col("region_kato")
    if level == "district":
        return pl.col("district_kato")
    if level == "settlement":
        return pl.col("settlement_kato")
    raise ComputationError(_("unknown level «{level}»; expected one of {levels}", level=level,
                                   levels=", ".join(LEVELS)))


def aggregate_coverage(cov: pl.DataFrame, level: str, groups: tuple[str, ...] = ("all",),
                       value: str = "coverage_pct") -> pl.DataFrame:
    """Mean coverage per territory of `level`: unweighted over settlements, and population-weighted.

    cov: one row per assessed unit with kato, settlement_kato, weight, region_kato, district_kato, population,
    is_city and `value` (a settlement is one unit of weight 1; a republican city is k units of weight 1/k, so it
    still counts once). Output: level, kato, group, n_settlements, population, coverage_pct,
    coverage_pct_popweighted."""
    if "settlement_kato" not in cov.columns:
        cov = cov.with_columns(settlement_kato=pl.col("kato"))
    if "weight" not in cov.columns:
        cov = cov.with_columns(weight=pl.lit(1.0))
    if cov[value].null_count() or cov[value].is_nan().any():
        raise ComputationError(_("{column}: missing values in settlement coverage", column=value))
    parts = []
    for group in groups:
        frame = cov
        if group == "cities":
            frame = cov.filter(pl.col("is_city"))
        elif group == "villages":
            frame = cov.filter(~pl.col("is_city"))
        elif group != "all":
            raise ComputationError(_("unknown group «{group}»; expected one of {groups}", group=group,
                                       groups=", ".join(GROUPS)))
        if frame.is_empty():
            continue
        out = (
            frame.group_by(_key(level).alias("kato"))
            .agg(
                n_settlements=pl.col("settlement_kato").n_unique(),
                population=pl.col("population").sum(),
                coverage_pct=(pl.col(value) * pl.col("weight")).sum() / pl.col("weight").sum(),
                _wsum=(pl.col(value) * pl.col("population")).sum(),
            )
            .with_columns(level=pl.lit(level), group=pl.lit(group))
        )
        zero = out.filter(pl.col("population") <= 0)
        if zero.height:
            raise ComputationError(_("population-weighted mean undefined: zero population in {codes}",
                                     codes=", ".join(zero["kato"].to_list()[:5])))
        parts.append(out.with_columns(coverage_pct_popweighted=pl.col("_wsum") / pl.col("population")).drop("_wsum"))
    if not parts:
        raise ComputationError(_("no settlements to aggregate"))
    return pl.concat(parts).select(
        "level", "kato", "group", "n_settlements", "population", "coverage_pct", "coverage_pct_popweighted"
    ).sort(["group", "kato"])


def direction_table(cov: pl.DataFrame, directions: list[str], applicable: np.ndarray, met: np.ndarray,
                    level: str) -> pl.DataFrame:
    """Coverage by direction: per settlement met/applicable × 100 within the direction, then the unweighted and
    population-weighted means over the settlements of each territory where the direction applies."""
    rows = []
    for d, code in enumerate(directions):
        has = applicable[:, d] > 0
        if not has.any():
            continue
        sub = cov.filter(pl.Series(has)).with_columns(
            _pct=pl.Series(100.0 * met[has, d] / applicable[has, d]))
        agg = aggregate_coverage(sub, level, value="_pct").with_columns(direction=pl.lit(code))
        rows.append(agg)
    return pl.concat(rows).select("level", "kato", "direction", "n_settlements", "coverage_pct",
                                  "coverage_pct_popweighted").sort(["kato", "direction"])


def add_change(current: pl.DataFrame, previous: pl.DataFrame | None, key: tuple[str, ...] = ("level", "kato", "group")
               ) -> pl.DataFrame:
    """change_pp = coverage_pct − previous coverage_pct (null where the territory has no previous value)."""
    if previous is None or previous.is_empty():
        return current.with_columns(coverage_pct_prev=pl.lit(None, dtype=pl.Float64),
                                    change_pp=pl.lit(None, dtype=pl.Float64))
    prev = previous.select(*key, coverage_pct_prev=pl.col("coverage_pct"))
    return current.join(prev, on=list(key), how="left").with_columns(
        change_pp=pl.col("coverage_pct") - pl.col("coverage_pct_prev"))


def flag_anomalies(frame: pl.DataFrame, spec: dict | None = None, level_col: str = "level") -> pl.DataFrame:
    """Flag implausible year-on-year changes (kept as they are, never smoothed).

    anomaly = |change_pp| > the level's threshold, or a robust z-score of the change within its level above
    the spec's bound. Adds columns anomaly (bool) and anomaly_reason."""
    spec = spec or load_analysis_spec()
    limits = spec["anomaly_abs_change_pp"]
    zmax = float(spec["anomaly_robust_z"])
    if "change_pp" not in frame.columns:
        raise ComputationError(_("flag_anomalies needs a change_pp column"))
    out = []
    for (lvl,), part in frame.group_by([level_col], maintain_order=True):
        limit = float(limits.get(lvl, np.inf))
        change = part["change_pp"].to_numpy().astype(float)
        finite = np.isfinite(change)
        z = np.zeros_like(change)
        if finite.sum() >= 5:
            med = np.median(change[finite])
            mad = 1.4826 * np.median(np.abs(change[finite] - med))
            if mad > 0:
                z[finite] = (change[finite] - med) / mad
        big = finite & (np.abs(change) > limit)
        outlier = finite & (np.abs(z) > zmax)
        reason = np.where(big, f"|Δ| > {limit:g} п.п.", np.where(outlier, f"robust z > {zmax:g}", None))
        out.append(part.with_columns(anomaly=pl.Series(big | outlier),
                                     anomaly_reason=pl.Series(reason.tolist(), dtype=pl.Utf8)))
    return pl.concat(out)
