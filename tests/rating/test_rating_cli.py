import json

from typer.testing import CliRunner

from aimaq.cli.main import app

runner = CliRunner()


def _run(db, *args):
    res = runner.invoke(app, ["--db", str(db), "rating", *args])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.output


def test_show_csv_columns(rating_db):
    out = _run(rating_db[0], "show", "--year", "2024", "--format", "csv").splitlines()
    assert out[0] == "rank,city,kato,score,previous,change_points,change_pct,source,synthetic,agreement_note"
    assert out[1].startswith("1,Туркестан,611000000,6.43,5.19,")
    assert len(out) == 27
    comp = _run(rating_db[0], "show", "--year", "2024", "--source", "computed", "--format", "csv").splitlines()
    assert comp[0] == out[0] and comp[1].endswith(",computed,true,совпадает по построению: синтетические данные "
                                                   "подогнаны к обзору")


def test_other_commands(rating_db):
    db = rating_db[0]
    rm = _run(db, "riskmap", "--year", "2024", "--format", "csv").splitlines()
    assert rm[0] == "item,name_ru,mean,quadrant,quadrant_name,n_cities,published_quadrant,synthetic,agreement_note"
    assert len(rm) == 45
    ch = _run(db, "change", "--year", "2024", "--format", "csv").splitlines()
    assert ch[0] == ("rank,city,kato,score,previous_rescored,previous,total_change,data_effect,method_effect,"
                     "synthetic")
    un = json.loads(_run(db, "uncertainty", "--year", "2024", "--n", "10", "--format", "json"))
    assert len(un) == 26 and un[0]["draws"] == 10
    assert list(un[0]) == ["rank", "city", "kato", "score", "rank_mean", "rank_median", "rank_q5", "rank_q95",
                           "score_q5", "score_q95", "draws", "synthetic"]
    assert [r["rank"] for r in un] == sorted(r["rank"] for r in un) and un[0]["synthetic"] is True
    fa = _run(db, "factors", "--year", "2024", "--format", "csv").splitlines()
    assert fa[0] == "rank,city,kato,qol,econ,human,infra,eco,synthetic" and len(fa) == 27
    assert _run(db, "factors", "--year", "2023", "--format", "csv").splitlines()[0] == \
        "rank,city,kato,qol,econ,human,infra,synthetic"
    sm = _run(db, "summary", "--year", "2024", "--format", "csv")
    assert "Туркестан, Астана, Костанай, Конаев, Атырау" in sm
    table = _run(db, "show", "--year", "2024", "--source", "computed")
    assert "СИНТЕТИЧЕСКИЕ ДАННЫЕ" in table.splitlines()[0]  # the title
    caption = table.rstrip().splitlines()[-1]  # and a caption under the table
    assert caption.startswith("Синтетические данные: баллы рассчитаны по синтетическим входным данным")
    published = _run(db, "show", "--year", "2024")
    assert "интетическ" not in published and "СИНТЕТИЧЕСКИЕ" not in published
    assert "Синтетические данные:" not in _run(db, "show", "--year", "2024", "--source", "computed", "--format", "csv")


def test_compute_command_and_errors(rating_db, tmp_path):
    out = _run(rating_db[0], "compute", "--year", "2024", "--format", "csv").splitlines()
    assert out[0].startswith("rank,city,kato,score") and len(out) == 27
    res = runner.invoke(app, ["--db", str(tmp_path / "empty.duckdb"), "rating", "show", "--year", "2024"])
    assert res.exit_code != 0
    res = runner.invoke(app, ["--db", str(rating_db[0]), "rating", "compute", "--year", "2019"])
    assert res.exit_code != 0
