"""Renderers: one Jinja2 template gives the HTML and, through WeasyPrint, the PDF; python-docx builds the DOCX
from the same document model. Both are A4 with the same margins; fonts are the vendored DejaVu files (never
system fonts). Fixed words (Table, Figure, Source, Contents) come from the message catalogue."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from aimaq.errors import AimaqError
from aimaq.i18n import _
from aimaq.report.model import Document, Figure, Paragraph, Section, Table, source_line, synthetic_label

HERE = Path(__file__).parent
FONTS = HERE / "fonts"
FORMATS = ("html", "pdf", "docx")
# one page geometry for PDF and DOCX, millimetres (state documents: wide left margin for binding)
PAGE = {"width": 210, "height": 297, "top": 20, "bottom": 20, "left": 30, "right": 15}
DOCX_LANG = {"ru": "ru-RU", "kk": "kk-KZ", "en": "en-US"}
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def column_weights(table: Table) -> list[float]:
    """Relative column widths: the table's own, else a wide first column."""
    if table.widths and len(table.widths) == len(table.columns):
        return list(table.widths)
    return [2.5] + [1.0] * (len(table.columns) - 1)


def column_percents(table: Table) -> list[float]:
    weights = column_weights(table)
    return [round(100 * w / sum(weights), 2) for w in weights]


def _align(table: Table, i: int) -> str:
    if table.align and i < len(table.align):
        return table.align[i]
    return "l" if i == 0 else "r"


def inline_html(text: str) -> str:
    """Escape, then turn **bold** into <strong>."""
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))


