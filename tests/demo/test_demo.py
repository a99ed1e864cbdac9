"""`aimaq demo` builds the whole database from nothing, deterministically, with traceable figures."""

import subprocess
import sys

import pytest

from aimaq.demo import build_demo, content_digest


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "aimaq.duckdb"
    con = build_demo(path)
    yield con
    con.close()


def test_demo_cli_twice_gives_the_same_database_and_info_reads_it(demo_db, tmp_path):
    import duckdb

    path = tmp_path / "cli.duckdb"
    stale = duckdb.connect(str(path))  # a database already there is rebuilt from nothing
    stale.execute("CREATE TABLE leftover AS SELECT 1 AS x")
    stale.close()
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(path), "demo", "--format", "csv",
                          "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # what `make demo` leaves for a new user: the results as CSV and the review generated from the database
    from pypdf import PdfReader

    assert (out / "highlights.csv").read_text(encoding="utf-8").startswith("figure,review,review_upper,aimaq,synthetic")
    text = "".join(page.extract_text() for page in PdfReader(out / "review" / "review.pdf").pages[:6])
    assert "Туркестан" in text and "Ұлытау" in text
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", str(path), "info", "--format", "csv"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "territories by level and kind" in run.stdout and "share_synthetic_pct" in run.stdout
    con = duckdb.connect(str(path), read_only=True)
    assert content_digest(con) == content_digest(demo_db)
    con.close()


def test_registry_counts(demo_db):
    rows = dict(demo_db.execute("SELECT level, count(*) FROM territory WHERE valid_to IS NULL GROUP BY level")
                .fetchall())
    assert rows["country"] == 1 and rows["region"] == 20 and rows["district"] == 226
    rural = demo_db.execute("SELECT count(*) FROM territory WHERE level = 'settlement' AND kind IN "
                            "('village', 'rural_district_centre')").fetchone()[0]
    assert 6250 <= rural <= 6350


def test_settlement_populations_add_up_to_regions(demo_db):
    rows = demo_db.execute("""
        SELECT left(s.kato, 2) AS region, sum(s.population) AS settled, any_value(o.value) AS published
        FROM territory s JOIN observation_latest o ON o.kato = left(s.kato, 2) || '0000000'
             AND o.indicator = 'population' AND o.period = '2023' AND o.breakdown = ''
        WHERE s.level = 'settlement' GROUP BY 1""").fetchall()
    assert len(rows) == 20
    assert all(settled == published for _, settled, published in rows)


def test_published_figures_are_traceable_to_their_place_in_the_review(demo_db):
    value, place, title = demo_db.execute("""
        SELECT o.value, s.place, s.title FROM observation_latest o JOIN source s USING (source_id)
        WHERE o.indicator = 'qol_score' AND o.kato = '611000000' AND o.period = '2024'""").fetchone()
    assert value == 6.43 and "Таблица 2" in place and "Региональный прогресс" in title
    assert demo_db.execute("SELECT count(*) FROM observation_latest WHERE source_id IS NULL").fetchone()[0] == 0


def test_inconsistencies_are_kept_as_published_and_flagged(demo_db):
    rows = dict(demo_db.execute("""
        SELECT period, value FROM observation_latest o JOIN indicator i ON i.code = o.indicator
        WHERE o.kato = '790000000' AND o.indicator LIKE 'srs_coverage%' AND o.breakdown = ''""").fetchall())
    assert rows == {"2022": 58.9, "2023": 87.8}
    flags = demo_db.execute("""SELECT count(*) FROM observation_latest WHERE kato = '790000000'
                               AND indicator LIKE 'srs_coverage%' AND flag IS NOT NULL""").fetchone()[0]
    assert flags >= 1
    konaev_2022 = demo_db.execute("""SELECT value, note FROM observation_latest WHERE indicator = 'qol_score'
                                     AND kato = '191000000' AND period = '2022'""").fetchone()
    assert konaev_2022[0] is None and "н/д" in konaev_2022[1]


def test_a_later_release_is_a_revision_not_an_overwrite(demo_db):
    rows = demo_db.execute("""SELECT revision, value FROM observation WHERE kato = '750000000'
                              AND indicator = 'population' AND period = '2023' AND breakdown = ''
                              ORDER BY revision""").fetchall()
    assert [r[0] for r in rows] == [1, 2] and rows[0][1] != rows[1][1]


def test_every_reform_event_names_territories_of_the_registry(demo_db):
    missing = demo_db.execute("""
        SELECT e.event_id, c.code FROM territory_event e, unnest(list_concat(e.codes_before, e.codes_after)) c(code)
        WHERE c.code NOT IN (SELECT kato FROM territory)""").fetchall()
    assert missing == []
    tobyl = demo_db.execute("SELECT name_ru, kind FROM territory WHERE kato = '395400001'").fetchone()
    assert tobyl == ("Тобыл", "city_district")


def test_former_names_of_towns_resolve(demo_db):
    from aimaq.territory.repository import load_name_index

    index = load_name_index(demo_db)
    assert index.resolve("Затобольск").kato == "395400001"
    assert index.resolve("Зыряновск").name == "Алтай"
    assert index.resolve("Капшагай").kato == "191000000"
    assert index.resolve("г. Хромтау").level == "settlement"


