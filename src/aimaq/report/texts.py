"""The analysts' own paragraphs: editable text files per year, language and section,
`texts/<year>/<lang>/<section>.md` (the part before the data) and `<section>.after.md` (after it). Next year's
review is written by copying the folder and editing the files, not the code.

The format is a small part of Markdown: paragraphs separated by a blank line, «- » bullets, «### » sub-headings,
**bold** spans (kept for the renderers)."""

from __future__ import annotations

from pathlib import Path

from aimaq.report.model import Paragraph

TEXTS = Path(__file__).parent / "texts"


def text_folder(year: int, lang: str) -> Path | None:
    """The year's folder, or the latest earlier year's (a new year starts from last year's texts)."""
    years = sorted((int(p.name) for p in TEXTS.iterdir() if p.name.isdigit() and (p / lang).is_dir()), reverse=True)
    for y in years:
        if y <= year:
            return TEXTS / str(y) / lang
    return TEXTS / str(years[-1]) / lang if years else None


def parse(text: str) -> list[Paragraph]:
    out: list[Paragraph] = []
    for chunk in text.strip().split("\n\n"):
        lines = [ln.rstrip() for ln in chunk.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        if all(ln.startswith("- ") for ln in lines):
            out.extend(Paragraph(ln[2:].strip(), "bullet") for ln in lines)
        elif len(lines) == 1 and lines[0].startswith("### "):
            out.append(Paragraph(lines[0][4:].strip(), "subheading"))
        else:
            out.append(Paragraph(" ".join(lines), "body"))
    return out


def analyst_text(year: int, lang: str, key: str) -> list[Paragraph]:
    """The paragraphs of `<key>.md` for the year and language; [] when the file does not exist."""
    folder = text_folder(year, lang)
    if folder is None:
        return []
    path = folder / f"{key}.md"
    return parse(path.read_text(encoding="utf-8")) if path.exists() else []
