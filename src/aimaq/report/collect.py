"""Read everything the review needs from the database, through the jobs' service functions (the only I/O of the
report apart from writing files). The result is plain frames and dicts that `compose` turns into a document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from aimaq.errors import AimaqError

REVIEW_PUBLISHER = "АО «Институт экономических исследований»"
NEW_REGIONS = ("100000000", "330000000", "620000000")  # Абай, Жетісу, Ұлытау


@dataclass
class ReviewData:
    year: int
    events: pl.DataFrame
    new_regions: pl.DataFrame  # kato, name_ru, indicator, period, value, flag, place
    rating: dict[int, pl.DataFrame]  # year → show_rating(…, "published")
    rating_summary: dict[str, Any]
    riskmap: pl.DataFrame | None
    coverage_published: pl.DataFrame  # kato, name_ru, period, breakdown, value, flag
    coverage_computed: dict[int, pl.DataFrame]  # year → coverage_table(…, "region")
    coverage_country: dict[int, pl.DataFrame]  # year → coverage_table(…, "country")
    villages: pl.DataFrame | None
    diploma_spheres: pl.DataFrame  # sphere, period, value, kind
    diploma_regions: pl.DataFrame  # kato, name_ru, period, value, kind
    forecast: dict[str, Any] | None  # run, national, regional, comparison, pyramid
    flags: pl.DataFrame
    notes: list[str] = field(default_factory=list)
    # added with the monotown and programme jobs (empty frames / None when the database lacks them)
    kosshy: pl.DataFrame | None = None  # Table 1: indicator, name_ru (indicator), unit, period, value, flag
    monotowns: pl.DataFrame | None = None  # list_monotowns(con)
    monotown_classes: pl.DataFrame | None = None  # show_monotown(con)
    monotown_review: pl.DataFrame | None = None  # the review's section 1.4 observations (kato, name_ru, …)
    kpis: pl.DataFrame | None = None  # programme_kpis(con)
    diploma_shares: pl.DataFrame | None = None  # diploma_summary(con, "sphere")
    auyl: pl.DataFrame | None = None  # auyl_summary(con)
    # every figure the review publishes (kato, indicator, period, breakdown, value, flag, place), the registry's
    # names in three languages, the stored runs (methodology versions) and the sources, for the appendix
    published: pl.DataFrame | None = None
    names: Any = None  # report.names.Names
    runs: pl.DataFrame | None = None
    sources: pl.DataFrame | None = None
    indicator_names: dict[str, dict[str, str]] = field(default_factory=dict)  # code → {ru, kk, en}
    sphere_order: list[str] = field(default_factory=list)  # Table 4's columns in the published order


def _names(con) -> pl.DataFrame:
    return con.execute("SELECT kato, any_value(name_ru ORDER BY valid_to NULLS FIRST) AS name_ru FROM territory "
                       "GROUP BY kato").pl()


def review_observations(con: duckdb.DuckDBPyConnection, indicators: list[str]) -> pl.DataFrame:
    """The review's published figures for `indicators` (latest revisions), with territory names and places."""
    marks = ", ".join("?" * len(indicators))
    frame = con.execute(f"""
        SELECT o.kato, o.indicator, o.period, o.breakdown, o.value, o.flag, s.place
        FROM observation_latest o JOIN source s USING (source_id)
        WHERE s.publisher = ? AND o.indicator IN ({marks})
        ORDER BY o.indicator, o.kato, o.period, o.breakdown""", [REVIEW_PUBLISHER, *indicators]).pl()
    return frame.join(_names(con), on="kato", how="left")


def review_place_observations(con: duckdb.DuckDBPyConnection, place_prefix: str) -> pl.DataFrame:
    """The review's published figures whose place in the review starts with `place_prefix` (latest revisions)."""
    frame = con.execute("""
        SELECT o.kato, o.indicator, o.period, o.breakdown, o.value, o.flag, s.place, s.source_id
        FROM observation_latest o JOIN source s USING (source_id)
        WHERE s.publisher = ? AND s.place LIKE ? || '%'
        ORDER BY s.source_id, o.indicator, o.kato, o.period, o.breakdown""", [REVIEW_PUBLISHER, place_prefix]).pl()
    return frame.join(_names(con), on="kato", how="left", maintain_order="left")


def _breakdown(frame: pl.DataFrame, key: str) -> pl.Expr:
    return pl.col("breakdown").str.extract(rf"(?:^|;){key}=([^;]*)")


