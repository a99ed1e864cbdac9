"""Programme service: read the published observations and the catalogue, call the pure functions."""

from __future__ import annotations

import duckdb
import polars as pl

from aimaq.programmes.compute import auyl_table, diploma_table, kpi_frame
from aimaq.programmes.spec import KpiSpec, load_kpi_spec

_INDICATORS = ("diploma_lifting_allowance_recipients", "diploma_recipients_share_pct")


def published_observations(con: duckdb.DuckDBPyConnection, indicators: list[str] | None = None) -> pl.DataFrame:
    """Published (non-synthetic) observations with the place in the source each stands in."""
    where = ""
    params: list = []
    if indicators:
        where = f" AND o.indicator IN ({', '.join('?' * len(indicators))})"
        params = list(indicators)
    return con.execute(f"""
        SELECT o.kato, o.indicator, o.period, o.breakdown, o.value, o.flag, o.note, s.place
        FROM observation_latest o LEFT JOIN source s ON s.source_id = o.source_id
        WHERE NOT o.synthetic {where}
        ORDER BY o.kato, o.indicator, o.period, o.breakdown""", params).pl()


def programme_kpis(con: duckdb.DuckDBPyConnection, programme: str | None = None,
                   spec: KpiSpec | None = None) -> pl.DataFrame:
    """Programme KPIs: plan, fact and target per indicator and year; achieved and gap (see compute.kpi_frame)."""
    spec = spec or load_kpi_spec()
    codes = sorted({c for p in spec.programmes for c in p.indicators})
    obs = published_observations(con, codes)
    catalogue = con.execute("SELECT code, name_ru, unit, polarity FROM indicator").pl()
    return kpi_frame(obs, catalogue, spec, programme)


def diploma_summary(con: duckdb.DuckDBPyConnection, by: str = "region") -> pl.DataFrame:
    """With a Diploma to the Village: lifting-allowance recipients 2019–2023 by year, region or sphere, with
    shares recomputed from the counts beside the published shares."""
    obs = published_observations(con, list(_INDICATORS))
    regions = con.execute("SELECT kato, name_ru FROM territory WHERE level = 'region' AND valid_to IS NULL").pl()
    return diploma_table(obs, regions, by)


def auyl_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Auyl – El Besigi: projects by sphere, totals recomputed, financing per project."""
    obs = published_observations(con, ["projects_count", "projects_count_thousand", "financing_bn_kzt",
                                       "settlements_covered_thousand", "settlements_covered_count"])
    return auyl_table(obs)