def plain(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def grouped(section: Section) -> list:
    """Blocks with consecutive bullets gathered into one list: [("ul", [Paragraph…]) | block]."""
    out: list = []
    for b in section.blocks:
        if isinstance(b, Paragraph) and b.style == "bullet":
            if out and isinstance(out[-1], tuple):
                out[-1][1].append(b)
            else:
                out.append(("ul", [b]))
        else:
            out.append(b)
    return out


def section_id(i: int) -> str:
    return f"s{i}"


def html_text(doc: Document) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals.update(_=_, align=_align, source_line=source_line, grouped=grouped, section_id=section_id,
                       inline=_markup, percents=column_percents,
                       synthetic_label=synthetic_label, page=PAGE, is_table=lambda b: isinstance(b, Table),
                       is_figure=lambda b: isinstance(b, Figure), is_list=lambda b: isinstance(b, tuple))
    return env.get_template("review.html.j2").render(doc=doc, fonts="fonts")


def _markup(text: str):
    from markupsafe import Markup

    return Markup(inline_html(text))


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


# --- DOCX ------------------------------------------------------------------------------------------------------


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (TOC, PAGE) in `paragraph`: begin, instruction, separate, shown text, end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        run._r.append(el)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _set_lang(rpr, lang: str) -> None:
    """`<w:lang>` of a run-properties element (a style's or the document defaults') set to `lang`."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        el.set(qn(attr), lang)


def _fonts(style, font: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    style.font.name = font
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), font)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        rfonts.attrib.pop(qn(attr), None)


def _add_text(paragraph, text: str, size=None, italic: bool = False) -> None:
    """Runs for `text`, **bold** spans bold."""
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            r = paragraph.add_run(text[pos:m.start()])
            r.italic = italic
            if size:
                r.font.size = size
        r = paragraph.add_run(m.group(1))
        r.bold = True
        r.italic = italic
        if size:
            r.font.size = size
        pos = m.end()
    if pos < len(text):
        r = paragraph.add_run(text[pos:])
        r.italic = italic
        if size:
            r.font.size = size


def render_docx(doc: Document, out: Path) -> Path:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    lang = DOCX_LANG[doc.lang]
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(PAGE["width"]), Mm(PAGE["height"])
    sec.top_margin, sec.bottom_margin = Mm(PAGE["top"]), Mm(PAGE["bottom"])
    sec.left_margin, sec.right_margin = Mm(PAGE["left"]), Mm(PAGE["right"])
    text_width = Mm(PAGE["width"] - PAGE["left"] - PAGE["right"])

    styles = d.styles
    for name, font, size, bold in (("Normal", "DejaVu Serif", 10, False), ("Title", "DejaVu Sans", 22, True),
                                   ("Subtitle", "DejaVu Sans", 13, False), ("Heading 1", "DejaVu Sans", 15, True),
                                   ("Heading 2", "DejaVu Sans", 12, True), ("Heading 3", "DejaVu Sans", 10.5, True),
                                   ("Caption", "DejaVu Sans", 9, True), ("List Bullet", "DejaVu Serif", 10, False)):
        st = styles[name]
        _fonts(st, font)
        st.font.size = Pt(size)
        st.font.bold = bold
        if name.startswith("Heading") or name in ("Title", "Subtitle", "Caption"):
            st.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F) if name != "Caption" else RGBColor(0, 0, 0)
    styles["Caption"].font.italic = False
    _set_lang(styles["Normal"].element.get_or_add_rPr(), lang)
    # the document defaults carry the language too, so every run inherits it
    default_rpr = d.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if default_rpr is not None:
        _set_lang(default_rpr, lang)
    source_style = styles.add_style("Source", 1)
    source_style.base_style = styles["Normal"]
    source_style.font.size = Pt(8)
    source_style.font.italic = True
    note_style = styles.add_style("Note", 1)
    note_style.base_style = styles["Normal"]
    note_style.font.size = Pt(9)

    props = d.core_properties
    props.author = doc.institute
    props.last_modified_by = doc.institute
    props.title = doc.title
    props.subject = doc.kind
    props.language = lang
    props.keywords = "Aimaq"
    props.comments = _("Generated by Aimaq from the database")
    props.category = doc.kind

    # page numbers in the footer
    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")

    # title page
    p = d.add_paragraph(doc.institute, style="Subtitle")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _i in range(6):
        d.add_paragraph()
    p = d.add_paragraph(doc.kind, style="Subtitle")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = d.add_paragraph(doc.title, style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _i in range(10):
        d.add_paragraph()
    p = d.add_paragraph(f"{doc.place}, {doc.year}", style="Subtitle")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_break(WD_BREAK.PAGE)

    # contents (a TOC field that Word and LibreOffice fill in) and the authors
    d.add_paragraph(_("Contents"), style="Heading 3")
    _field(d.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', _("Update the field to show the table of contents."))
    if doc.authors:
        d.add_paragraph(_("Authors"), style="Heading 3")
        for a in doc.authors:
            _add_text(d.add_paragraph(style="List Bullet"), a.text)
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def caption(prefix: str, number: str, text: str, synthetic: bool) -> None:
        p = d.add_paragraph(style="Caption")
        p.add_run(f"{prefix} {number} – {text}")
        if synthetic:
            r = p.add_run(f" ({synthetic_label()})")
            r.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)

    def source(text: str, synthetic: bool) -> None:
        d.add_paragraph(source_line(text, synthetic), style="Source")

    first_chapter = True
    for section in doc.sections:
        if section.level == 1:
            if not first_chapter:
                d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            first_chapter = False
            title = _("Chapter {n}. {title}", n=section.number, title=section.title) if section.number \
                else section.title
            d.add_heading(title, level=1)
        else:
            d.add_heading(section.heading, level=2)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                if block.style == "subheading":
                    d.add_heading(plain(block.text), level=3)
                elif block.style == "bullet":
                    _add_text(d.add_paragraph(style="List Bullet"), block.text)
                elif block.style == "note":
                    _add_text(d.add_paragraph(style="Note"), block.text, italic=True)
                else:
                    _add_text(d.add_paragraph(), block.text)
            elif isinstance(block, Table):
                caption(_("Table"), block.number, block.caption, block.synthetic)
                t = d.add_table(rows=1, cols=len(block.columns))
                t.style = "Table Grid"
                t.alignment = WD_TABLE_ALIGNMENT.CENTER
                t.autofit = False
                weights = column_weights(block)
                widths = [int(text_width * w / sum(weights)) for w in weights]
                for col, w in zip(t._tbl.tblGrid.gridCol_lst, widths):  # LibreOffice reads the grid, Word the cells
                    col.w = w
                header = t.rows[0]
                trpr = header._tr.get_or_add_trPr()
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                trpr.append(repeat)
                for i, c in enumerate(block.columns):
                    cell = header.cells[i]
                    cell.width = widths[i]
                    cell.text = c
                    for r in cell.paragraphs[0].runs:
                        r.bold = True
                        r.font.size = Pt(8)
                for n, row in enumerate(block.rows):
                    cells = t.add_row().cells
                    total = n >= len(block.rows) - block.total_rows
                    for i, v in enumerate(row):
                        cells[i].width = widths[i]
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
                    raise AimaqError(_("Figure {n} was not drawn", n=block.number))
                d.add_picture(str(out / block.file), width=text_width)
                d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                caption(_("Figure"), block.number, block.caption, block.synthetic)
                source(block.source, block.synthetic)
    # Word refreshes the contents and page fields when the file is opened
    settings = d.settings.element
    upd = OxmlElement("w:updateFields")
    upd.set(qn("w:val"), "true")
    settings.append(upd)
    path = out / "review.docx"
    d.save(path)
    return path


__all__ = ["FORMATS", "PAGE", "DOCX_LANG", "render_html", "render_pdf", "render_docx", "html_text"]
