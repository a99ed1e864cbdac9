"""Monotown service: the registry from the shipped list, synthetic town data, classification runs, views."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

import aimaq
from aimaq.errors import AimaqError, ComputationError, UnknownNameError
from aimaq.i18n import _
from aimaq.monotowns.classify import classify
from aimaq.monotowns.spec import ClassificationSpec, load_classification
from aimaq.monotowns.synthetic import generate
from aimaq.store.db import transaction

LIST_SOURCE = "review/monotowns_list.csv (раздел 1.4 обзора); регион — общие сведения, проверено по geokz adm2"
NATIONAL = "000000000"


def _review_csv(name: str) -> pl.DataFrame:
    from aimaq.data import data_path

    return pl.read_csv(data_path("review", name), infer_schema_length=None)


def monotown_registry(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The 27 towns of monotowns_list.csv with the town's and its region's KATO resolved through the registry
    (the town as «г. <name>» within its region)."""
    from aimaq.territory.repository import load_name_index

    towns = _review_csv("monotowns_list.csv")
    index = load_name_index(con)
    region_kato, kato, level = [], [], []
    for row in towns.iter_rows(named=True):   # 27 names, resolved one by one (the name index is not vectorised)
        region = index.resolve(row["region"], level="region", context="monotowns_list.csv")
        town = index.resolve(f"г. {row['name_ru'].replace(' (город)', '')}", within=region.kato,
                             context="monotowns_list.csv")
        region_kato.append(region.kato)
        kato.append(town.kato)
        level.append(town.level)
    return towns.with_columns(region_kato=pl.Series(region_kato), kato=pl.Series(kato),
                              territory_level=pl.Series(level), source=pl.lit(LIST_SOURCE)).select(
        "name_ru", "name_kk", "name_en", "region", "region_kato", "kato", "territory_level", "specialisation_group",
        "specialisation_subtype", "in_list_2023", "reason_dropped", "kpr", "mentions", "source")


def load_monotowns(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)write the monotown table from the shipped list. Returns the number of towns."""
    frame = monotown_registry(con)
    if frame["kato"].n_unique() != frame.height:
        raise ComputationError(_("two monotowns resolved to the same territory"))
    with transaction(con):
        con.execute("DELETE FROM monotown")
        con.register("_mt", frame.to_arrow())
        con.execute("INSERT INTO monotown SELECT * FROM _mt")
        con.unregister("_mt")
    return frame.height


def _towns(con: duckdb.DuckDBPyConnection, in_list: bool = True) -> pl.DataFrame:
    if con.execute("SELECT count(*) FROM monotown").fetchone()[0] == 0:
        load_monotowns(con)
    where = "WHERE in_list_2023" if in_list else ""
    return con.execute(f"SELECT * FROM monotown {where} ORDER BY name_ru").pl()


def _published(con, ref: dict) -> list[tuple[str, float]]:
    return con.execute("SELECT kato, value FROM observation_latest WHERE indicator = ? AND breakdown = ? "
                       "AND period = ? AND NOT synthetic",
                       [ref["indicator"], ref.get("breakdown", ""), str(ref["period"])]).fetchall()


def build_synthetic_monotown_data(con: duckdb.DuckDBPyConnection, seed: int = 2023,
                                  spec: ClassificationSpec | None = None) -> pl.DataFrame:
    """Generate town-level values for the 20 monotowns of the 2023 list (synthetic, seeded), reproducing the
    review's published town values and means, and store them in monotown_value. Returns the stored frame."""
    spec = spec or load_classification()
    syn = spec.synthetic
    towns = _towns(con)
    prior = _review_csv("named_places.csv").select("name_ru", pl.col("population").alias("population_prior"))
    towns = towns.join(prior, on="name_ru", how="left")
    total_ref = syn["population"]["total"]
    total = _published(con, total_ref)
    if len(total) != 1:
        raise ComputationError(_("published monotown population total not found ({ref})", ref=total_ref))
    population_total = total[0][1] * float(total_ref.get("scale", 1))
    published, means = [], {}
    for item in syn["indicators"]:
        if "published" in item:
            katos = set(towns["kato"])
            published += [(k, item["code"], v) for k, v in _published(con, item["published"]) if k in katos]
        if "mean" in item:
            got = [v for k, v in _published(con, item["mean"]) if k == NATIONAL]
            if len(got) != 1:
                raise ComputationError(_("published mean for {code} not found ({ref})", code=item["code"],
                                                 ref=item["mean"]))
            means[item["code"]] = got[0]
    pub = pl.DataFrame(published, schema={"kato": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64}, orient="row")
    directions = {code: int(spec.index.nodes[code].direction) for code in spec.index.indicators}
    values = generate(towns.select("kato", "population_prior"), pub, means, population_total, syn, seed,
                      directions)
    values = values.with_columns(year=pl.lit(spec.year, pl.Int32), seed=pl.lit(seed, pl.Int32),
                                 spec_name=pl.lit(spec.name), spec_version=pl.lit(spec.version)).select(
        "kato", "indicator", "year", "value", "published", "synthetic", "seed", "spec_name", "spec_version")
    with transaction(con):
        con.execute("DELETE FROM monotown_value WHERE year = ?", [spec.year])
        con.register("_mv", values.to_arrow())
        con.execute("INSERT INTO monotown_value SELECT * FROM _mv")
        con.unregister("_mv")
    return values


