"""A database with the registry, the review's published Table 2 / Table 3, synthetic rating inputs (seed 2023) and
the computed ratings 2022–2024; built once per session in a temporary file."""

from __future__ import annotations

import polars as pl
import pytest

from aimaq.errors import ValidationFailed
from aimaq.store.db import connect
from aimaq.territory.registry import build_registry
from aimaq.territory.repository import load_name_index, save_registry

SEED = 2023


def ensure_published(con) -> None:
    """Load the review's figures; if the importer stops on an unrelated file before Table 2, insert Table 2 here."""
    from aimaq.data import data_path
    from aimaq.ingest.shipped import load_review

    try:
        load_review(con)
    except ValidationFailed:
        pass  # files are written one by one; Table 2 and 3 come before the files that may fail
    if con.execute("SELECT count(*) FROM observation WHERE indicator = 'qol_score'").fetchone()[0]:
        return
    regions = dict(pl.read_csv(data_path("review", "territories.csv"), infer_schema=False)
                   .select("territory", "region_kato").iter_rows())
    index = load_name_index(con)
    t2 = pl.read_csv(data_path("review", "table2_qol.csv"), infer_schema=False)
    t2 = t2.filter(pl.col("indicator").is_in(["qol_score", "qol_rank"]) & (pl.col("territory") != "Казахстан"))
    for r in t2.iter_rows(named=True):
        kato = index.resolve(f"г. {r['territory']}", within=regions.get(r["territory"]) or None).kato
        con.execute("INSERT INTO observation (kato, indicator, period, breakdown, value, revision, loaded_at) "
                    "VALUES (?, ?, ?, '', ?, 1, now())", [kato, r["indicator"], r["period"],
                                                         None if not r["value"] else float(r["value"])])


@pytest.fixture(scope="session")
def rating_db(tmp_path_factory):
    """Path of the session database (computed 2022, 2023, 2024)."""
    from aimaq.rating import build_synthetic_rating_data, compute_rating

    path = tmp_path_factory.mktemp("rating") / "rating.duckdb"
    con = connect(path)
    save_registry(con, build_registry())
    ensure_published(con)
    info = build_synthetic_rating_data(con, seed=SEED)
    for year in (2022, 2023, 2024):
        compute_rating(con, year)
    con.close()
    return path, info


@pytest.fixture()
def con(rating_db):
    c = connect(rating_db[0])
    yield c
    c.close()
