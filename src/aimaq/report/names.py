"""Territory names as the institute writes them, in the edition's language.

Russian: «Акмолинская область», «область Абай» (the three oblasts formed in 2022 keep their Kazakh name after the
lower-case word «область», also mid-sentence), «г. Астана»; short forms in tables: «Акмолинская», «Абай», «ВКО»,
«г. Астана». Kazakh and English names come from the registry (`name_kk`, `name_en`). Russian cases through
`grammar.inflect`; Kazakh and English sentences use the name as it stands."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimaq.i18n import get_language
from aimaq.report.grammar import capitalise, inflect

NATIONAL = "000000000"
NEW_REGIONS = ("100000000", "330000000", "620000000")  # Абай, Жетісу, Ұлытау (2022)
# the institute's own short forms in tables (Table 5, section 1.8)
RU_SHORT = {"270000000": "ЗКО", "590000000": "СКО", "630000000": "ВКО"}


@dataclass
class Names:
    rows: dict[str, dict[str, str]]  # kato → {kind, ru, kk, en}

    @classmethod
    def from_frame(cls, frame: pl.DataFrame) -> "Names":
        """`frame`: kato, kind, name_ru, name_kk, name_en (the latest version of each territory)."""
        rows = {}
        for kato, kind, ru, kk, en in frame.select("kato", "kind", "name_ru", "name_kk", "name_en").iter_rows():
            rows[kato] = {"kind": kind, "ru": ru, "kk": kk or ru, "en": en or ru}
        return cls(rows)

    def _ru_full(self, kato: str, fallback: str) -> str:
        row = self.rows.get(kato)
        if row is None:
            return fallback
        if kato in NEW_REGIONS or row["ru"].startswith("Область "):
            return "область " + row["kk"].removesuffix(" облысы")
        if row["kind"] == "city_republican":
            return "г. " + row["ru"].removeprefix("город ")
        return row["ru"]

    def full(self, kato: str, case: str = "nom", *, start: bool = False, fallback: str = "") -> str:
        """The name in a sentence (Russian: in `case`); `start=True` capitalises it for the start of a sentence."""
        lang = get_language()
        if lang == "ru":
            text = inflect(self._ru_full(kato, fallback or kato), case)
        else:
            row = self.rows.get(kato)
            text = row[lang] if row else (fallback or kato)
        return capitalise(text) if start else text

    def short(self, kato: str, fallback: str = "") -> str:
        """The name in a table column: «Акмолинская», «Абай», «ВКО», «г. Астана» / «Ақмола» / «Akmola»."""
        lang = get_language()
        row = self.rows.get(kato)
        if row is None:
            return fallback or kato
        if lang == "ru":
            if kato in RU_SHORT:
                return RU_SHORT[kato]
            full = self._ru_full(kato, fallback)
            return full.removeprefix("область ").removesuffix(" область")
        if lang == "kk":
            return row["kk"].removesuffix(" облысы")
        return row["en"].removesuffix(" Region")

    def city(self, name_ru: str, kato: str | None = None) -> str:
        """A city named in the review (rating, monotowns): the registry's name in the edition's language."""
        lang = get_language()
        row = self.rows.get(kato) if kato else None
        if lang == "ru" or row is None:
            return name_ru.replace(" (город)", "")
        return row[lang].removesuffix(" қаласы")
