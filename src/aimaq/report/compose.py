"""Pure: the review from collected data (no database, no files), in the current language. Every number in a
sentence, table or figure comes from `ReviewData`; the analysts' paragraphs come from the text files
(`texts/<year>/<lang>/`). The order and numbering follow the institute's review: introduction, chapter 1
(1.1–1.8), chapter 2 (2.1–2.4), conclusions and recommendations, then the appendix."""

from __future__ import annotations

from aimaq.i18n import _
from aimaq.report.appendix import appendix
from aimaq.report.chapter1 import chapter1, introduction
from aimaq.report.chapter2 import chapter2, conclusions
from aimaq.report.collect import ReviewData
from aimaq.report.facts import make_ctx
from aimaq.report.model import Document


def compose(data: ReviewData) -> Document:
    c = make_ctx(data)
    sections = [introduction(c), *chapter1(c), *chapter2(c), conclusions(c), appendix(c)]
    doc = Document(title=_("Regional progress: key achievements over three years"), kind=_("Analytical review"),
                   year=data.year, lang=c.lang, institute=_("JSC «Institute of Economic Research»"),
                   place=_("Astana"), sections=sections, authors=c.text("authors"), notes=list(data.notes))
    doc.number_blocks()
    return doc
