"""Russian on every screen: help, errors, hints; Kazakh and English with --lang or AIMAQ_LANG."""

import json

import polars as pl
import pytest

from aimaq.store.catalogue import save_indicators


def test_help_is_russian_by_default(aimaq):
    code, out, _ = aimaq("--help")
    assert code == 0
    for text in ("Использование:", "Параметры", "Команды", "Рейтинг качества жизни в городах",
                 "Показать эту справку и выйти.", "Не показывать ход выполнения"):
        assert text in out, text
    assert "Show this message" not in out and "Usage:" not in out


def test_help_of_a_command_in_kazakh_and_english(aimaq, monkeypatch):
    code, out, _ = aimaq("--lang", "kk", "standards", "plan", "--help")
    assert code == 0
    assert "Қолданылуы:" in out and "Бюджет, теңге." in out and "[міндетті]" in out
    assert set("әғқңөүі") <= set(out)  # Kazakh letters come through unharmed
    monkeypatch.setenv("AIMAQ_LANG", "en")
    code, out, _ = aimaq("rating", "show", "--help")
    assert code == 0 and "Usage:" in out and "Rank, city, score" in out and "Рейтинг" not in out


def test_usage_errors_are_translated_and_keep_exit_status_2(aimaq):
    code, _, err = aimaq("series")
    assert code == 2 and "Не указан аргумент" in err and "Ошибка" in err
    code, _, err = aimaq("--lang", "kk", "rating", "show", "--year", "x")
    assert code == 2 and "Бүтін сан керек" in err and "Қате" in err
    code, _, err = aimaq("--lang", "de", "info")
    assert code == 1 and err.startswith("Ошибка: Неизвестный язык 'de'")


def test_errors_start_with_the_word_of_the_language_never_english_error(aimaq, tmp_path):
    missing = tmp_path / "none.duckdb"
    for lang, word in (("ru", "Ошибка: "), ("kk", "Қате: "), ("en", "Error: ")):
        code, out, err = aimaq("--lang", lang, "--db", missing, "info")
        assert code == 1 and out == "" and err.startswith(word), err
        assert not err.startswith("error:")


def test_option_values_are_case_insensitive(aimaq, db):
    code, out, _ = aimaq("standards", "catalogue", "-f", "CSV")  # needs no database
    assert code == 0 and out.splitlines()[0].startswith("code,direction")
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    code, out, err = aimaq("--db", path, "territory", "list", "--level", "Region", "-f", "JSON")
    rows = json.loads(out)
    assert code == 0, err
    assert len(rows) >= 20 and {r["level"] for r in rows} == {"region"}


@pytest.fixture()
def births_db(db):
    save_indicators(db, pl.DataFrame({"code": ["births"], "name_ru": ["Число родившихся"], "unit": ["persons"],
                                      "name_kk": ["Туғандар саны"], "name_en": ["Live births"]}))
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    return path


def test_an_indicator_may_be_named_in_russian_and_an_unknown_one_gets_suggestions(aimaq, births_db):
    code, out, err = aimaq("--db", births_db, "series", "число родившихся", "-f", "csv")
    assert code == 0, err
    assert out.startswith("kato,territory,period,value")
    code, out, err = aimaq("--db", births_db, "series", "Число рождений")
    assert code == 3 and out == ""
    assert "неизвестный показатель «Число рождений»" in err and "births (Число родившихся)" in err


def test_no_published_rating_for_a_year_names_the_published_years(aimaq, db, tmp_path):
    from aimaq.ingest.service import import_file

    save_indicators(db, pl.DataFrame({"code": ["qol_score"], "name_ru": ["Балл качества жизни"],
                                      "unit": ["score"]}))
    table = tmp_path / "scores.csv"
    table.write_text("territory,indicator,period,value\nг. Астана,qol_score,2023,6.1\nг. Астана,qol_score,2024,6.4\n",
                     encoding="utf-8")
    import_file(db, table)
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    code, _, err = aimaq("--db", path, "rating", "show", "--year", "2019")
    assert code == 1
    assert "опубликованного рейтинга за 2019 нет: в обзоре опубликованы годы 2023, 2024" in err
    assert "aimaq demo" not in err  # the review is loaded: loading it again would not help
    code, out, err = aimaq("--db", path, "rating", "show", "--year", "2024", "--source", "PUBLISHED", "-f", "csv")
    assert code == 0, err
    assert "6.4" in out


def test_hints_name_commands_not_python_functions(aimaq, db):
    path = db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    db.close()
    code, _, err = aimaq("--db", path, "standards", "coverage", "--year", "2023")
    assert code == 5
    assert "build_synthetic" not in err and "aimaq " in err


def test_a_pyramid_is_never_written_under_another_suffix(aimaq, tmp_path):
    target = tmp_path / "x.xlsx"
    code, _, err = aimaq("--db", tmp_path / "none.duckdb", "forecast", "pyramid", "--out", target)
    assert code == 1 and ".png" in err and "x.xlsx" in err
    assert not target.exists() and not (tmp_path / "none.duckdb").exists()
