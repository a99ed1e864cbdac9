"""The pages the ministry opens: dashboard (/), region, settlement, monotown and programme pages, the village map
(/map) and the offline API docs (/docs, /redoc), with the few JSON endpoints only these pages use.

Pages are server-rendered Jinja templates; every text goes through the message catalogue (`web.po`) in the
language of `?lang=` (kept in a cookie), every number through `format_number`. Each page is built by one function
that reads the jobs' services and returns its context; every table in it is a `Table`, and the same builder serves
the table's CSV and XLSX download (`…/tables/NAME.csv|xlsx`), so a download always equals the page."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Callable

import duckdb
import polars as pl
from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response

from aimaq.export.values import POTENTIAL, ROLE as ROLES  # the one map of these codes
from aimaq.errors import AimaqError, AmbiguousNameError, UnknownNameError
from aimaq.i18n import LANGUAGES, N_, _, format_number, normalise_language, use_language
from aimaq.web.app import Con
from aimaq.web.assets import asset_response, asset_url

router = APIRouter(include_in_schema=False)

COUNTRY = "000000000"
REVIEW = N_("Review «Regional progress: key achievements in three years» (2024)")
LANG_COOKIE = "aimaq_lang"


# --- tables ----------------------------------------------------------------------------------------------------
@dataclass
class Column:
    code: str          # the column of the frame (and of the CSV/XLSX)
    heading: str       # shown on the page (already translated)
    kind: str = "text"  # text | int | num1 | num2 | pct | link | bool
    link: str = ""     # for kind=link: a URL template with {kato}-like fields of the row


@dataclass
class Table:
    name: str
    title: str
    frame: pl.DataFrame
    columns: list[Column]
    source: str = ""
    synthetic: bool = False
    sortable: bool = False
    note: str = ""

    def cells(self) -> list[list[dict]]:
        """Rows of display cells: text in the page's language and the raw value to sort by."""
        out = []
        for row in self.frame.iter_rows(named=True):
            cells = []
            for c in self.columns:
                value = row.get(c.code)
                cells.append({"text": cell_text(value, c.kind), "sort": _sort_key(value),
                              "href": c.link.format(**row) if c.kind == "link" and value is not None else "",
                              "num": c.kind in ("int", "num1", "num2", "pct")})
            out.append(cells)
        return out


def cell_text(value, kind: str = "text") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if kind == "int":
        return format_number(round(value), 0)
    if kind in ("num1", "pct"):
        return format_number(value, 1)
    if kind == "num2":
        return format_number(value, 2)
    if kind == "bool" or isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _sort_key(value):
    if value is None or isinstance(value, bool):
        return "" if value is None else int(value)
    return value if isinstance(value, (int, float)) else str(value)


