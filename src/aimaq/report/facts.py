"""Pure helpers shared by the chapters: the published figures (one frame, looked up by indicator, territory,
period and breakdown), the edition's context (data, names, language) and the source lines."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimaq.i18n import N_, _, get_language
from aimaq.report.collect import ReviewData
from aimaq.report.model import Paragraph
from aimaq.report.names import NATIONAL, Names
from aimaq.report.texts import analyst_text

# where the figures come from, as the institute cites them (the original producers, not the review itself)
SRC_BNS = N_("Bureau of National Statistics of the ASPR RK")
SRC_MNE = N_("Ministry of National Economy of the Republic of Kazakhstan")
SRC_IER = N_("Institute of Economic Research")
SRC_IER_RATING = N_("Institute of Economic Research, city quality-of-life rating")
SRC_IER_SRS = N_("Institute of Economic Research, database on coverage under the System of Regional Standards")
SRC_IER_MONO = N_("Institute of Economic Research, database on single-industry towns")
SRC_AIMAQ = N_("calculated in Aimaq")
SRC_AIMAQ_SYN = N_("calculated in Aimaq from synthetic data")


@dataclass
class Published:
    frame: pl.DataFrame  # kato, indicator, period, breakdown, value, flag, place, name_ru

    def rows(self, indicator: str, *, kato: str | None = NATIONAL, period: str | None = None,
             has: str | tuple[str, ...] = (), plain: bool = False) -> pl.DataFrame:
        """Rows of `indicator`; `has`: breakdown parts that must all be present; `plain`: no breakdown at all."""
        f = self.frame.filter(pl.col("indicator") == indicator)
        if kato is not None:
            f = f.filter(pl.col("kato") == kato)
        if period is not None:
            f = f.filter(pl.col("period") == period)
        for part in (has,) if isinstance(has, str) else has:
            f = f.filter(pl.col("breakdown").str.contains(part, literal=True))
        if plain:
            f = f.filter((pl.col("breakdown") == "") | pl.col("breakdown").is_null())
        return f

    def get(self, indicator: str, **kw) -> float | None:
        f = self.rows(indicator, **kw).filter(pl.col("value").is_not_null())
        return None if f.is_empty() else float(f["value"][0])


@dataclass
class Ctx:
    data: ReviewData
    names: Names
    pub: Published
    lang: str

    @property
    def year(self) -> int:
        return self.data.year

    def text(self, key: str) -> list[Paragraph]:
        return analyst_text(self.year, self.lang, key)


def make_ctx(data: ReviewData) -> Ctx:
    empty = pl.DataFrame(schema={"kato": pl.Utf8, "indicator": pl.Utf8, "period": pl.Utf8, "breakdown": pl.Utf8,
                                 "value": pl.Float64, "flag": pl.Utf8, "place": pl.Utf8, "name_ru": pl.Utf8})
    frame = data.published if data.published is not None else empty
    frame = frame.with_columns(pl.col("breakdown").fill_null(""))
    names = data.names if data.names is not None else Names({})
    return Ctx(data=data, names=names, pub=Published(frame), lang=get_language())


def src(*parts: str) -> str:
    """A source line's text: the named producers, translated, joined by «; »."""
    return "; ".join(_(p) for p in parts)


def period_text(period: str) -> str:
    """«2019-2023» → «2019–2023» (an en dash, as in print)."""
    return period.replace("-", "–") if len(period) == 9 else period


def missing_year(what: str, year: int | str) -> Paragraph:
    """The sentence for a year whose data are not in the database."""
    return Paragraph(_("Data on {what} for {year} are not available in the database.", what=what, year=year), "note")
