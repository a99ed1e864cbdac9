"""The review as a structured document: sections of paragraphs, tables and figures. Renderers (HTML/PDF, DOCX)
turn the same model into files, so the three formats always say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

SYNTHETIC_LABEL = "синтетические данные"


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body | note | lead


@dataclass
class Table:
    number: str  # «2», «П.1»
    caption: str
    columns: list[str]
    rows: list[list[str]]  # already formatted cells
    source: str
    synthetic: bool = False
    total_rows: int = 0  # the last n rows are totals (bold)
    align: list[str] | None = None  # per column: "l" or "r"


@dataclass
class Figure:
    number: str
    caption: str
    kind: str  # what figures.draw knows: bars, grouped_bars, band, pyramid
    data: dict[str, Any]  # everything the drawing needs (no database access)
    source: str
    synthetic: bool = False
    file: str = ""  # relative path (figures/…png) once drawn

    @property
    def name(self) -> str:
        return f"figure_{self.number.replace('.', '_')}"


Block = Union[Paragraph, Table, Figure]


@dataclass
class Section:
    number: str  # «1.3», «П»
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 2  # 1 = chapter, 2 = section

    def add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block


@dataclass
class Document:
    title: str
    subtitle: str
    year: int
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]


def source_line(source: str, synthetic: bool) -> str:
    """«Источник: …» with the synthetic label where it applies."""
    text = f"Источник: {source}"
    if synthetic and SYNTHETIC_LABEL not in source:
        text += f" ({SYNTHETIC_LABEL})"
    return text