def _download(table: Table, fmt: str, stem: str) -> Response:
    """The table as the rest of the system writes tables (`aimaq.export`): CSV with the column codes (UTF-8,
    decimal point), XLSX with the page's headings in its language and the sheet of sources and methodology."""
    from aimaq.export import csv_text, xlsx_bytes
    from aimaq.web.formats import MEDIA_TYPES

    shown = [c for c in table.columns if c.code in table.frame.columns]
    frame = table.frame.select([c.code for c in shown])
    synthetic = bool(table.synthetic)
    if "synthetic" in table.frame.columns:
        synthetic = synthetic or bool(table.frame["synthetic"].any())
        if "synthetic" not in frame.columns:
            frame = frame.with_columns(table.frame["synthetic"])
    elif "synthetic" not in frame.columns:
        frame = frame.with_columns(synthetic=pl.lit(synthetic))
    name = f"{stem}_{table.name}"
    if fmt == "csv":
        content = csv_text(frame).encode("utf-8")
    else:
        headings: dict[str, str] = {}
        for c in shown:   # the page's headings; a heading shown twice keeps its code beside it
            text = c.heading if c.heading not in headings.values() else f"{c.heading} ({c.code})"
            headings[c.code] = text
        meta = {"title": table.title, "synthetic": synthetic, "sources": [table.source] if table.source else [],
                "notes": [table.note] if table.note else []}
        content = xlsx_bytes([(table.title, frame.rename(headings))], meta)
    return Response(content, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@functools.lru_cache(maxsize=4)
def _hyphenator(lang: str):
    import pyphen

    # pyphen has no Kazakh dictionary; the Russian patterns break Kazakh Cyrillic at syllables well enough
    # (Қам-та-ма-сыз, Орын-дал-ды) and never inside a letter
    return pyphen.Pyphen(lang={"ru": "ru_RU", "kk": "ru_RU", "en": "en_US"}[lang])


def soft_hyphens(text: str, longer_than: int = 7) -> str:
    """Soft hyphens in the long words of a heading (pyphen's dictionaries), so that on a phone «Обеспеченность, %»
    breaks as «Обес-пе-чен-ность» and a short table fits the screen instead of hiding its last column. The text
    looks the same wherever it fits."""
    from aimaq.i18n import get_language

    lang = get_language()
    if lang not in ("ru", "kk", "en"):
        return text
    words = re.split(r"(\w+)", text)
    hyph = _hyphenator(lang)
    return "".join(hyph.inserted(w, hyphen="\u00ad") if len(w) > longer_than and w.isalpha() else w for w in words)


# --- rendering -------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("aimaq.web", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(_=_, format_number=format_number, LANGUAGES=LANGUAGES, asset=asset_url)
    env.filters["num"] = lambda v, d=None: "—" if v is None else format_number(v, d)
    env.filters["cell"] = cell_text
    env.filters["soft_hyphens"] = soft_hyphens
    env.filters["signed"] = lambda v, d=1: "—" if v is None else ("+" if v > 0 else "") + format_number(v, d)
    return env


def page_language(request: Request) -> str:
    """?lang= first, then the cookie, then Russian."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value:
            try:
                return normalise_language(value)
            except AimaqError:
                continue
    return "ru"


def render(request: Request, template: str, build: Callable[[], dict], status: int = 200) -> HTMLResponse:
    lang = page_language(request)
    with use_language(lang):
        try:
            context = build()
        except (UnknownNameError, AmbiguousNameError) as exc:
            context, template, status = {"title": _("Not found"), "message": str(exc)}, "error.html", 404
        switch = {}
        for code in LANGUAGES:  # relative links: the same page and query in another language
            url = request.url.include_query_params(lang=code)
            switch[code] = f"{url.path}?{url.query}"
        html = _environment().get_template(template).render(lang=lang, switch=switch, path=request.url.path,
                                                           **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def download(request: Request, build: Callable[[], dict], filename: str, stem: str) -> Response:
    name, _dot, fmt = filename.rpartition(".")
    with use_language(page_language(request)):
        tables = {t.name: t for t in build()["tables"]}
    if fmt not in ("csv", "xlsx") or name not in tables:
        return JSONResponse(status_code=404, content={
            "detail": f"no table {filename!r}; tables: {', '.join(f'{n}.csv|xlsx' for n in tables)}"})
    return _download(tables[name], fmt, stem)


# --- small readers ---------------------------------------------------------------------------------------------
def local_name(row: dict) -> str:
    """The territory's name in the page's language (Kazakh and English names from the registry)."""
    from aimaq.i18n import get_language

    lang = get_language()
    if lang == "kk" and row.get("name_kk"):
        return row["name_kk"]
    if lang == "en" and row.get("name_en"):
        return row["name_en"]
    return row.get("name_ru") or ""


def observation(con, kato: str, indicator: str, breakdown: str = "", period: str | None = None,
                before: str | None = None) -> dict | None:
    """One observation (latest revision): the period given, or the latest period up to `before`; with its source."""
    sql = """SELECT o.period, o.value, o.synthetic, s.publisher, s.title, s.place
             FROM observation_latest o LEFT JOIN source s USING (source_id)
             WHERE o.kato = ? AND o.indicator = ? AND o.breakdown = ? AND o.value IS NOT NULL"""
    params: list = [kato, indicator, breakdown]
    if period:
        sql += " AND o.period = ?"
        params.append(period)
    if before:
        sql += " AND o.period < ?"
        params.append(before)
    row = con.execute(sql + " ORDER BY o.period DESC LIMIT 1", params).fetchone()
    if row is None:
        return None
    return dict(zip(("period", "value", "synthetic", "publisher", "title", "place"), row))


def _source(obs: dict | None) -> str:
    if not obs:
        return ""
    return ", ".join(x for x in (obs.get("publisher"), obs.get("title")) if x)


def _territory(con, kato: str, level: str | None = None) -> dict:
    """Today's version of a territory given by code or by any name the registry resolves."""
    from aimaq.territory.repository import load_name_index

    code = kato.strip()
    if not (code.isdigit() and len(code) == 9):
        code = load_name_index(con, (level,) if level else None).resolve(kato, level=level).kato
    found = con.execute("SELECT * FROM territory WHERE kato = ? ORDER BY valid_to IS NULL DESC, valid_from DESC "
                        "LIMIT 1", [code]).pl()
    if found.is_empty() or (level and found["level"][0] != level):
        raise UnknownNameError(level or "territory", kato, [])
    return found.row(0, named=True)


def _try(fn, *args, **kwargs):
    """A part of a page that the database may lack (no run yet): None, and the page says so."""
    try:
        return fn(*args, **kwargs)
    except (AimaqError, duckdb.Error):
        return None


_CACHE: dict = {}


def cached(pool, key: tuple, compute: Callable):
    """`compute()` once per data version (`Pool.version`: the file's state, or PostgreSQL's log position): the slow
    parts shared by every page (series on other boundaries, the standards' evaluation, the rating's Monte Carlo
    band, the map's layers)."""
    full = (str(pool.target), pool.version(), key)
    if full not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[full] = compute()
    return _CACHE[full]


def _rating_band(con, pool, year: int) -> pl.DataFrame | None:
    """Rank and score intervals of the computed rating (Monte Carlo, 100 draws, fixed seed): seconds, so once."""
    from aimaq.rating.service import rating_uncertainty

    return cached(pool, ("rating_band", year), lambda: _try(rating_uncertainty, con, year, 100, seed=2024))


# --- dashboard -------------------------------------------------------------------------------------------------
def _tile(title: str, value, decimals: int, unit: str, change=None, change_unit: str = "", period: str = "",
          source: str = "", synthetic: bool = False, extra: str = "", tile_id: str = "") -> dict:
    return {"id": tile_id, "title": title, "value": "—" if value is None else format_number(value, decimals),
            "unit": unit, "change": None if change is None else
            ("+" if change > 0 else "") + format_number(change, decimals) + change_unit,
            "down": change is not None and change < 0, "period": period, "source": source, "synthetic": synthetic,
            "extra": extra}


def dashboard_context(con, pool, year: int) -> dict:
    from aimaq.rating.service import rating_summary, show_rating

    tiles = []
    pop = observation(con, COUNTRY, "population", before=str(year + 1))
    prev = observation(con, COUNTRY, "population", before=pop["period"]) if pop else None
    tiles.append(_tile(_("Population"), pop and pop["value"], 0, _("people"),
                       pop and prev and pop["value"] - prev["value"], period=pop and pop["period"] or "",
                       source=_source(pop), synthetic=bool(pop and pop["synthetic"]), tile_id="population"))
    summary = _try(rating_summary, con, year, "published")
    tiles.append(_tile(_("Quality-of-life rating of cities, mean score"), summary and summary["mean"], 2,
                       _("of 10"), summary and summary.get("mean_change_points"), period=str(year),
                       source=_(REVIEW) + ", " + _("Table 2"), tile_id="rating"))
    cov = observation(con, COUNTRY, "srs_coverage_pct", "aggregate=все населенные пункты", before=str(year + 1))
    cov_prev = observation(con, COUNTRY, "srs_coverage_pct", "aggregate=все населенные пункты",
                           before=cov["period"]) if cov else None
    tiles.append(_tile(_("Coverage by the regional standards"), cov and cov["value"], 1, "%",
                       cov and cov_prev and cov["value"] - cov_prev["value"], _(" pp"), cov and cov["period"] or "",
                       _(REVIEW) + ", " + _("section 1.8"), bool(cov and cov["synthetic"]), tile_id="coverage"))
    vil = observation(con, COUNTRY, "villages_count_thousand", "aggregate=СНП с потенциалом развития",
                      before=str(year + 1))
    from aimaq.rural.service import show_villages

    computed = _try(show_villages, con)
    extra = ""
    if computed is not None and computed.height:
        extra = _("Aimaq: {n} villages on synthetic data", n=format_number(computed["with_potential"][0], 0))
    tiles.append(_tile(_("Villages with development potential"), vil and vil["value"], 1, _("thousand"),
                       period=vil and vil["period"] or "", source=_(REVIEW) + ", " + _("section 1.6"),
                       synthetic=False, extra=extra, tile_id="villages") | {"extra_synthetic": bool(extra)})
    kpis = _programme_kpi_frame(con)
    if kpis is not None:
        judged = kpis.filter(pl.col("achieved").is_not_null())
        met = int(judged["achieved"].sum()) if judged.height else 0
        tiles.append({**_tile(_("Programme KPIs: plan vs fact"), None, 0, ""), "value": f"{met} / {judged.height}",
                      "unit": _("achieved"), "source": _(REVIEW), "id": "kpi",
                      "extra": _("{n} indicators with a target for later years",
                                 n=kpis.filter(pl.col("target").is_not_null())["indicator"].n_unique())})

    tables, charts = [], {}
    rating = _try(show_rating, con, year, "published")
    if rating is not None:
        band = _rating_band(con, pool, year)
        if band is not None:
            rating = rating.join(band.select("kato", "rank_q5", "rank_q95", "score_q5", "score_q95"), on="kato",
                                 how="left")
            rating = rating.with_columns(
                synthetic=pl.lit(True),  # the band column rests on the synthetic inputs
                rank_band=pl.format("{}–{}", pl.col("rank_q5").cast(pl.Int64), pl.col("rank_q95").cast(pl.Int64)))
        cols = [Column("rank", "№", "int"), Column("city", _("City"), "text"),
                Column("score", _("Score"), "num2"), Column("previous", _("Previous year"), "num2"),
                Column("change_points", _("Change, points"), "num2"), Column("change_pct", _("Change, %"), "num1")]
        if band is not None:
            cols.append(Column("rank_band", _("Rank, 90% interval"), "text"))
        tables.append(Table("rating", _("City quality-of-life rating {year}", year=year), rating, cols,
                            _(REVIEW) + ", " + _("Table 2"), synthetic=band is not None, sortable=True,
                            note=_("The rank interval comes from 100 Monte Carlo draws of the rating's weights and "
                                   "survey on synthetic inputs calibrated to Table 2.") if band is not None else ""))

    by_region = con.execute("""
        SELECT o.kato, t.name_ru, t.name_kk, t.name_en, o.period, o.value, o.synthetic
        FROM observation_latest o JOIN territory t ON t.kato = o.kato AND t.valid_to IS NULL AND t.level = 'region'
        WHERE o.indicator = 'srs_coverage_pct' AND o.breakdown = '' AND o.value IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY o.kato ORDER BY o.period DESC) = 1
        ORDER BY o.value DESC""").pl()
    regions = con.execute("SELECT kato, name_ru, name_kk, name_en FROM territory WHERE level = 'region' "
                          "AND valid_to IS NULL ORDER BY kato").pl()
    full = regions.join(by_region.select("kato", "period", "value", "synthetic"), on="kato", how="left")
    full = full.with_columns(name=pl.Series([local_name(r) for r in full.iter_rows(named=True)], dtype=pl.Utf8))
    cov_table = full.sort("value", descending=True, nulls_last=True)
    tables.append(Table("coverage_by_region", _("Coverage by the regional standards by region, %"),
                        cov_table, [Column("name", _("Region"), "link", "/region/{kato}"),
                                    Column("period", _("Year"), "text"), Column("value", _("Coverage, %"), "pct")],
                        _(REVIEW) + ", " + _("section 1.8"), synthetic=bool(by_region["synthetic"].any())))
    charts["coverage"] = [{"kato": r["kato"], "name": r["name"], "value": r["value"], "period": r["period"]}
                          for r in cov_table.iter_rows(named=True)]

    forecast = _forecast_frame(con, None)
    if forecast is not None:
        tables.append(_forecast_table(forecast))
        charts["forecast"] = _forecast_chart(forecast)
    return {"title": _("Regional development of Kazakhstan"), "year": year, "tiles": tiles, "tables": tables,
            "charts": charts, "stem": f"dashboard_{year}", "base": "", "bins": region_bins()}


def coverage_bins() -> list[dict]:
    """The coverage classes of every map and chart (the same colours as the village map), with a no-data class."""
    return [{"min": 85, "color": "#1a9850", "label": "85–100 %"}, {"min": 70, "color": "#91cf60", "label": "70–85 %"},
            {"min": 50, "color": "#fee08b", "label": "50–70 %"},
            {"min": 0, "color": "#d73027", "label": _("below {n} %", n=50)},
            {"min": None, "color": "#bdbdbd", "label": _("no data")}]


def region_bins() -> list[dict]:
    """Classes for regions' coverage: the regions lie between about 55 and 90 %, so finer classes than the
    settlements' (which span 0–100 %) keep the country map from being one colour."""
    return [{"min": 80, "color": "#1a9641", "label": "80–100 %"}, {"min": 70, "color": "#a6d96a", "label": "70–80 %"},
            {"min": 65, "color": "#fee08b", "label": "65–70 %"}, {"min": 60, "color": "#fdae61", "label": "60–65 %"},
            {"min": 0, "color": "#d7191c", "label": _("below {n} %", n=60)},
            {"min": None, "color": "#bdbdbd", "label": _("no data")}]


def _programme_kpi_frame(con) -> pl.DataFrame | None:
    from aimaq.programmes.service import programme_kpis

    return _try(programme_kpis, con)


def _forecast_frame(con, region: str | None) -> pl.DataFrame | None:
    from aimaq.demography.repository import find_run, load_results

    run = _try(find_run, con)
    if run is None:
        return None
    frame = load_results(con, run["run_id"], region_code=region or COUNTRY)
    return frame if frame.height else None


def _forecast_table(frame: pl.DataFrame) -> Table:
    return Table("forecast", _("Population forecast with the 80% interval"), frame,
                 [Column("year", _("Year"), "text"), Column("population", _("Population"), "int"),
                  Column("lower80", _("Lower bound 80%"), "int"), Column("upper80", _("Upper bound 80%"), "int")],
                 _("Aimaq forecast (cohort-component, run {run}, scenario {scenario}); BNS and UN WPP 2024 inputs",
                   run=frame["run_id"][0], scenario=frame["scenario"][0]))


def _forecast_chart(frame: pl.DataFrame) -> dict:
    return {"years": [str(y) for y in frame["year"]], "population": frame["population"].to_list(),
            "lower": frame["lower80"].to_list(), "upper": frame["upper80"].to_list()}


# --- region ----------------------------------------------------------------------------------------------------
SERIES = (("population", N_("Population"), "int"), ("internal_migration_net", N_("Net internal migration"), "int"),
          ("srs_coverage_pct", N_("Coverage by the regional standards, %"), "pct"))


def region_context(con, pool, kato: str, year: int, boundaries: int | None) -> dict:
    from aimaq.monotowns.service import list_monotowns
    from aimaq.rating.service import show_rating
    from aimaq.rural.service import show_villages
    from aimaq.standards.service import coverage_table
    from aimaq.standards.spec import load_catalogue
    from aimaq.territory.boundaries import series_on_boundaries

    region = _territory(con, kato, "region")
    code = region["kato"]
    boundaries = boundaries or dt.date.today().year
    tables, charts, notes = [], {}, []

    parts = []
    for indicator, label, _kind in SERIES:
        got = cached(pool, ("series", indicator, boundaries),
                     lambda: _try(series_on_boundaries, con, indicator, boundaries))
        if got is None:
            continue
        frame = got[0].filter((pl.col("kato") == code) & (pl.col("period").str.len_chars() == 4))
        lost = frame.filter(pl.col("value").is_null())
        if lost.height:  # the registry's reform left no way to express these on the chosen boundaries
            notes.append(_("{indicator}: {n} values cannot be shown on the {year} boundaries ({first}–{last}): "
                           "published for another set of regions, with no district data to re-add",
                           indicator=_(label), n=lost.height, year=boundaries, first=lost["period"].min(),
                           last=lost["period"].max()))
        frame = frame.filter(pl.col("value").is_not_null())
        if frame.height:
            parts.append(frame.select("period", pl.col("value").alias(indicator)))
    if parts:
        wide = parts[0]
        for p in parts[1:]:
            wide = wide.join(p, on="period", how="full", coalesce=True)
        wide = wide.sort("period")
        cols = [Column("period", _("Year"))] + [Column(i, _(label), kind) for i, label, kind in SERIES
                                                 if i in wide.columns]
        tables.append(Table("indicators", _("Indicators over time on the {year} boundaries", year=boundaries),
                            wide, cols, _("BNS; review; the registry's reforms (sums of today's regions)"),
                            synthetic=False))
        if "population" in wide.columns:
            pop = wide.filter(pl.col("population").is_not_null())
            charts["population"] = {"years": pop["period"].to_list(), "values": pop["population"].to_list()}

    catalogue = load_catalogue()
    rows = []
    for d in catalogue.directions:
        frame = cached(pool, ("coverage", year, "region", d.code),
                       lambda: _try(coverage_table, con, year, "region", direction=d.code))
        if frame is None:
            break
        hit = frame.filter(pl.col("kato") == code)
        if hit.height:
            rows.append({"direction": d.code, "name": _direction_name(d), "coverage_pct": hit["coverage_pct"][0],
                         "coverage_pct_popweighted": hit["coverage_pct_popweighted"][0],
                         "change_pp": hit["change_pp"][0], "synthetic": bool(hit["synthetic"][0])})
    if rows:
        frame = pl.DataFrame(rows)
        tables.append(Table("coverage_by_direction", _("Coverage by direction, {year}", year=year), frame,
                            [Column("name", _("Direction")), Column("coverage_pct", _("Coverage, %"), "pct"),
                             Column("coverage_pct_popweighted", _("Population-weighted, %"), "pct"),
                             Column("change_pp", _("Change, pp"), "num1")],
                            _("Aimaq: regional standards on the synthetic facility inventory"),
                            synthetic=bool(frame["synthetic"].any())))
        charts["directions"] = [{"name": r["name"], "value": r["coverage_pct"]} for r in rows]

    villages = _try(show_villages, con, code)
    if villages is not None:
        keep = [c for c in ("kato", "name_ru", "villages", "support", "satellite", "other", "with_potential",
                            "population") if c in villages.columns]
        villages = villages.select(keep + ["synthetic"])
        headings = {"name_ru": _("District"), "villages": _("Villages"), "support": _("Support"),
                    "satellite": _("Satellite"), "other": _("Other"), "with_potential": _("With potential"),
                    "population": _("Population")}
        tables.append(Table("villages", _("Villages by district"), villages,
                            [Column(c, headings[c], "text" if c == "name_ru" else "int") for c in keep
                             if c != "kato"], _("Aimaq village classification on synthetic settlements"),
                            synthetic=bool(villages["synthetic"].any())))

    towns = _try(list_monotowns, con)
    if towns is not None:
        towns = towns.filter(pl.col("region_kato") == code)
        towns = towns.with_columns(name=pl.Series([local_name(r) for r in towns.iter_rows(named=True)],
                                                  dtype=pl.Utf8))
        tables.append(Table("monotowns", _("Monotowns"), towns,
                            [Column("name", _("Town"), "link", "/monotown/{kato}"),
                             Column("specialisation_group", _("Specialisation")),
                             Column("in_list_2023", _("In the 2023 list"), "bool")],
                            _(REVIEW) + ", " + _("section 1.4")))

    forecast = _forecast_frame(con, code)
    if forecast is not None:
        tables.append(_forecast_table(forecast))
        charts["forecast"] = _forecast_chart(forecast)

    latest = con.execute("SELECT max(CAST(left(period, 4) AS INTEGER)) FROM observation_latest "
                         "WHERE indicator = 'qol_score' AND kato <> ?", [COUNTRY]).fetchone()[0]
    if latest:
        rating = show_rating(con, latest, "published").filter(pl.col("kato").str.slice(0, 2) == code[:2])
        tables.append(Table("rating", _("The region's cities in the quality-of-life rating {year}", year=latest),
                            rating, [Column("rank", "№", "int"), Column("city", _("City")),
                                     Column("score", _("Score"), "num2"),
                                     Column("change_points", _("Change, points"), "num2")],
                            _(REVIEW) + ", " + _("Table 2")))
    pop = observation(con, code, "population")
    return {"title": local_name(region), "region": region, "kato": code, "year": year, "boundaries": boundaries,
            "population": pop, "tables": tables, "charts": charts, "notes": notes,
            "stem": f"region_{code}", "base": f"/region/{code}", "name_kk": region.get("name_kk"),
            "bins": coverage_bins()}


def _direction_name(d) -> str:
    from aimaq.i18n import get_language

    if get_language() == "en" and getattr(d, "name_en", None):
        return d.name_en
    return d.name_ru


# --- settlement ------------------------------------------------------------------------------------------------


def settlement_context(con, pool, kato: str, year: int) -> dict:
    from aimaq.rural.service import show_villages
    from aimaq.standards.service import gaps

    place = _territory(con, kato, "settlement")
    code = place["kato"]
    tables = []
    cov = con.execute("""SELECT s.category, s.n_applicable, s.n_met, s.coverage_pct, r.synthetic
                         FROM srs_coverage_settlement s JOIN srs_run r USING (run_id)
                         WHERE s.kato = ? AND r.year = ? ORDER BY run_id DESC LIMIT 1""", [code, year]).fetchone()
    coverage = None if cov is None else dict(zip(("category", "n_applicable", "n_met", "coverage_pct", "synthetic"),
                                                  cov))
    directions = _try(settlement_directions, con, pool, code, year)
    if directions is not None:
        tables.append(Table("coverage_by_direction", _("Coverage by direction, {year}", year=year), directions,
                            [Column("name", _("Direction")), Column("n_met", _("Met"), "int"),
                             Column("n_applicable", _("Applicable"), "int"),
                             Column("coverage_pct", _("Coverage, %"), "pct")],
                            _("Aimaq: regional standards on the synthetic facility inventory"), synthetic=True))
    missing = _try(gaps, con, code, year)
    if missing is not None:
        tables.append(Table("gaps", _("Missing items and the nearest place that has each"), missing,
                        [Column("name_ru", _("Item")), Column("nearest_name_ru", _("Nearest place"), "link",
                                                              "/settlement/{nearest_kato}"),
                         Column("nearest_km", _("km"), "num1")],
                        _("Aimaq: regional standards on the synthetic facility inventory"), synthetic=True))
    role = None
    villages = _try(show_villages, con, code[:2] + "0000000", list_villages=True)
    if villages is not None:
        hit = villages.filter(pl.col("kato") == code)
        if hit.height:
            r = hit.row(0, named=True)
            role = {"role": _(ROLES.get(r["role"], r["role"])) if r["role"] else None,
                    "potential": _(POTENTIAL[r["potential"]]) if r["potential"] in POTENTIAL else r["potential"],
                    "synthetic": bool(r["synthetic"])}
    region = _territory(con, code[:2] + "0000000", "region")
    return {"title": local_name(place), "place": place, "kato": code, "year": year, "coverage": coverage,
            "role": role, "region": region, "region_name": local_name(region), "tables": tables,
            "stem": f"settlement_{code}", "base": f"/settlement/{code}",
            "name_kk": place.get("name_kk") if place.get("name_kk") != place.get("name_ru") else None}


def settlement_directions(con, pool, kato: str, year: int) -> pl.DataFrame:
    """Items applicable and met by direction for one settlement (the standards' own evaluation of every
    settlement, done once per database version)."""
    from aimaq.standards.coverage import direction_coverage, evaluate
    from aimaq.standards.service import load_facilities, load_levels, load_network, load_settlements
    from aimaq.standards.spec import load_catalogue

    catalogue = load_catalogue()
    def by_direction():
        stored = load_network(con)
        cm = evaluate(load_settlements(con), load_facilities(con, year), load_levels(con, catalogue, year), catalogue,
                      None if stored is None else stored[0])
        return cm.kato, direction_coverage(cm, catalogue)

    katos, (codes, applicable, met) = cached(pool, ("directions", year), by_direction)
    row = int((katos == kato).nonzero()[0][0])
    names = {d.code: _direction_name(d) for d in catalogue.directions}
    frame = pl.DataFrame({"direction": codes, "name": [names[c] for c in codes],
                          "n_applicable": applicable[row].tolist(), "n_met": met[row].tolist()})
    return frame.filter(pl.col("n_applicable") > 0).with_columns(
        coverage_pct=100.0 * pl.col("n_met") / pl.col("n_applicable"))


# --- monotown, programmes --------------------------------------------------------------------------------------
SECTIONS = {"registry": N_("Registry"), "published": N_("Published in the review"),
            "value": N_("Indicators"), "class": N_("Classification by potential"),
            "direction": N_("Scores by direction")}


def monotown_context(con, town: str) -> dict:
    from aimaq.monotowns.service import list_monotowns, show_monotown

    towns = list_monotowns(con)
    hit = towns.filter((pl.col("kato") == town) | (pl.col("name_ru") == town) | (pl.col("name_en") == town)
                       | (pl.col("name_kk") == town))
    if hit.height != 1:
        raise UnknownNameError("monotown", town, towns["name_ru"].to_list()[:5])
    row = hit.row(0, named=True)
    detail = _readable_monotown(con, show_monotown(con, row["kato"]))
    tables = []
    for section, title in SECTIONS.items():
        part = detail.filter(pl.col("section") == section)
        if part.height:
            tables.append(Table(section, _(title), part, [Column("item", _("Item")), Column("text", _("Value"))],
                                _(REVIEW) if section in ("registry", "published") else
                                _("Aimaq monotown classification (default spec)"),
                                synthetic=bool(part["synthetic"].any())))
    return {"title": local_name(row), "town": row, "tables": tables, "stem": f"monotown_{row['kato']}",
            "base": f"/monotown/{row['kato']}"}


def unit_label(code: str | None) -> str:
    """A unit code of the catalogue (pct, bn_kzt…) as people write it (the export's labels), in the page's
    language."""
    from aimaq.export.values import UNIT

    label = UNIT.get(code or "")
    return (code or "") if label is None else (label if label == "%" else _(label))


MONOTOWN_FIELDS = {"territory_level": N_("Level"), "mentions": N_("Mentioned in the review"),
                   "score": N_("Score"), "rank": N_("Rank"), "potential": N_("Development potential")}


def _readable_monotown(con, detail: pl.DataFrame) -> pl.DataFrame:
    """show_monotown's rows for people: field and indicator codes become names (the export headings, the
    classification spec, the indicator catalogue), numbers are in the page's format, flags are yes/no."""
    import yaml
    from importlib import resources

    from aimaq.export.headings import heading
    from aimaq.export.values import LEVEL

    spec = yaml.safe_load((resources.files("aimaq.specs") / "monotowns" / "classification_v1.yaml")
                          .read_text(encoding="utf-8"))["index"]
    names = {n["code"]: n["name"] for n in spec.get("indicators", []) + spec.get("aggregates", []) if n.get("name")}
    names.update(dict(con.execute("SELECT code, name_ru FROM indicator").fetchall()))

    def item(section: str, text: str) -> str:
        if section in ("registry", "class"):
            return _(MONOTOWN_FIELDS[text]) if text in MONOTOWN_FIELDS else heading(text)
        code, _sep, rest = text.partition(" ")   # «code [breakdown] period» → «name (breakdown) period»
        rest = re.sub(r"\[[^=\]]*=([^\]]*)\]", r"(\1)", rest)
        return f"{names.get(code, code)} {rest}".strip()

    def value(section: str, text: str, number) -> str:
        if text in ("True", "False"):
            return _("yes") if text == "True" else _("no")
        if section == "class" and text in POTENTIAL:
            return _(POTENTIAL[text])
        if text in LEVEL:
            return _(LEVEL[text])
        if number is not None and section != "registry":
            return format_number(number, 0 if float(number).is_integer() else 1)
        return text

    rows = detail.to_dicts()
    return detail.with_columns(
        item=pl.Series([item(r["section"], r["item"]) for r in rows], dtype=pl.Utf8),
        text=pl.Series([value(r["section"], r["text"], r["value"]) for r in rows], dtype=pl.Utf8))


def programmes_context(con) -> dict:
    from aimaq.programmes.service import auyl_summary, diploma_summary

    tables = []
    kpis = _programme_kpi_frame(con)
    if kpis is not None:
        kpis = kpis.with_columns(unit=pl.Series([unit_label(u) for u in kpis["unit"]], dtype=pl.Utf8))
        tables.append(Table("kpi", _("Programme KPIs: plan, fact and target"), kpis,
                            [Column("programme_ru", _("Programme")), Column("name_ru", _("Indicator")),
                             Column("unit", _("Unit")), Column("year", _("Year")), Column("plan", _("Plan"), "num1"),
                             Column("fact", _("Fact"), "num1"), Column("target", _("Target"), "num1"),
                             Column("achieved", _("Achieved"), "bool")], _(REVIEW), sortable=True))
    diploma = _try(diploma_summary, con, "region")
    if diploma is not None:
        tables.append(Table("diploma", _("«With a Diploma to the Village»: recipients by region"), diploma,
                            [Column("region", _("Region")), Column("count", _("Recipients"), "int"),
                             Column("share_pct", _("Share, %"), "pct")], _(REVIEW)))
    auyl = _try(auyl_summary, con)
    if auyl is not None:
        tables.append(Table("auyl", _("«Auyl – El Besigi»: projects by sphere"), auyl,
                            [Column("period", _("Period")), Column("sphere", _("Sphere")),
                             Column("projects", _("Projects"), "int"),
                             Column("financing_bn_kzt", _("Financing, bn tenge"), "num1")], _(REVIEW)))
    return {"title": _("Programmes"), "tables": tables, "stem": "programmes", "base": "/programmes"}


# --- routes: pages ---------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, con: Con, year: int = Query(2024, ge=2000, le=2100)):
    return render(request, "dashboard.html", lambda: dashboard_context(con, request.app.state.pool, year))


@router.get("/tables/{filename}")
def dashboard_table(request: Request, con: Con, filename: str, year: int = Query(2024, ge=2000, le=2100)):
    return download(request, lambda: dashboard_context(con, request.app.state.pool, year), filename,
                    f"dashboard_{year}")


@router.get("/region/{kato}", response_class=HTMLResponse)
def region_page(request: Request, con: Con, kato: str, year: int = Query(2023, ge=2000, le=2100),
                boundaries: int | None = Query(None, ge=1991, le=2100)):
    return render(request, "region.html",
                  lambda: region_context(con, request.app.state.pool, kato, year, boundaries))


@router.get("/region/{kato}/tables/{filename}")
def region_table(request: Request, con: Con, kato: str, filename: str, year: int = Query(2023, ge=2000, le=2100),
                 boundaries: int | None = Query(None, ge=1991, le=2100)):
    return download(request, lambda: region_context(con, request.app.state.pool, kato, year, boundaries), filename,
                    f"region_{kato}")


@router.get("/settlement/{kato}", response_class=HTMLResponse)
def settlement_page(request: Request, con: Con, kato: str, year: int = Query(2023, ge=2000, le=2100)):
    return render(request, "settlement.html", lambda: settlement_context(con, request.app.state.pool, kato, year))


@router.get("/settlement/{kato}/tables/{filename}")
def settlement_table(request: Request, con: Con, kato: str, filename: str,
                     year: int = Query(2023, ge=2000, le=2100)):
    return download(request, lambda: settlement_context(con, request.app.state.pool, kato, year), filename,
                    f"settlement_{kato}")


@router.get("/monotown/{town}", response_class=HTMLResponse)
def monotown_page(request: Request, con: Con, town: str):
    return render(request, "monotown.html", lambda: monotown_context(con, town))


@router.get("/monotown/{town}/tables/{filename}")
def monotown_table(request: Request, con: Con, town: str, filename: str):
    return download(request, lambda: monotown_context(con, town), filename, f"monotown_{town}")


@router.get("/programmes", response_class=HTMLResponse)
def programmes_page(request: Request, con: Con):
    return render(request, "programmes.html", lambda: programmes_context(con))


@router.get("/programmes/tables/{filename}")
def programmes_table(request: Request, con: Con, filename: str):
    return download(request, lambda: programmes_context(con), filename, "programmes")


# --- the ministry's approval list -------------------------------------------------------------------------------
BATCH_MESSAGES = [
    N_("new"), N_("changed"), N_("unchanged"), N_("Batch {n}: {file}"), N_("Uploaded by {user} on {when}"),
    N_("new {added}, changed {revised}, unchanged {unchanged}"), N_("Territory"), N_("Indicator"), N_("Period"),
    N_("Was"), N_("Will be"), N_("Approve"), N_("Reason for rejection"), N_("Reject"),
    N_("No batches wait for approval."), N_("Logged in as {user} ({role})"),
]


@router.get("/batches", response_class=HTMLResponse)
def batches_page(request: Request):
    """Pending uploads with their differences; the data come from /api/batches after a log-in (a session
    cookie and its CSRF token), so the page itself holds nothing private."""
    pool = request.app.state.pool

    def names(con):
        return dict(con.execute("SELECT code, name_ru FROM indicator").fetchall())

    return render(request, "batches.html", lambda: {
        "title": _("Approval of uploads"), "messages": {m: _(m) for m in BATCH_MESSAGES},
        "indicators": cached(pool, ("indicator_names",), lambda: with_database(pool, names))})


# --- the map ---------------------------------------------------------------------------------------------------
MAP_MESSAGES = [
    N_("Loading region boundaries…"), N_("Loading settlements…"), N_("{n} settlements"),
    N_("{n} without coordinates are not shown"), N_("Error: {message}"), N_("no data"),
    N_("Coverage by the regional standards"), N_("Village class"), N_("Settlement indicator"),
    N_("support village"), N_("satellite village"), N_("other village"), N_("not classified"),
    N_("KATO code"), N_("Type"), N_("Population"), N_("Standard category"), N_("Coverage ({year})"),
    N_("{met} of {applicable}"), N_("Village role"), N_("Development potential"), N_("high"), N_("medium"),
    N_("low"), N_("What is missing by the standard"), N_("Loading…"), N_("All applicable items are present."),
    N_("Item / service"), N_("Nearest place that has it"), N_("km"), N_("Synthetic data"),
    N_("Open the settlement page"), N_("Open the region page"), N_("published, {period}"),
    N_("Click a settlement on the map."), N_("Nothing found for «{query}»"), N_("Several places match; choose one:"),
    N_("Region"), N_("Settlement"), N_("District"), N_("below {n} %"), N_("Published coverage of the regions"),
    N_("city of republican significance"), N_("city of regional significance"), N_("city of district significance"),
    N_("rural district centre"), N_("village"), N_("settlement"),
]


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request):
    pool = request.app.state.pool

    def lists(con):
        indicators = con.execute("""
            SELECT i.code, i.name_ru, i.unit FROM indicator i
            WHERE i.code IN (SELECT DISTINCT indicator FROM observation_latest o JOIN territory t USING (kato)
                             WHERE t.level = 'settlement')
            ORDER BY i.name_ru""").fetchall()
        regions = con.execute("SELECT kato, name_ru, name_kk, name_en FROM territory WHERE level = 'region' "
                              "AND valid_to IS NULL").pl().to_dicts()
        return indicators, regions, map_years(con)

    def build():
        indicators, regions, years = cached(pool, ("map_lists",), lambda: with_database(pool, lists))
        names = sorted(({"kato": r["kato"], "name": local_name(r)} for r in regions), key=lambda r: r["name"])
        return {"title": _("Digital village map"), "messages": {m: _(m) for m in MAP_MESSAGES},
                "indicators": [{"code": c, "name": n, "unit": unit_label(u)} for c, n, u in indicators],
                "bins": coverage_bins(), "region_bins": region_bins(), "regions": names, "years": years}

    _warm_up(pool)
    return render(request, "map.html", build)


