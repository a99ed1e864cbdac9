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


def test_russian_numbers_in_stored_reasons():
    from aimaq.report.compose_more import russian_numbers

    assert russian_numbers("естественный прирост +14.4%, внутренняя миграция -1.2%, внешняя -0.3%") == \
        "естественный прирост +14,4%, внутренняя миграция \u22121,2%, внешняя \u22120,3%"
    # a date, a year range and codes stay as they are
    assert russian_numbers("база 1.01.2023: 19.77 млн; 2023–2030 (WPP 2024, смертность при e0 75.09) A7") == \
        "база 1.01.2023: 19,77 млн; 2023–2030 (WPP 2024, смертность при e0 75,09) A7"
    assert russian_numbers("прирост +1 912 тыс., 63.9%–65.0%, 2022-2024") == \
        "прирост +1\u00a0912 тыс., 63,9%–65,0%, 2022-2024"