def collect(con: duckdb.DuckDBPyConnection, year: int = 2024) -> ReviewData:
    from aimaq.rating.service import rating_riskmap, rating_summary, show_rating
    from aimaq.territory.repository import events

    notes: list[str] = []
    rating: dict[int, pl.DataFrame] = {}
    for y in (year, year - 1, year - 2):
        try:
            rating[y] = show_rating(con, y, "published")
        except AimaqError as exc:
            if y == year:
                raise
            notes.append(f"рейтинг {y}: {exc}")
    summary = rating_summary(con, year, "published")
    try:
        riskmap = rating_riskmap(con, year)
    except AimaqError as exc:
        riskmap = None
        notes.append(f"карта рисков: {exc}")

    new_regions = review_observations(con, ["grp_bn_kzt", "grp_growth_pct", "budget_revenue_mln_kzt",
                                            "sme_active_growth_pct"]).filter(pl.col("kato").is_in(NEW_REGIONS))
    coverage_published = review_observations(con, ["srs_coverage_pct"])

    coverage_computed: dict[int, pl.DataFrame] = {}
    coverage_country: dict[int, pl.DataFrame] = {}
    from aimaq.standards.service import _latest_run, coverage_table
    from aimaq.standards.spec import load_catalogue

    catalogue = None
    for y in (year - 2, year - 1):
        try:
            catalogue = catalogue or load_catalogue()
            if _latest_run(con, y, catalogue) is None:  # never compute inside a report: show what is stored
                notes.append(f"обеспеченность СРС {y}: расчёт в базе отсутствует")
                continue
            coverage_computed[y] = coverage_table(con, y, "region")
            coverage_country[y] = coverage_table(con, y, "country")
        except AimaqError as exc:
            notes.append(f"обеспеченность СРС {y}: {exc}")

    try:
        from aimaq.rural.service import show_villages

        villages = show_villages(con)
    except AimaqError as exc:
        villages = None
        notes.append(f"сёла с потенциалом: {exc}")

    diploma = review_observations(con, ["diploma_lifting_allowance_recipients"])
    diploma = diploma.with_columns(sphere=_breakdown(diploma, "sphere"), kind=_breakdown(diploma, "kind"))
    spheres = diploma.filter(pl.col("kato") == "000000000", pl.col("sphere").is_not_null(),
                             pl.col("kind").is_null() | (pl.col("kind") == "total"))
    regions = diploma.filter(pl.col("kato") != "000000000", pl.col("sphere").is_null(),
                             pl.col("kind").is_null() | (pl.col("kind") == "total"))
    regions = pl.concat([regions, diploma.filter(pl.col("kato") == "000000000", pl.col("kind") == "total",
                                                 pl.col("sphere").is_null())])

    forecast = _forecast(con, notes)
    flags = con.execute("""
        SELECT o.kato, o.indicator, o.period, o.breakdown, o.value, o.flag, s.publisher, s.title, s.place
        FROM observation_latest o LEFT JOIN source s USING (source_id)
        WHERE o.flag IS NOT NULL AND o.flag <> ''
        ORDER BY s.publisher = ? DESC, s.title, s.place, o.indicator, o.kato, o.period""", [REVIEW_PUBLISHER]).pl().join(
        _names(con), on="kato", how="left", maintain_order="left")
    data = ReviewData(year=year, events=events(con), new_regions=new_regions, rating=rating,
                      rating_summary=summary, riskmap=riskmap, coverage_published=coverage_published,
                      coverage_computed=coverage_computed, coverage_country=coverage_country, villages=villages,
                      diploma_spheres=spheres, diploma_regions=regions, forecast=forecast, flags=flags, notes=notes)
    _programmes_and_monotowns(con, data)
    _published_names_runs(con, data)
    return data


def _published_names_runs(con: duckdb.DuckDBPyConnection, data: ReviewData) -> None:
    from aimaq.report.names import Names
    from aimaq.store.catalogue import runs

    data.published = review_place_observations(con, "")
    data.names = Names.from_frame(con.execute(
        "SELECT kato, arg_max(kind, valid_from) AS kind, arg_max(name_ru, valid_from) AS name_ru, "
        "arg_max(name_kk, valid_from) AS name_kk, arg_max(name_en, valid_from) AS name_en FROM territory "
        "GROUP BY kato").pl())
    data.runs = runs(con)
    data.sphere_order = _shipped_breakdown_order("table4_diploma_spheres.csv", "sphere")
    data.indicator_names = {code: {"ru": ru, "kk": kk or ru, "en": en or code}
                            for code, ru, kk, en in con.execute(
                                "SELECT code, name_ru, name_kk, name_en FROM indicator").fetchall()}
    data.sources = con.execute("""
        SELECT s.publisher, s.title, s.licence, count(o.indicator) AS observations,
               bool_or(coalesce(o.synthetic, false)) AS synthetic
        FROM source s LEFT JOIN observation_latest o USING (source_id)
        GROUP BY s.publisher, s.title, s.licence ORDER BY s.publisher = ? DESC, observations DESC, s.title""",
        [REVIEW_PUBLISHER]).pl()