def map_years(con) -> list[int]:
    """The years the map can show, newest first: those with a standards coverage run (the settlements' colours
    and gaps); the current year when there is none yet."""
    years = [y for (y,) in con.execute("SELECT DISTINCT year FROM srs_run ORDER BY year DESC").fetchall()]
    return years or [dt.date.today().year]


def _json_bytes(value) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def with_database(pool, fn: Callable):
    """fn(con) on a read-only cursor of the server's pool, taken only when an answer is not cached."""
    with pool.cursor(read_only=True) as con:
        return fn(con)


def _rounded(coords, digits: int = 3):
    """Coordinates to `digits` decimals (3: about 100 m, finer than the simplified boundaries themselves)."""
    if len(coords) and isinstance(coords[0], (int, float)):
        return [round(c, digits) for c in coords]
    return [_rounded(c, digits) for c in coords]


BOUNDARY_TOLERANCE = 0.005   # degrees, about 400–550 m: under a pixel up to zoom 8, where a region fills the screen


def _light_geometry(geometry: dict) -> dict:
    """A boundary for the screen: simplified (Douglas–Peucker keeping each ring valid) to BOUNDARY_TOLERANCE and
    rounded to 3 decimals — 26 149 points and 418 kB for the 20 regions become about 6 300 points and 100 kB,
    which the browser parses and draws four times faster."""
    import shapely
    from shapely.geometry import mapping, shape

    light = shapely.simplify(shape(geometry), BOUNDARY_TOLERANCE, preserve_topology=True)
    return {"type": light.geom_type, "coordinates": _rounded(mapping(light)["coordinates"])}


