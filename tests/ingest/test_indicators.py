import subprocess
import sys

import pytest

from aimaq.errors import ValidationFailed
from aimaq.store.catalogue import import_indicators, save_indicators


def test_new_indicators_then_their_data(db, tmp_path):
    catalogue = tmp_path / "ind.csv"
    catalogue.write_text("code,name_ru,name_kk,unit,polarity\n"
                         "gas_access_pct,Доступ к газу,Газға қолжетімділік,pct,1\n"
                         "schools,Число школ,Мектептер саны,units,0\n", encoding="utf-8")
    assert import_indicators(db, catalogue) == (2, 0)
    assert import_indicators(db, catalogue) == (0, 2)  # idempotent
    name_kk = db.execute("SELECT name_kk FROM indicator WHERE code = 'gas_access_pct'").fetchone()[0]
    assert name_kk == "Газға қолжетімділік"


def test_bad_catalogue_rows_are_all_reported_and_nothing_is_written(db, tmp_path):
    import polars as pl

    save_indicators(db, pl.DataFrame({"code": ["schools"], "name_ru": ["Число школ"], "unit": ["units"]}))
    catalogue = tmp_path / "ind.csv"
    catalogue.write_text("code,name_ru,unit,polarity\n"
                         "gas_access_pct,Доступ к газу,pct,1\n"
                         "Bad Code,Плохо,pct,0\n"
                         "roads_km,Дороги,,0\n"
                         "schools,Число школ,pct,0\n"
                         "x_share,Доля,pct,2\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        import_indicators(db, catalogue)
    got = {(p.row, p.column.split()[0]) for p in err.value.problems}
    assert got == {(3, "A"), (4, "C"), (5, "C"), (6, "D")}
    assert db.execute("SELECT count(*) FROM indicator").fetchone()[0] == 1


def test_indicator_cli(db, tmp_path):
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    catalogue = tmp_path / "ind.csv"
    catalogue.write_text("code,name_ru,unit\nwater_pct,Водоснабжение,pct\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", path, "indicator", "import", str(catalogue)],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "added 1 indicator" in run.stdout, run.stderr
    run = subprocess.run([sys.executable, "-m", "aimaq.cli.main", "--db", path, "indicator", "list", "-f", "csv"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "water_pct,Водоснабжение" in run.stdout
