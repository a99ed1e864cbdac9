"""Renderers: one Jinja2 template gives the HTML and, through WeasyPrint, the PDF; python-docx builds the DOCX
from the same document model. Fonts are the vendored DejaVu files (never system fonts)."""

from __future__ import annotations

import shutil
from pathlib import Path

from aimaq.errors import AimaqError
from aimaq.report.model import SYNTHETIC_LABEL, Document, Figure, Paragraph, Table, source_line

HERE = Path(__file__).parent
FONTS = HERE / "fonts"
FORMATS = ("html", "pdf", "docx")


def _align(table: Table, i: int) -> str:
    if table.align and i < len(table.align):
        return table.align[i]
    return "l" if i == 0 else "r"


def html_text(doc: Document) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("review.html.j2").render(doc=doc, fonts="fonts", align=_align, source_line=source_line)


def copy_fonts(out: Path) -> None:
    dest = out / "fonts"
    dest.mkdir(parents=True, exist_ok=True)
    for f in list(FONTS.glob("*.ttf")) + [FONTS / "LICENSE.txt"]:
        target = dest / f.name
        if not target.exists() or target.stat().st_size != f.stat().st_size:
            shutil.copyfile(f, target)


def render_html(doc: Document, out: Path) -> Path:
    copy_fonts(out)
    path = out / "review.html"
    path.write_text(html_text(doc), encoding="utf-8")
    return path


def render_pdf(doc: Document, out: Path) -> Path:
    import weasyprint

    copy_fonts(out)
    path = out / "review.pdf"
    # base_url = the output folder: figures/ and fonts/ resolve there, nothing is looked up elsewhere
    weasyprint.HTML(string=html_text(doc), base_url=str(out.resolve()) + "/").write_pdf(path)
    return path


def render_docx(doc: Document, out: Path) -> Path:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    d = docx.Document()
    for name, font, size in (("Normal", "DejaVu Serif", 10), ("Heading 1", "DejaVu Sans", 16),
                             ("Heading 2", "DejaVu Sans", 14), ("Heading 3", "DejaVu Sans", 12), ("Title", "DejaVu Sans", 20),
                             ("Caption", "DejaVu Sans", 9)):
        st = d.styles[name]
        st.font.name = font
        st.font.size = Pt(size)
        rpr = st.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(qn(attr), font)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            rfonts.attrib.pop(qn(attr), None)
    d.add_heading(doc.title, level=0)
    d.add_paragraph(doc.subtitle)
    red = RGBColor(0xB0, 0x00, 0x20)

    def source(text: str, synthetic: bool) -> None:
        p = d.add_paragraph()
        r = p.add_run(source_line(text, synthetic))
        r.italic = True
        r.font.size = Pt(8)

    def caption(prefix: str, text: str, synthetic: bool) -> None:
        p = d.add_paragraph(style="Caption")
        p.add_run(f"{prefix} – {text}").bold = True
        if synthetic:
            r = p.add_run(f" ({SYNTHETIC_LABEL})")
            r.bold = True
            r.font.color.rgb = red

    for section in doc.sections:
        if section.level == 1:
            title = section.title if not section.number.isdigit() else f"Глава {section.number}. {section.title}"
            d.add_heading(title, level=1)
        else:
            d.add_heading(f"{section.number}. {section.title}", level=2)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                p = d.add_paragraph(block.text)
                if block.style == "note":
                    for r in p.runs:
                        r.font.size = Pt(9)
            elif isinstance(block, Table):
                caption(f"Таблица {block.number}", block.caption, block.synthetic)
                t = d.add_table(rows=1, cols=len(block.columns))
                t.style = "Table Grid"
                for i, c in enumerate(block.columns):
                    cell = t.rows[0].cells[i]
                    cell.text = c
                    for r in cell.paragraphs[0].runs:
                        r.bold = True
                        r.font.size = Pt(8)
                for n, row in enumerate(block.rows):
                    cells = t.add_row().cells
                    total = n >= len(block.rows) - block.total_rows
                    for i, v in enumerate(row):
                        cells[i].text = v
                        par = cells[i].paragraphs[0]
                        if _align(block, i) == "r":
                            par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                        for r in par.runs:
                            r.font.size = Pt(8)
                            r.bold = total
                source(block.source, block.synthetic)
            elif isinstance(block, Figure):
                if not block.file:
                    raise AimaqError(f"figure {block.number} was not drawn")
                d.add_picture(str(out / block.file), width=Cm(16))
                caption(f"Рисунок {block.number}", block.caption, block.synthetic)
                source(block.source, block.synthetic)
    if doc.notes:
        d.add_heading("Примечания к сборке", level=3)
        for n in doc.notes:
            d.add_paragraph(n, style="List Bullet")
    path = out / "review.docx"
    d.save(path)
    return path