def regions_layer_bytes(pool) -> bytes:
    """The regions layer with lighter boundaries: the map's largest download."""
    from aimaq.web.layers import regions_layer

    def build(con):
        layer = regions_layer(con)
        for feature in layer["features"]:
            feature["geometry"] = _light_geometry(feature["geometry"])
        return _json_bytes(layer)

    return cached(pool, ("regions.geojson",), lambda: with_database(pool, build))


def settlements_layer_bytes(pool, region: str, year: int) -> bytes:
    from aimaq.web.layers import settlements_layer

    return cached(pool, ("settlements.geojson", region, year),
                  lambda: with_database(pool, lambda con: _json_bytes(settlements_layer(con, region, year))))


@router.get("/api/pages/regions.geojson")
def map_regions(request: Request):
    """/api/regions.geojson with rounded coordinates, serialised once per data version; under /api/ the server's
    response cache keeps it compressed too (embedding it in the page meant compressing 430 kB per page view)."""
    return Response(regions_layer_bytes(request.app.state.pool), media_type="application/geo+json")


@router.get("/api/pages/settlements.geojson")
def map_settlements(request: Request, region: str = Query(..., pattern=r"^\d{9}$"),
                    year: int = Query(2023, ge=2000, le=2100)):
    """/api/settlements.geojson of one region, built once per database version (the map's click on a region)."""
    return Response(settlements_layer_bytes(request.app.state.pool, region, year),
                    media_type="application/geo+json")


