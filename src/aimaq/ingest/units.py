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
