"""Programme KPIs, With a Diploma to the Village and Auyl – El Besigi from the review's figures."""

import json

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from aimaq.demo import init_database
from aimaq.errors import SpecError
from aimaq.programmes import auyl_summary, diploma_summary, programme_kpis
from aimaq.programmes.compute import kpi_frame
from aimaq.programmes.spec import parse_spec


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("programmes") / "t.duckdb"
    c = init_database(path)
    yield c
    c.close()


def _row(frame, indicator, year, dimension=""):
    out = frame.filter(pl.col("indicator") == indicator, pl.col("year") == year, pl.col("dimension") == dimension)
    assert out.height == 1, out
    return out.row(0, named=True)


def test_rural_concept_2023_plan_fact(con):
    k = programme_kpis(con, "rural_concept")
    for ind, plan, fact in [("water_supply_coverage_pct", 95.1, 96.5), ("internet_users_share_pct", 92.7, 93.2),
                            ("local_roads_normative_share_pct", 86.0, 87.0)]:
        r = _row(k, ind, "2023")
        assert (r["plan"], r["fact"], r["achieved"]) == (plan, fact, True)
        assert r["gap"] == pytest.approx(fact - plan)
        assert "Концепции развития сельских территорий" in r["place"]
    roads = k.filter(pl.col("indicator") == "local_roads_normative_share_pct", pl.col("target").is_not_null())
    assert dict(zip(roads["year"], roads["target"])) == {"2025": 88.0, "2026": 90.0, "2027": 95.0}
    # polarity −1 from the catalogue: targets only, nothing to judge
    unemp = k.filter(pl.col("indicator") == "unemployment_rate_pct")
    assert set(unemp["polarity"]) == {-1} and unemp["achieved"].null_count() == unemp.height
    assert set(unemp["target"]) == {4.5, 4.3, 4.2}


def test_all_programmes_present_and_polarity_override(con):
    k = programme_kpis(con)
    assert list(k["programme"].unique(maintain_order=True)) == ["rural_concept", "border_roadmap", "diploma", "auyl"]
    # catalogue polarity of population_million is 0; the spec makes it 1 for the border roadmap
    pop = _row(k.filter(pl.col("programme") == "border_roadmap"), "population_million", "2027")
    assert (pop["polarity"], pop["target"]) == (1, 4.0)
    d = k.filter(pl.col("programme") == "diploma")
    assert _row(d, "diploma_lifting_allowance_recipients", "2019-2023")["fact"] == 44939
    assert _row(d, "financing_bn_kzt", "2024", "kind=бюджетные кредиты")["plan"] == 30.0   # status=plan
    assert _row(d, "financing_bn_kzt", "2024-06-01", "kind=подъемное пособие")["flag"].startswith("implausible")


def test_achieved_by_polarity_hand_made():
    spec = parse_spec("""
name: t
version: "1"
programmes:
  - code: p
    name_ru: П
    match: [{aggregate: x}]
    indicators: [{code: up}, {code: down}, {code: neutral}]
""")
    obs = pl.DataFrame({
        "kato": ["000000000"] * 6, "indicator": ["up", "up", "down", "down", "neutral", "neutral"],
        "period": ["2023"] * 6,
        "breakdown": ["aggregate=x;kind=plan", "aggregate=x;kind=fact"] * 3,
        "value": [10.0, 9.0, 5.0, 4.0, 1.0, 2.0], "flag": [None] * 6, "note": [None] * 6, "place": ["p"] * 6})
    cat = pl.DataFrame({"code": ["up", "down", "neutral"], "name_ru": ["a", "b", "c"], "unit": ["pct"] * 3,
                        "polarity": [1, -1, 0]})
    k = kpi_frame(obs, cat, spec)
    got = dict(zip(k["indicator"], k["achieved"]))
    assert got == {"up": False, "down": True, "neutral": None}
    assert dict(zip(k["indicator"], k["gap"])) == {"up": -1.0, "down": -1.0, "neutral": 1.0}


