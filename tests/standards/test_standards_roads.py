"""Road networks: import (all or nothing, every problem located) and coverage with road distances, through the
service on a fresh database file.

Constructed case (catalogue: P1 school present, W1 medical point within 13 km, detour 1.3; all villages):
  A has the medical point. B is 4 km from A in a straight line (× 1.3 = 5.2 km: reachable) but 20 km by road
  (not reachable). C is 12 km from A (× 1.3 = 15.6 km: not reachable) but 12.5 km by road (reachable).
  D, 50 km away, has no road edge. Coverage = W1 met / 2 items: A 50, B 50 → 0, C 0 → 50, D 0."""

import json

import polars as pl

import pytest
import yaml

from aimaq.errors import ValidationFailed
from aimaq.standards import service
from aimaq.store.db import connect

from .conftest import lat_offset, mini_catalogue

A, B, C, D = "473600001", "473600002", "473600003", "473600004"
LAT, LON = 45.0, 60.0


def _catalogue_file(tmp_path):
    data = mini_catalogue().model_dump()
    data.pop("sha256")
    data["items"] = [i for i in data["items"] if i["code"] in ("P1", "W1")]
    path = tmp_path / "roads_catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def _seed(con):
    rows = [("000000000", "Республика Казахстан", "country", "country", None, None, None, None),
            ("470000000", "Мангистауская область", "region", "oblast", "000000000", None, None, None),
            ("473600000", "Мангистауский район", "district", "district", "470000000", None, None, None),
            (A, "Аксу", "settlement", "village", "473600000", LAT, LON, 900),
            (B, "Бирлик", "settlement", "village", "473600000", LAT + lat_offset(4), LON, 400),
            (C, "Жанаталап", "settlement", "village", "473600000", LAT - lat_offset(12), LON, 300),
            (D, "Дальний", "settlement", "village", "473600000", LAT + lat_offset(50), LON, 200)]
    for r in rows:
        con.execute("""INSERT INTO territory (kato, name_ru, level, kind, parent_kato, lat, lon, population, synthetic)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, FALSE)""", list(r))
        con.execute("INSERT INTO territory_alias VALUES (?, ?, 'official', 'ru', NULL)", [r[0], r[1]])


@pytest.fixture
def db(tmp_path):
    con = connect(tmp_path / "roads.duckdb")
    _seed(con)
    fac = tmp_path / "fac.csv"
    fac.write_text(f"kato,facility,lat,lon\n{A},medical,{LAT},{LON}\n", encoding="utf-8")
    service.import_facilities(con, fac, 2023, edition=_catalogue_file(tmp_path))
    yield con, _catalogue_file(tmp_path), tmp_path
    con.close()


def _coverage(run):
    return dict(zip(run.settlements["kato"], run.settlements["coverage_pct"]))


def _params(con, run_id):
    params, notes = con.execute("SELECT params, notes FROM srs_run WHERE run_id = ?", [run_id]).fetchone()
    return json.loads(params), notes


def test_road_distances_replace_straight_line_times_detour(db):
    con, edition, tmp = db
    straight = service.compute_coverage(con, 2023, edition=edition)
    assert _coverage(straight) == {A: 50.0, B: 50.0, C: 0.0, D: 0.0}
    params, notes = _params(con, straight.run_id)
    assert params["distance"] == "straight_line_x_detour" and params["road_network"] is None
    assert "no road network loaded" in notes

    roads = tmp / "roads.csv"   # names and codes mixed; B–A written in reverse order
    roads.write_text(f"from_kato,to_kato,km\nБирлик,Аксу,20\n{A},{C},12.5\n", encoding="utf-8")
    out = service.import_roads(con, roads)
    assert (out["edges"], out["settlements"]) == (2, 3)
    stored = con.execute("SELECT from_kato, to_kato, km, source, row_number, from_text FROM srs_road_edge "
                         "ORDER BY row_number").fetchall()
    assert stored == [(A, B, 20.0, "roads.csv", 2, "Аксу"), (A, C, 12.5, "roads.csv", 3, A)]

    by_road = service.compute_coverage(con, 2023, edition=edition)
    assert _coverage(by_road) == {A: 50.0, B: 0.0, C: 50.0, D: 0.0}
    params, notes = _params(con, by_road.run_id)
    assert params["distance"] == "road" and params["road_network"]["edges"] == 2
    assert params["road_network"]["import_id"] == out["import_id"]
    assert "road-network distances (2 edges" in notes and "1 settlements have no road edge" in notes
    # the gap list measures by road too
    gap = service.gaps(con, B, 2023, edition=edition).filter(item="W1").row(0, named=True)
    assert gap["nearest_kato"] == A and gap["nearest_km"] == pytest.approx(20.0)

    # on request the network is ignored
    assert _coverage(service.compute_coverage(con, 2023, edition=edition, roads=False))[B] == 50.0

    # a new import replaces the network; --append adds to it
    again = tmp / "roads2.csv"
    again.write_text(f"from_kato,to_kato,km\n{B},{A},6\n", encoding="utf-8")
    service.import_roads(con, again)
    assert _coverage(service.compute_coverage(con, 2023, edition=edition)) == {A: 50.0, B: 50.0, C: 0.0, D: 0.0}
    more = tmp / "roads3.csv"
    more.write_text(f"from_kato,to_kato,km\n{C},{A},13\n", encoding="utf-8")
    assert service.import_roads(con, more, append=True)["kept_edges"] == 1
    assert _coverage(service.compute_coverage(con, 2023, edition=edition)) == {A: 50.0, B: 50.0, C: 50.0, D: 0.0}