@router.get("/api/pages/search")
def search(con: Con, q: str = Query(..., min_length=1, max_length=200)):
    """Territories a text names, as the registry resolves it (any spelling: Russian, Kazakh, Latin, former names,
    a KATO code); unknown or ambiguous names give the nearest candidates."""
    index = _name_index(con)
    hits: list[str] = []
    try:
        hits = [index.resolve(q).kato]
    except AmbiguousNameError as exc:
        hits = [c.rsplit("(", 1)[1].rstrip(")") for c in exc.candidates]
    except UnknownNameError as exc:
        for name in exc.suggestions:
            try:
                hits.append(index.resolve(name).kato)
            except AimaqError:
                continue
    hits = list(dict.fromkeys(hits))[:8]
    if not hits:
        return {"query": q, "count": 0, "rows": []}
    marks = ", ".join("?" * len(hits))
    frame = con.execute(f"""
        SELECT kato, name_ru, name_kk, name_en, level, kind, lat, lon, population
        FROM territory WHERE kato IN ({marks}) QUALIFY row_number() OVER (PARTITION BY kato ORDER BY
        valid_to IS NULL DESC, valid_from DESC) = 1""", hits).pl()
    order = {k: i for i, k in enumerate(hits)}
    rows = sorted(frame.iter_rows(named=True), key=lambda r: order[r["kato"]])
    for r in rows:
        r["region_kato"] = r["kato"][:2] + "0000000"
    return {"query": q, "count": len(rows), "rows": rows}


