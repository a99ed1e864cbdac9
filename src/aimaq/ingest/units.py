"""Units: codes the indicator catalogue uses, the spellings tables use for them, and what the checks need."""

from __future__ import annotations

SYNONYMS = {
    "%": "pct", "процент": "pct", "проценты": "pct", "percent": "pct", "pct": "pct",
    "п.п.": "pp", "pp": "pp", "pct_change": "pct_change", "persons_balance": "persons_balance",
    "чел": "persons", "чел.": "persons", "человек": "persons", "persons": "persons", "people": "persons",
    "тыс. чел.": "thousand_persons", "тыс.чел.": "thousand_persons", "тыс. человек": "thousand_persons",
    "thousand_persons": "thousand_persons", "млн чел.": "million_persons", "million_persons": "million_persons",
    "ед.": "units", "единиц": "units", "units": "units", "шт.": "units",
    "млн тенге": "mln_kzt", "млн. тенге": "mln_kzt", "mln_kzt": "mln_kzt",
    "млрд тенге": "bn_kzt", "млрд. тенге": "bn_kzt", "bn_kzt": "bn_kzt",
    "трлн тенге": "trn_kzt", "trn_kzt": "trn_kzt", "тенге": "kzt", "kzt": "kzt",
    "км": "km", "km": "km", "лет": "years", "years": "years", "баллы": "points", "балл": "points",
    "points": "points", "раз": "times", "times": "times",
}

# Counts cannot be negative; percentages must lie in 0–100.
COUNT_UNITS = {"persons", "thousand_persons", "million_persons", "units", "km"}
PERCENT_UNITS = {"pct"}


def canonical(unit: str | None) -> str | None:
    if unit is None:
        return None
    text = str(unit).strip()
    if not text:
        return None
    return SYNONYMS.get(text.lower(), SYNONYMS.get(text, text))


# Counts are whole numbers: `1,234` or `1.234` for one of these is ambiguous (thousands or a fraction?).
WHOLE_UNITS = {"persons", "persons_balance", "units", "rank"}

# A plausible range per unit, used when an indicator's spec gives none (min_value/max_value in the catalogue).
# Wide on purpose: it catches a value typed in the wrong unit or with extra digits, not an unusual year.
DEFAULT_RANGE: dict[str, tuple[float | None, float | None]] = {
    "pct": (0, 100), "pp": (-100, 100), "pct_change": (-100, 10_000),
    "persons": (0, 100_000_000), "persons_balance": (-100_000_000, 100_000_000),
    "thousand_persons": (0, 100_000), "million_persons": (0, 100),
    "units": (0, 1_000_000_000), "thousand_units": (0, 1_000_000), "rank": (1, 100_000),
    "kzt": (-1e16, 1e16), "mln_kzt": (-1e10, 1e10), "bn_kzt": (-1e7, 1e7), "trn_kzt": (-1e4, 1e4),
    "mrp": (0, 1e9), "km": (0, 10_000_000), "years": (0, 150), "points": (-1000, 1000), "times": (0, 1_000_000),
    "children_per_woman": (0, 15),
}
# Beyond this magnitude no figure of regional statistics is plausible, whatever its unit.
ANY_MAX = 1e16

GRANULARITIES = ("year", "quarter", "month", "date")
KINDS = ("observed", "target", "forecast")
