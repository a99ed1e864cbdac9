"""The review as a structured document: sections of paragraphs, tables and figures. Renderers (HTML/PDF, DOCX)
turn the same model into files, so the three formats always say the same thing. Every text in the model is
already in the edition's language; numbers of tables and figures are given by `number_blocks` in reading
order (body 1, 2, …; appendix П.1 / Қ.1 / A.1), so the numbering can never run backwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from aimaq.i18n import N_, _

SYNTHETIC = N_("synthetic data")


def synthetic_label() -> str:
    return _(SYNTHETIC)


@dataclass
class Paragraph:
    text: str  # may hold **bold** spans
    style: str = "body"  # body | note | bullet | subheading


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]  # already formatted cells
    source: str
    synthetic: bool = False
    total_rows: int = 0  # the last n rows are totals (bold)
    align: list[str] | None = None  # per column: "l" or "r"
    widths: list[float] | None = None  # relative column widths (DOCX; HTML lets the browser decide)
    number: str = ""


@dataclass
class Figure:
    key: str  # stable file name: figures/<key>.png
    caption: str
    kind: str  # what figures.draw knows: bars, grouped_bars, paired_bars, stacked_area, columns, pyramid
    data: dict[str, Any]  # everything the drawing needs (no database access), labels already translated
    source: str
    synthetic: bool = False
    number: str = ""
    file: str = ""  # relative path (figures/…png) once drawn

    @property
    def name(self) -> str:
        return f"figure_{self.key}"


Block = Union[Paragraph, Table, Figure]


@dataclass
class Section:
    number: str  # «1.3»; "" for unnumbered parts (introduction, conclusions, appendix)
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 2  # 1 = chapter / part, 2 = section
    appendix: bool = False

    def add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block

    def extend(self, blocks: list[Block]) -> None:
        self.blocks.extend(blocks)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass
class Document:
    title: str
    kind: str  # «Аналитический обзор»
    year: int
    lang: str
    institute: str
    place: str  # city on the title page
    sections: list[Section]
    authors: list[Paragraph] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def number_blocks(self) -> None:
        """Tables and figures numbered in reading order: 1, 2, … in the body, «П.1» … in the appendix."""
        counters = {"body": [0, 0], "appendix": [0, 0]}
        prefix = _("A")  # appendix letter: П (ru), Қ (kk), A (en)
        for s in self.sections:
            part = "appendix" if s.appendix else "body"
            for b in s.blocks:
                if isinstance(b, (Table, Figure)):
                    i = 0 if isinstance(b, Table) else 1
                    counters[part][i] += 1
                    n = counters[part][i]
                    b.number = f"{prefix}.{n}" if s.appendix else str(n)


def source_line(source: str, synthetic: bool) -> str:
    """«Источник: …» with the synthetic label where it applies."""
    text = _("Source: {source}", source=source)
    label = synthetic_label()
    if synthetic and label not in source:
        text += f" ({label})"
    return text