def test_bad_spec_lists_problems():
    with pytest.raises(SpecError, match="(?s)роль «maybe» не входит в.*полярность «a» должна быть 1 или -1"):
        parse_spec("""
name: t
version: "1"
programmes:
  - code: p
    name_ru: П
    match: [{aggregate: x}]
    roles: {plan: maybe}
    indicators: [{code: a, polarity: 2}]
""")


def test_diploma_by_sphere_shares(con):
    s = diploma_summary(con, "sphere")
    total = s.filter(pl.col("sphere") == "Итого").row(0, named=True)
    assert total["count"] == 44939 and total["published_total"] == 44939 and total["total_check"]
    health = s.filter(pl.col("sphere") == "Здравоохранение").row(0, named=True)
    assert health["count"] == 9779
    assert health["share_pct"] == pytest.approx(9779 / 44939 * 100)          # 21.76
    assert health["published_share_pct"] == 21.7
    assert "needs a base of 44961–45168" in health["note"]                  # 9779/21.75, 9779/21.65
    assert health["flag"] and "mixed bases" in health["flag"]
    edu = s.filter(pl.col("sphere") == "Образование").row(0, named=True)
    assert edu["count"] == 29584 and edu["share_pct"] == pytest.approx(65.83146, abs=1e-5) and edu["note"] is None
    assert s.filter(pl.col("note").is_not_null()).height == 1
    assert s.filter(pl.col("sphere") != "Итого")["share_pct"].sum() == pytest.approx(100.0)


def test_diploma_by_region_and_year(con):
    r = diploma_summary(con, "region")
    assert r.height == 18 and r["total_check"].all()
    top = r.row(0, named=True)
    assert (top["count"], top["published_share_pct"]) == (7786, 17.3)
    assert top["share_pct"] == pytest.approx(7786 / 44939 * 100)
    assert r.filter(pl.col("region") == "Итого")["count"][0] == 44939
    y = diploma_summary(con, "year")
    assert dict(zip(y["year"], y["count"])) == {"2019": 8241, "2020": 8826, "2021": 8749, "2022": 9690,
                                                "2023": 9433, "Итого": 44939}
    assert y["total_check"].all()


def test_auyl_summary(con):
    a = auyl_summary(con)
    tot = a.filter(pl.col("sphere") == "всего")
    past = tot.filter(pl.col("period") == "2019-2023").row(0, named=True)
    assert (past["projects"], past["published_projects"], past["financing_bn_kzt"], past["settlements"]) == \
        (5414.0, 5400.0, 563.2, 1800.0)
    assert past["mln_kzt_per_project"] == pytest.approx(563.2e3 / 5414)
    plan = tot.filter(pl.col("period") == "2024").row(0, named=True)
    assert (plan["projects"], plan["published_projects"], plan["role"]) == (1400.0, 1400.0, "plan")


def test_cli_register(con, tmp_path, monkeypatch):
    from aimaq.cli.programmes import register

    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    con.execute("CHECKPOINT")
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(path, copy)
    from aimaq import settings

    monkeypatch.setattr(settings, "_current", settings.Settings(db_path=copy))
    app = typer.Typer()
    register(app)
    run = CliRunner().invoke(app, ["programmes", "kpi", "--programme", "rural_concept", "--format", "json"])
    assert run.exit_code == 0, run.output
    rows = json.loads(run.output)
    water = [r for r in rows if r["indicator"] == "water_supply_coverage_pct" and r["year"] == "2023"][0]
    assert water["achieved"] is True and water["fact"] == 96.5
    run = CliRunner().invoke(app, ["programmes", "diploma", "--by", "sphere", "--format", "csv"])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[0].startswith("sphere,count,published_total")
    assert "Итого,44939" in run.output
    run = CliRunner().invoke(app, ["programmes", "auyl", "-f", "table"])
    assert run.exit_code == 0 and "всего" in run.output
