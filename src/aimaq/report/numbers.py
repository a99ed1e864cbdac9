"""Numbers in Russian typography: decimal comma, thousands grouped by a no-break space (44 939; 5,56; −0,14)."""

from __future__ import annotations

import math

from aimaq.errors import ComputationError

NBSP = "\u00a0"  # no-break space: groups thousands and never breaks a number across lines
MINUS = "\u2212"  # typographic minus


def _separators() -> tuple[str, str]:
    """Thousands and decimal separators of the current language: ru/kk «44 939,5», en «44,939.5»."""
    from aimaq.i18n import get_language

    return (",", ".") if get_language() == "en" else (NBSP, ",")


def missing_mark() -> str:
    """What a table shows for a value that is not available: «н/д» (ru), «д/ж» (kk), «n/a» (en)."""
    from aimaq.i18n import _

    return _("n/a")


def fmt_num(value: float | int | None, decimals: int = 0, *, sign: bool = False, missing: str | None = None) -> str:
    """`value` rounded half away from zero to `decimals` places, with a decimal comma and thousands grouped by
    a no-break space. `sign=True` writes «+» before positive numbers. None gives `missing` («н/д»); NaN raises."""
    if value is None:
        return missing_mark() if missing is None else missing
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ComputationError(f"cannot format {value!r} as a number")
    if decimals < 0:
        raise ComputationError("decimals must be ≥ 0")
    scaled = abs(value) * 10 ** decimals
    rounded = math.floor(scaled + 0.5 + 1e-9 * max(1.0, scaled))  # half away from zero; absorbs binary noise
    whole, frac = divmod(rounded, 10 ** decimals) if decimals else (rounded, 0)
    group, point = _separators()
    text = f"{whole:,}".replace(",", group)
    if decimals:
        text += point + str(frac).rjust(decimals, "0")
    negative = value < 0 and rounded != 0
    if negative:
        return MINUS + text
    if sign and rounded != 0:
        return "+" + text
    return text


def fmt_pct(value: float | None, decimals: int = 1, *, sign: bool = False) -> str:
    """A percentage: «64,7%» (no space before %, as the review writes it)."""
    return fmt_num(value, decimals, sign=sign, missing=missing_mark()) + ("%" if value is not None else "")


def fmt_int(value: float | int | None) -> str:
    return fmt_num(value, 0)


def fmt_smart(value: float | None, max_decimals: int = 2) -> str:
    """As many decimals as the value needs, up to `max_decimals` (1923.7 → «1 923,7», 21.0 → «21»)."""
    if value is None:
        return fmt_num(None)
    for d in range(max_decimals + 1):
        if abs(round(float(value), d) - float(value)) < 1e-9:
            return fmt_num(value, d)
    return fmt_num(value, max_decimals)


def join_names(names: list[str]) -> str:
    """«А, Б и В» / «A, B and C» / «A, B және C» in the current language."""
    from aimaq.i18n import _

    names = list(names)
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return _("{items} and {last}", items=", ".join(names[:-1]), last=names[-1])


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for an integer count: 1 вопрос, 2 вопроса, 5 вопросов, 11 вопросов, 21 вопрос."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
