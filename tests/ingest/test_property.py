"""Property: for any CSV or XLSX file built from random cells, encodings, separators, quoting and shapes, the
import either succeeds with exactly the counts an independent model of the database expects, or is refused
(ValidationFailed, exit 2) with nothing written — never another outcome."""

import csv
import io

import openpyxl
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimaq.errors import ValidationFailed
from aimaq.ingest.service import import_file
from aimaq.store.catalogue import save_indicators

TERRITORIES = {"Акмолинская": "110000000", "ВКО": "630000000", "г. Алматы": "750000000", "Атлантида": None}
PERIODS = {"2021": True, "2022": True, "2023": True, "2023-06": False, "2999": False, "весна": False}
MARKER = "н/д"
# text → (value for gdp_bn, value for population); None: refused for that indicator
VALUES = {"0": (0.0, 0.0), "42": (42.0, 42.0), "1 234": (1234.0, 1234.0), "787971": (787971.0, 787971.0),
          "12,5": (12.5, None), "1234.5": (1234.5, None), "-3": (-3.0, None), "1,234": (1.234, None),
          "1_000": (None, None), "１２": (None, None), "1e3": (None, None), "-0": (None, None), "abc": (None, None),
          "=1+1": (None, None), "1.234.5": (None, None), "": (None, None), MARKER: ("marker", "marker")}
INDICATORS = ["gdp_bn", "population"]
HEADERS = {"territory": ["territory", "территория"], "indicator": ["indicator", "показатель"],
           "period": ["period", "период"], "value": ["value", "значение"]}

any_rows = st.lists(st.tuples(st.sampled_from(sorted(TERRITORIES)), st.sampled_from(INDICATORS),
                              st.sampled_from(sorted(PERIODS)), st.sampled_from(sorted(VALUES))),
                    min_size=0, max_size=8)
# rows of good cells only (keys may still repeat): so that accepted files are common too
good_rows = st.lists(st.tuples(st.sampled_from(["Акмолинская", "ВКО", "г. Алматы"]), st.just("gdp_bn"),
                               st.sampled_from(["2021", "2022", "2023"]),
                               st.sampled_from(["0", "42", "1 234", "12,5", "-3", "1,234", MARKER])),
                     min_size=1, max_size=8)
rows_strategy = st.one_of(any_rows, good_rows)
shape_strategy = st.fixed_dictionaries({
    "format": st.sampled_from(["csv", "csv", "csv", "xlsx"]),
    "separator": st.sampled_from([",", ";", "\t"]),
    "quoting": st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    "encoding": st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1251", "utf-16"]),
    "order": st.permutations(["territory", "indicator", "period", "value"]),
    "russian": st.booleans(),
    "blank_lines": st.booleans(),
    "comment": st.booleans(),
    "numbers_as_numbers": st.booleans(),
})


def expected(rows):
    """The records a correct importer must write, or None when the file must be refused."""
    records = {}
    for territory, indicator, period, text in rows:
        kato = TERRITORIES[territory]
        value = VALUES[text][INDICATORS.index(indicator)]
        if kato is None or not PERIODS[period] or value is None:
            return None
        key = (kato, indicator, period)
        if key in records:
            return None  # a key twice in one file
        records[key] = None if value == "marker" else value
    return records or None  # a file with no rows is refused


def build(tmp_path, n, rows, shape):
    names = [HEADERS[c][1 if shape["russian"] else 0] for c in shape["order"]]
    cells = [[dict(zip(["territory", "indicator", "period", "value"], r))[c] for c in shape["order"]] for r in rows]
    if shape["format"] == "xlsx":
        path = tmp_path / f"f{n}.xlsx"
        book = openpyxl.Workbook()
        ws = book.active
        ws.append(names)
        for row in cells:
            ws.append([int(c) if shape["numbers_as_numbers"] and c.isascii() and c.isdigit() else c for c in row])
        book.save(path)
        return path, True
    out = io.StringIO()
    if shape["comment"]:
        out.write("# exported by a test\n")
    writer = csv.writer(out, delimiter=shape["separator"], quoting=shape["quoting"], lineterminator="\n")
    writer.writerow(names)
    for row in cells:
        writer.writerow(row)
        if shape["blank_lines"]:
            out.write("\n")
    path = tmp_path / f"f{n}.csv"
    try:
        path.write_bytes(out.getvalue().encode(shape["encoding"]))
        readable = shape["encoding"] in ("utf-8", "utf-8-sig")
    except UnicodeEncodeError:
        path.write_bytes(out.getvalue().encode("utf-8"))
        readable = True
    return path, readable


def test_every_file_is_imported_exactly_or_refused_with_nothing_written(db, tmp_path):
    save_indicators(db, pl.DataFrame({"code": INDICATORS, "name_ru": ["ВРП", "Население"],
                                      "unit": ["bn_kzt", "persons"]}))
    stored: dict = {}  # the model of the database: key → latest value
    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(rows=rows_strategy, shape=shape_strategy)
    def check(rows, shape):
        path, readable = build(tmp_path, next(counter), rows, shape)
        want = expected(rows) if readable else None
        before = db.execute("SELECT count(*), (SELECT count(*) FROM import_batch) FROM observation").fetchone()
        try:
            result = import_file(db, path)
        except ValidationFailed as exc:
            assert want is None, f"refused a good file: {exc.details()}"
            assert exc.exit_code == 2 and exc.problems
            after = db.execute("SELECT count(*), (SELECT count(*) FROM import_batch) FROM observation").fetchone()
            assert after == before  # nothing written
            return
        assert want is not None, f"accepted a bad file: {rows} {shape}"
        added = sum(k not in stored for k in want)
        unchanged = sum(k in stored and stored[k] == v for k, v in want.items())
        assert (result.added, result.unchanged, result.revised) == (added, unchanged, len(want) - added - unchanged)
        stored.update(want)
        latest = {(k, i, p): v for k, i, p, v in db.execute(
            "SELECT kato, indicator, period, value FROM observation_latest").fetchall()}
        assert latest == stored

    check()
    outcomes = db.execute("SELECT count(*) FROM import_batch").fetchone()[0]
    assert outcomes > 0  # some files were accepted (the others refused, each checked above)