_INDEX_CACHE: dict = {}


def _name_index(con):
    """The registry's name index, rebuilt only when the registry changes (building it takes about a second)."""
    from aimaq.territory.repository import load_name_index

    key = con.execute("SELECT count(*), sum(hash(alias || kato)) FROM territory_alias").fetchone()
    if _INDEX_CACHE.get("key") != key:
        _INDEX_CACHE.update(key=key, index=load_name_index(con))
    return _INDEX_CACHE["index"]


def _warm_up(pool) -> None:
    """While the first visitor looks at the country map, build in the background what the next clicks need: the
    search's name index and every region's settlement layer (once per database version)."""
    import threading

    def regions(con):
        _name_index(con)
        return map_years(con)[0], [k for (k,) in con.execute(
            "SELECT kato FROM territory WHERE level = 'region' AND valid_to IS NULL ORDER BY kato").fetchall()]

    def build():
        try:
            year, katos = _try(with_database, pool, regions) or (0, [])
            for kato in katos:
                _try(settlements_layer_bytes, pool, kato, year)
        finally:
            _INDEX_CACHE["warming"] = False

    version = pool.version()   # once per data version, not on every view of the map
    if not _INDEX_CACHE.get("warming") and _INDEX_CACHE.get("warmed") != version:
        _INDEX_CACHE.update(warming=True, warmed=version)
        threading.Thread(target=build, daemon=True).start()