def test_import_roads_reports_every_problem_and_writes_nothing(db):
    con, _, tmp = db
    bad = tmp / "bad.csv"
    bad.write_text("from_kato,to_kato,km\n"
                   "Аксу,Неизвестное,5\n"          # 2: unknown name
                   f"{A},{B},-3\n"                  # 3: km not positive
                   f"{B},{B},4\n"                   # 4: to itself
                   f"{B},{A},7\n"                   # 5: duplicate of row 3 (undirected)
                   f"{A},{C},abc\n"                 # 6: km not a number
                   f"999999999,{A},3\n"             # 7: unknown code
                   f"{C},,2\n", encoding="utf-8")  # 8: missing end
    with pytest.raises(ValidationFailed) as exc:
        service.import_roads(con, bad)
    got = {(p.row, p.column) for p in exc.value.problems}
    assert got == {(2, "B"), (3, "C"), (4, "B"), (5, "B"), (6, "C"), (7, "A"), (8, "B")}
    assert all(p.file == str(bad) for p in exc.value.problems)
    reasons = {p.row: p.reason for p in exc.value.problems}
    # reasons in the user's language (Russian by default)
    assert "в него же" in reasons[4] and "повторяется" in reasons[5] and "строка 3" in reasons[5]
    assert "положительное число" in reasons[3] and "неизвестный населённый пункт" in reasons[2]
    assert con.execute("SELECT count(*) FROM srs_road_edge").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM import_batch WHERE layout = 'srs_roads'").fetchone()[0] == 0

    good = tmp / "good.csv"
    good.write_text(f"from_kato,to_kato,km\n{A},{B},3\n", encoding="utf-8")
    assert service.import_roads(con, good, dry_run=True) == {
        "edges": 1, "settlements": 2, "dry_run": True, "kept_edges": 0, "replaces_import": None}
    assert con.execute("SELECT count(*) FROM srs_road_edge").fetchone()[0] == 0
    service.import_roads(con, good)
    with pytest.raises(ValidationFailed) as exc:   # appending an edge already stored
        service.import_roads(con, good, append=True)
    assert "уже есть в сохранённой сети" in exc.value.problems[0].reason


def test_import_roads_xlsx_names_the_sheet_and_missing_columns(db):
    import openpyxl

    con, _, tmp = db
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Дороги"
    ws.append(["from_kato", "to_kato", "km"])
    ws.append([int(A), "Бирлик", 4.5])             # a code typed as a number is fine
    ws.append(["Аксу", "Жанаталап", 0])
    other = book.create_sheet("Прочее")
    other.append(["откуда", "куда", "км"])
    path = tmp / "roads.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as exc:
        service.import_roads(con, path)
    got = {(p.sheet, p.row, p.column) for p in exc.value.problems}
    assert got == {("Дороги", 3, "C"), ("Прочее", 1, None)}
    del book["Прочее"]
    book["Дороги"].delete_rows(3)
    book.save(path)
    assert service.import_roads(con, path)["edges"] == 1
    assert con.execute("SELECT from_kato, to_kato, km, sheet FROM srs_road_edge").fetchall() == [(A, B, 4.5, "Дороги")]


def test_cli_import_roads(db):
    from typer.testing import CliRunner

    from aimaq.cli.main import app

    con, _, tmp = db
    path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    good = tmp / "good.csv"
    good.write_text(f"from_kato,to_kato,km\n{A},{B},3\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["--lang", "en", "--db", path, "standards", "import-roads", str(good), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "1 road edges between 2 settlements" in res.output and "dry run" in res.output
    bad = tmp / "bad.csv"
    bad.write_text(f"from_kato,to_kato,km\n{A},{A},3\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["--lang", "en", "--db", path, "standards", "import-roads", str(bad)])
    # main() prints every problem of a ValidationFailed, one per line, and exits with status 2
    assert isinstance(res.exception, ValidationFailed) and ValidationFailed.exit_code == 2
    assert "row 2, column B" in res.exception.details() and "itself" in res.exception.details()


def test_plan_spillover_follows_the_roads():
    """Villages P, Q 3 km apart in a straight line but 40 km by road; R 100 km from P but 10 km by road. A medical
    point (W1, 13 km) built in P serves Q by straight line, R by road."""
    from aimaq.standards.coverage import evaluate
    from aimaq.standards.optimise import build_problem

    from .conftest import facilities_frame, levels_frame, settlements_frame

    cat = mini_catalogue()
    s = settlements_frame([("P", "P", "village", LAT, LON, 500, "47", "4736"),
                           ("Q", "Q", "village", LAT + lat_offset(3), LON, 500, "47", "4736"),
                           ("R", "R", "village", LAT + lat_offset(100), LON, 500, "47", "4736")])
    fac, lv = facilities_frame([]), levels_frame([])
    net = pl.DataFrame({"from_kato": ["P", "P"], "to_kato": ["Q", "R"], "km": [40.0, 10.0]})

    def served_by_p(network):
        cm = evaluate(s, fac, lv, cat, network=network)
        problem = build_problem(cm, s, cat, network=network)
        proj = problem.projects.with_row_index("k").filter(pl.col("item") == "W1")
        k = dict(zip(proj["kato"], proj["k"]))
        cover = problem.cover.toarray()
        return {x for x in ("Q", "R") if cover[k["P"], k[x]] and cover[k[x], k["P"]]}

    assert served_by_p(None) == {"Q"}
    assert served_by_p(net) == {"R"}