def classify_monotowns(con: duckdb.DuckDBPyConnection, spec: ClassificationSpec | None = None) -> dict:
    """Score the monotowns of the 2023 list 0–100 with the spec's composite index and class them high / medium /
    low; store the run. Returns {run_id, classes (with names), directions, synthetic}."""
    spec = spec or load_classification()
    values = con.execute("SELECT kato, indicator, value, synthetic FROM monotown_value WHERE year = ?",
                         [spec.year]).pl()
    if values.is_empty():
        raise AimaqError(_("no monotown data for {year}: `aimaq monotowns classify --seed 2023` generates synthetic "
                           "figures (or import the towns' indicators with `aimaq import`)", year=spec.year))
    towns = _towns(con).select("kato", "name_ru", "region")
    values = values.join(towns.select("kato"), on="kato", how="semi")
    classes, directions = classify(values.select("kato", "indicator", "value"), spec)
    synthetic = bool(values["synthetic"].any())
    run_id = con.execute("""INSERT INTO monotown_run (spec_name, spec_version, spec_sha256, code_version, year,
                            computed_at, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING run_id""",
                         [spec.name, spec.version, spec.sha256, aimaq.__version__ if hasattr(aimaq, "__version__")
                          else "unknown", spec.year, dt.datetime.now(), synthetic]).fetchone()[0]
    classes = classes.join(towns, on="kato", how="left")
    con.register("_mc", classes.select(pl.lit(run_id).alias("run_id"), "kato", "name_ru", "score", "rank",
                                       "potential").to_arrow())
    con.execute("INSERT INTO monotown_class SELECT * FROM _mc")
    con.unregister("_mc")
    con.register("_md", directions.select(pl.lit(run_id).alias("run_id"), "kato", "direction", "score").to_arrow())
    con.execute("INSERT INTO monotown_direction_score SELECT * FROM _md")
    con.unregister("_md")
    return {"run_id": run_id, "classes": classes.select("rank", "name_ru", "region", "kato", "score", "potential",
                                                        pl.lit(synthetic).alias("synthetic")),
            "directions": directions, "synthetic": synthetic}


def list_monotowns(con: duckdb.DuckDBPyConnection, dropped: bool | None = None) -> pl.DataFrame:
    """The registry: in the 2023 list and dropped (dropped=True: only dropped; False: only listed)."""
    towns = _towns(con, in_list=False)
    if dropped is not None:
        towns = towns.filter(pl.col("in_list_2023") != dropped)
    return towns.sort(["in_list_2023", "specialisation_group", "name_ru"], descending=[True, False, False],
                      nulls_last=True).drop("source")


def _nearest(name: str, names: list[str], limit: int = 3) -> list[str]:
    from rapidfuzz import process, utils

    return [h[0] for h in process.extract(name, names, processor=utils.default_process, limit=limit)]


def show_monotown(con: duckdb.DuckDBPyConnection, town: str | None = None) -> pl.DataFrame:
    """Without a town: the latest classification (one row per town). With a town: its registry data, published
    indicators from the review, its stored values (published or synthetic) and its direction scores."""
    run = con.execute("SELECT run_id, synthetic FROM monotown_run ORDER BY run_id DESC LIMIT 1").fetchone()
    if town is None:
        if run is None:
            raise AimaqError(_("no monotown classification yet: `aimaq monotowns classify` makes one"))
        return con.execute("""SELECT c.rank, c.name_ru, m.region, m.specialisation_group, c.score, c.potential,
                                     r.synthetic, r.spec_name || ' v' || r.spec_version AS spec
                              FROM monotown_class c JOIN monotown m USING (kato) JOIN monotown_run r USING (run_id)
                              WHERE c.run_id = ? ORDER BY c.rank""", [run[0]]).pl()
    towns = _towns(con, in_list=False)
    hit = towns.filter((pl.col("name_ru") == town) | (pl.col("name_ru") == f"{town} (город)") |
                       (pl.col("name_en") == town) | (pl.col("name_kk") == town) | (pl.col("kato") == town))
    if hit.height != 1:
        raise UnknownNameError("monotown", town, _nearest(town, towns["name_ru"].to_list()))
    kato = hit["kato"][0]
    rows = [("registry", k, str(v), None, False) for k, v in hit.drop("source").row(0, named=True).items()
            if v is not None]
    pub = con.execute("""SELECT o.indicator || CASE WHEN o.breakdown <> '' THEN ' [' || o.breakdown || ']' ELSE '' END,
                                o.period, o.value FROM observation_latest o WHERE o.kato = ? AND NOT o.synthetic
                         ORDER BY 1, 2""", [kato]).fetchall()
    rows += [("published", f"{name} {period}", f"{value:g}", value, False) for name, period, value in pub]
    vals = con.execute("SELECT indicator, year, value, synthetic FROM monotown_value WHERE kato = ? ORDER BY 1",
                       [kato]).fetchall()
    rows += [("value", f"{i} {y}", f"{v:g}", v, s) for i, y, v, s in vals]
    if run is not None:
        cls = con.execute("SELECT score, rank, potential FROM monotown_class WHERE run_id = ? AND kato = ?",
                          [run[0], kato]).fetchone()
        if cls:
            rows += [("class", "score", f"{cls[0]:.2f}", cls[0], run[1]), ("class", "rank", str(cls[1]),
                     float(cls[1]), run[1]), ("class", "potential", cls[2], None, run[1])]
            ds = con.execute("SELECT direction, score FROM monotown_direction_score WHERE run_id = ? AND kato = ? "
                             "ORDER BY direction", [run[0], kato]).fetchall()
            rows += [("direction", d, f"{s:.2f}", s, run[1]) for d, s in ds]
    return pl.DataFrame(rows, schema={"section": pl.Utf8, "item": pl.Utf8, "text": pl.Utf8, "value": pl.Float64,
                                      "synthetic": pl.Boolean}, orient="row")
