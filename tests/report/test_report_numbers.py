"""Russian number formatting, checked by hand."""

import math

import pytest

from aimaq.errors import AimaqError
from aimaq.report.numbers import MINUS, NBSP, fmt_num, fmt_pct, fmt_smart, join_names, plural


@pytest.mark.parametrize("value, decimals, expected", [
    (44939, 0, f"44{NBSP}939"),
    (5.5646, 2, "5,56"),
    (4.6077, 2, "4,61"),
    (1923.7, 1, f"1{NBSP}923,7"),
    (20_030_000, 0, f"20{NBSP}030{NBSP}000"),
    (0.125, 2, "0,13"),  # half away from zero, not banker's rounding
    (2.675, 2, "2,68"),  # binary 2.67499999… still rounds as written
    (-0.14, 2, f"{MINUS}0,14"),
    (-0.004, 2, "0,00"),  # no «−0,00»
    (999.96, 1, f"1{NBSP}000,0"),
    (7, 3, "7,000"),
])
def test_fmt_num(value, decimals, expected):
    assert fmt_num(value, decimals) == expected


def test_sign_percent_missing_and_smart():
    assert fmt_num(20.77, 0, sign=True) == "+21"
    assert fmt_num(0, 1, sign=True) == "0,0"
    assert fmt_pct(64.7) == "64,7%"
    assert fmt_pct(28.9, sign=True) == "+28,9%"
    assert fmt_num(None) == "н/д"
    assert fmt_pct(None) == "н/д"
    assert fmt_smart(1923.7) == f"1{NBSP}923,7"
    assert fmt_smart(21.0) == "21"
    assert fmt_smart(5.555) == "5,56"


def test_nan_is_an_error_not_text():
    with pytest.raises(AimaqError):
        fmt_num(math.nan)
    with pytest.raises(AimaqError):
        fmt_num(math.inf, 1)


def test_join_names():
    assert join_names([]) == ""
    assert join_names(["Туркестан"]) == "Туркестан"
    assert join_names(["Туркестан", "Астана", "Костанай"]) == "Туркестан, Астана и Костанай"


def test_plural():
    forms = ("вопрос", "вопроса", "вопросов")
    assert [plural(n, *forms) for n in (1, 2, 4, 5, 11, 12, 14, 21, 23, 44, 111, 0)] == [
        "вопрос", "вопроса", "вопроса", "вопросов", "вопросов", "вопросов", "вопросов", "вопрос", "вопроса",
        "вопроса", "вопросов", "вопросов"]


def test_numbers_follow_the_edition_language():
    from aimaq.i18n import use_language

    with use_language("en"):
        assert fmt_num(44939) == "44,939" and fmt_num(5.5646, 2) == "5.56" and fmt_pct(64.7) == "64.7%"
        assert fmt_num(None) == "n/a" and join_names(["A", "B", "C"]) == "A, B and C"
    with use_language("kk"):
        assert fmt_num(1923.7, 1) == f"1{NBSP}923,7" and join_names(["А", "Б"]) == "А және Б"
        assert fmt_num(None) == "д/ж"


def test_russian_cases_and_counts():
    from aimaq.report.grammar import agree, inflect

    assert inflect("Акмолинская область", "loc") == "Акмолинской области"
    assert inflect("Северо-Казахстанская область", "gen") == "Северо-Казахстанской области"
    assert inflect("область Ұлытау", "loc") == "области Ұлытау"  # the Kazakh name stays as written
    assert inflect("г. Астана", "loc") == "г. Астане"
    assert inflect("Республика Казахстан", "loc") == "Республике Казахстан"
    assert inflect("Туркестанская область", "acc") == "Туркестанскую область"
    assert [agree(n, "город") for n in (1, 3, 5, 21, 112)] == ["город", "города", "городов", "город", "городов"]


def test_names_as_the_institute_writes_them():
    import polars as pl

    from aimaq.i18n import use_language
    from aimaq.report.names import Names

    names = Names.from_frame(pl.DataFrame({
        "kato": ["330000000", "110000000", "710000000", "630000000"], "kind": ["oblast", "oblast", "city_republican",
                                                                             "oblast"],
        "name_ru": ["Область Жетісу", "Акмолинская область", "город Астана", "Восточно-Казахстанская область"],
        "name_kk": ["Жетісу облысы", "Ақмола облысы", "Астана қаласы", "Шығыс Қазақстан облысы"],
        "name_en": ["Zhetisu Region", "Akmola Region", "Astana", "East Kazakhstan Region"]}))
    with use_language("ru"):
        assert names.full("330000000") == "область Жетісу" and names.full("330000000", start=True) == "Область Жетісу"
        assert names.full("330000000", "loc") == "области Жетісу" and names.short("330000000") == "Жетісу"
        assert names.full("710000000", "loc") == "г. Астане" and names.short("630000000") == "ВКО"
        assert names.short("110000000") == "Акмолинская"
    with use_language("kk"):
        assert names.full("330000000") == "Жетісу облысы" and names.short("110000000") == "Ақмола"
    with use_language("en"):
        assert names.full("630000000") == "East Kazakhstan Region" and names.short("630000000") == "East Kazakhstan"


def test_every_literal_message_of_the_report_is_in_every_catalogue():
    """Stricter than tests/i18n for the report: every `_()`, `N_()`, `ngettext()` literal found by parsing the code
    (also calls nested in another call's arguments, which the gettext extractor can miss) is translated."""
    import ast
    from pathlib import Path

    from aimaq.i18n import LANGUAGES
    from aimaq.i18n.missing import load_catalogues

    found = set()
    for path in (Path(__file__).resolve().parents[2] / "src" / "aimaq" / "report").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext"):
                if node.args and isinstance(node.args[0], ast.Constant):
                    found.add((node.args[0].value, node.args[1].value) if node.func.id == "ngettext"
                              else node.args[0].value)
    assert len(found) > 300
    for lang in LANGUAGES:
        entries = load_catalogues(lang)
        missing = [m for m in found if m not in entries or not entries[m][0]]
        assert not missing, (lang, missing)