def test_the_demo_runs_every_job_and_labels_computed_results_synthetic(demo_db):
    from aimaq.demography.repository import load_results
    from aimaq.rating.service import show_rating
    from aimaq.rural.service import show_villages
    from aimaq.standards.service import coverage_table

    country = coverage_table(demo_db, 2023, "country")
    overall = country.filter(country["group"] == "all")
    assert overall["synthetic"].to_list() == [True]
    assert abs(overall["coverage_pct"][0] - 64.7) < 0.5  # calibrated to the review's national 64.7%
    computed = show_rating(demo_db, 2024, "computed")
    published = show_rating(demo_db, 2024, "published")
    assert computed.height == published.height == 26
    assert set(computed["synthetic"]) == {True} and set(published["synthetic"]) == {False}
    villages = show_villages(demo_db)
    assert villages["villages"][0] == 6300 and villages["synthetic"][0]
    from aimaq.monotowns import show_monotown

    towns = show_monotown(demo_db)
    assert towns.height == 20 and set(towns["synthetic"]) == {True}
    run_id = demo_db.execute("SELECT max(run_id) FROM forecast_run").fetchone()[0]
    kz = load_results(demo_db, run_id, region_code="000000000", year=2030)
    assert 21.0e6 < kz["population"][0] < 22.2e6  # the review expects 21.5 million
    assert kz["lower80"][0] < kz["population"][0] < kz["upper80"][0]


def test_highlights_put_the_review_beside_aimaq(demo_db):
    from aimaq.demo import highlights

    table = {r["figure"]: r for r in highlights(demo_db).iter_rows(named=True)}
    rating = table["Средний балл рейтинга качества жизни, 2024 (26 городов)"]
    assert rating["review"] == 5.56 and rating["synthetic"]
    assert rating["agreement_note"] == "совпадает по построению: синтетические данные подогнаны к обзору"
    urban = table["Урбанизация, 2030, %"]
    assert (urban["review"], urban["review_upper"]) == (63.9, 65.0) and not urban["agreement_note"]
    assert abs(table["Население на 1 января 2030, млн"]["aimaq"] - 21.5) < 0.7


def test_demo_outputs_are_csv_a_spreadsheet_opens(demo_db, tmp_path):
    import csv

    from aimaq.demo import write_outputs

    paths = {p.name: p for p in write_outputs(demo_db, tmp_path)}
    with paths["forecast_2030_regions.csv"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:8] == ["region_code", "region", "year", "scenario", "population", "lower80", "upper80",
                                 "urban_share"]
    assert len(rows) == 21 and any(r["region"] == "Область Ұлытау" for r in rows)
    with paths["rating_2024_published.csv"].open(encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    assert (first["city"], first["score"]) == ("Туркестан", "6.43")


def test_every_computed_run_names_its_methodology_and_code(demo_db):
    from aimaq.store.catalogue import runs

    frame = runs(demo_db)
    assert set(frame["job"]) == {"rating", "standards", "villages", "forecast", "monotowns"}
    assert frame["spec_sha256"].str.len_chars().min() == 64 and frame["code_version"].null_count() == 0


def test_regional_coverage_2023_matches_the_review_for_every_region(demo_db):
    """Astana, Almaty and Shymkent are assessed over their city districts, so their coverage moves in steps of
    1/(56 k) instead of 1/56, and every one of the 20 regions lands within 0.5 pp of the review."""
    import polars as pl

    from aimaq.standards.service import coverage_table
    from aimaq.standards.synthetic import published_targets

    targets, _ = published_targets(2023)
    reg = coverage_table(demo_db, 2023, "region").filter(pl.col("group") == "all")
    got = dict(zip(reg["kato"], reg["coverage_pct"]))
    assert len(targets) == 20
    for kato, target in targets.items():
        assert abs(got[kato] - target) <= 0.5, (kato, got[kato], target)
    districts = {"710000000": 5, "750000000": 8, "790000000": 5}
    for kato, k in districts.items():
        steps = got[kato] * 56 * k / 100
        assert steps == pytest.approx(round(steps), abs=1e-9)
        assert abs(got[kato] - targets[kato]) <= 100 / (56 * k) / 2 + 1e-9
    n_units = demo_db.execute("""SELECT count(*) FROM srs_coverage_settlement WHERE substr(kato, 1, 2) IN
                                 ('71', '75', '79') AND run_id = (SELECT max(run_id) FROM srs_run
                                 WHERE kind = 'coverage' AND year = 2023)""").fetchone()[0]
    assert n_units == 18


def test_the_budget_plan_on_the_demo_is_proven_optimal(demo_db):
    from aimaq.standards.service import plan_budget

    for budget in (1e9, 5e9):
        s = {r["method"]: r for r in plan_budget(demo_db, budget, 2023, time_limit_s=60).summary.to_dicts()}
        assert s["ilp"]["status"] == "Optimal" and s["ilp"]["mip_gap"] <= 1e-4
        assert s["ilp"]["gain"] >= s["greedy"]["gain"] - 1e-12 and s["ilp"]["cost_mln"] <= budget / 1e6 + 1e-6
        assert s["ilp"]["gain"] <= s["ilp"]["bound"] <= s["ilp"]["gain"] * (1 + 1e-4)