def _shipped_order(name: str) -> pl.DataFrame:
    """indicator → its first row in the shipped review CSV (the order of the review's table)."""
    from aimaq.data import data_path

    try:
        codes = pl.read_csv(data_path("review", name), infer_schema_length=None)["indicator"].to_list()
    except (OSError, AimaqError):
        codes = []
    order = list(dict.fromkeys(codes))
    return pl.DataFrame({"indicator": order, "order": list(range(len(order)))},
                        schema={"indicator": pl.Utf8, "order": pl.Int64})


def _shipped_breakdown_order(name: str, key: str) -> list[str]:
    """The values of breakdown `key` in the order the shipped review CSV lists them (the published column order)."""
    from aimaq.data import data_path

    try:
        frame = pl.read_csv(data_path("review", name), infer_schema_length=None)
    except (OSError, AimaqError):
        return []
    values = frame["breakdown"].fill_null("").str.extract(rf"(?:^|;){key}=([^;]*)").drop_nulls().to_list()
    return list(dict.fromkeys(values))


def _try(notes: list[str], what: str, fn, *args):
    try:
        return fn(*args)
    except AimaqError as exc:
        notes.append(f"{what}: {exc}")
        return None


def _programmes_and_monotowns(con: duckdb.DuckDBPyConnection, data: ReviewData) -> None:
    """Table 1 (Kosshy), the monotown registry and classification, the review's section 1.4 figures, programme
    KPIs, the Diploma shares and the Auyl summary — each optional (a missing part becomes a note)."""
    from aimaq.monotowns import list_monotowns, show_monotown
    from aimaq.programmes import auyl_summary, diploma_summary, programme_kpis

    notes = data.notes
    kosshy = review_place_observations(con, "Таблица 1 (раздел 1.2)")
    if kosshy.height:
        cat = con.execute("SELECT code AS indicator, name_ru AS indicator_ru, unit FROM indicator").pl()
        kosshy = kosshy.join(cat, on="indicator", how="left").with_columns(
            row_label=pl.col("place").str.extract(r"строка «(.*?)»"))
        data.kosshy = kosshy.join(_shipped_order("table1_kosshy.csv"), on="indicator", how="left").sort(
            "order", "period", nulls_last=True)
    else:
        notes.append("таблица 1 (Косшы): опубликованные значения в базе отсутствуют")
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'monotown'").fetchone()[0]:
        data.monotowns = _try(notes, "моногорода", list_monotowns, con)
        data.monotown_classes = _try(notes, "классификация моногородов", show_monotown, con)
    else:
        notes.append("моногорода: реестр в базе отсутствует")
    data.monotown_review = review_place_observations(con, "Раздел 1.4")
    data.kpis = _try(notes, "показатели программ", programme_kpis, con)
    data.diploma_shares = _try(notes, "«С Дипломом в село», доли", diploma_summary, con, "sphere")
    data.auyl = _try(notes, "«Ауыл – Ел бесігі»", auyl_summary, con)


def _forecast(con, notes: list[str]) -> dict[str, Any] | None:
    from aimaq.demography.repository import NoForecastRun, find_run, load_comparison, load_population, load_results

    try:
        run = find_run(con)
    except NoForecastRun as exc:
        notes.append(f"прогноз: {exc}")
        return None
    results = load_results(con, run["run_id"])
    base, to = int(run["base_year"]), min(int(run["to_year"]), 2030)
    pop = load_population(con, run["run_id"])
    pyramid = (pop.filter(pl.col("year").is_in([base, to]))
               .group_by("year", "sex", "age").agg(pl.col("population").sum()).sort("year", "sex", "age"))
    return {"run": {k: v for k, v in run.items() if k not in ("assumptions",)}, "results": results,
            "comparison": load_comparison(con, run["run_id"]), "pyramid": pyramid, "base_year": base, "to_year": to}