@router.get("/api/pages/settlement-values")
def settlement_values(con: Con, region: str = Query(..., pattern=r"^\d{9}$"),
                      indicator: str = Query(..., max_length=80), year: int = Query(2023, ge=2000, le=2100)):
    """One indicator for every settlement of a region (latest revision of `year`): the map's «any indicator»
    layer."""
    unit = con.execute("SELECT unit, name_ru FROM indicator WHERE code = ?", [indicator]).fetchone()
    if unit is None:
        return JSONResponse(status_code=404, content={"detail": f"unknown indicator {indicator!r}"})
    rows = con.execute("""
        SELECT o.kato, o.value, o.synthetic FROM observation_latest o JOIN territory t ON t.kato = o.kato
             AND t.level = 'settlement' AND t.valid_to IS NULL
        WHERE o.indicator = ? AND o.period = ? AND o.breakdown = '' AND starts_with(o.kato, ?)""",
                       [indicator, str(year), region[:2]]).fetchall()
    return {"indicator": indicator, "name_ru": unit[1], "unit": unit[0], "year": year, "region": region,
            "synthetic": any(r[2] for r in rows), "values": {k: v for k, v, _s in rows}}


@router.get("/assets/{digest}/{path:path}")
def assets(request: Request, digest: str, path: str):
    """Scripts and styles under their content hash: cached by the browser for good, compressed once."""
    return asset_response(digest, path, request.headers.get("accept-encoding", ""))


# --- offline API docs ------------------------------------------------------------------------------------------
@router.get("/docs", response_class=HTMLResponse)
def swagger_docs(request: Request):
    return get_swagger_ui_html(openapi_url=request.app.openapi_url, title="Aimaq API",
                               swagger_js_url=asset_url("vendor/swagger-ui/swagger-ui-bundle.js"),
                               swagger_css_url=asset_url("vendor/swagger-ui/swagger-ui.css"),
                               swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
                               swagger_ui_parameters={"validatorUrl": None})


@router.get("/redoc", response_class=HTMLResponse)
def redoc_docs(request: Request):
    # redoc 3 ships an ES module (it uses import.meta), so it is loaded as one rather than through FastAPI's helper
    return HTMLResponse(f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aimaq API — ReDoc</title><link rel="icon" href="/static/vendor/swagger-ui/favicon-32x32.png">
<style>body {{ margin: 0; }}</style></head>
<body><div id="redoc"></div>
<script type="module">
import {{ init }} from "{asset_url("vendor/redoc/redoc.standalone.js")}";
init("{request.app.openapi_url}", {{}}, document.getElementById("redoc"));
</script></body></html>""")


__all__ = ["router", "Table", "Column", "dashboard_context", "region_context", "settlement_context",
           "monotown_context", "programmes_context"]
