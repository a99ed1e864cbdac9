"""The review built from a demo database: real PDF/DOCX/HTML files opened and checked."""

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import docx
import duckdb
import pypdf
import pytest
import typer
from typer.testing import CliRunner

from aimaq.errors import AimaqError
from aimaq.report import build_document, build_report
from aimaq.report.model import SYNTHETIC_LABEL, Paragraph
from aimaq.report.numbers import NBSP

REVIEW_DIR = Path(__file__).resolve().parents[2] / "src" / "aimaq" / "data" / "review"
SECTION_TITLES = ["Административно-территориальные преобразования", "Рейтинг качества жизни в городах",
                  "Проект «С Дипломом в село»", "Система региональных стандартов",
                  "Прогноз демографической ситуации", "Несоответствия в исходных данных"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from aimaq.demo import build_demo

    path = tmp_path_factory.mktemp("report_db") / "d.duckdb"
    build_demo(path).close()
    return path


@pytest.fixture(scope="module")
def built(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("review")
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        written = build_report(con, out)
    finally:
        con.close()
    return out, written


def _table2_published_2024():
    """rank → score as published (the review CSV, not the database)."""
    rows = list(csv.DictReader(open(REVIEW_DIR / "table2_qol.csv", encoding="utf-8")))
    score = {r["territory"]: r["value"] for r in rows
             if r["indicator"] == "qol_score" and r["period"] == "2024" and r["breakdown"] == ""}
    rank = {int(float(r["value"])): r["territory"] for r in rows
            if r["indicator"] == "qol_rank" and r["period"] == "2024" and r["breakdown"] == ""}
    return {k: float(score[t]) for k, t in rank.items()}


def test_outputs_exist(built):
    out, written = built
    assert set(written) == {"figures", "html", "pdf", "docx"}
    assert (out / "review.html").stat().st_size > 10_000
    assert len(list((out / "figures").glob("*.png"))) == 7  # + heat-network wear (1.4) and Auyl (Figure 4)
    assert (out / "fonts" / "DejaVuSerif.ttf").exists() and (out / "fonts" / "LICENSE.txt").exists()


def test_pdf_text(built):
    out, _ = built
    reader = pypdf.PdfReader(out / "review.pdf")
    assert len(reader.pages) >= 10
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Туркестан" in text
    assert "5,56" in text
    assert "Ұлытау" in text and "Жетісу" in text  # Kazakh letters extracted as written
    for title in SECTION_TITLES:
        assert title in re.sub(r"\s+", " ", text), title
    assert "Лидерами рейтинга в 2024 году стали города Туркестан, Астана, Костанай, Конаев и Атырау" \
        in re.sub(r"\s+", " ", text)
    assert f"44{NBSP}939" in text or "44 939" in text  # Table 5 grand total
    # every font in the PDF is a vendored DejaVu face (embedded subset), none from the system
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert fonts and all("DejaVu" in f for f in fonts), fonts


def test_docx_table2(built):
    out, _ = built
    d = docx.Document(out / "review.docx")
    tables = [t for t in d.tables if [c.text for c in t.rows[0].cells][:2] == ["№", "Город"]]
    assert len(tables) == 1
    t = tables[0]
    header = [c.text for c in t.rows[0].cells]
    assert header == ["№", "Город", "2024 г.", "2023 г.", "2022 г."]
    body = [[c.text for c in r.cells] for r in t.rows[1:]]
    cities, mean = body[:-1], body[-1]
    assert len(cities) == 26
    published = _table2_published_2024()
    for row in cities:
        assert row[2] == f"{published[int(row[0])]:.2f}".replace(".", ","), row
    assert cities[0][1] == "Туркестан" and cities[0][2:] == ["6,43", "5,19", "5,39"]
    assert [r[4] for r in cities if r[1] == "Конаев"] == ["н/д"]
    assert mean[1:] == ["Средний балл", "5,56", "4,61", "4,75"]
    # the DOCX uses the vendored font names
    assert d.styles["Normal"].font.name == "DejaVu Serif"
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Ұлытау" in text and SYNTHETIC_LABEL in text


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.src = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.src.append(dict(attrs)["src"])


def test_html_figures_on_disk_and_fonts(built):
    out, _ = built
    html = (out / "review.html").read_text(encoding="utf-8")
    parser = _Images()
    parser.feed(html)
    assert len(parser.src) == 7
    for src in parser.src:
        assert (out / src).is_file(), src
    assert '@font-face { font-family: "DejaVu Serif"; src: url("fonts/DejaVuSerif.ttf")' in html
    assert "Рейтинг городов по качеству жизни в 2024 году" in html


def test_every_table_and_figure_names_its_source(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        doc = build_document(con)
    finally:
        con.close()
    blocks = doc.tables() + doc.figures()
    assert len(doc.tables()) >= 9
    for b in blocks:
        assert b.source, b.caption
    synthetic = {b.number for b in blocks if b.synthetic}
    # the risk map (synthetic survey), villages, computed coverage and its figure are synthetic; Table 2 is not
    assert {"3", "1.6", "6", "7"} <= synthetic
    assert "2" not in synthetic and "4" not in synthetic and "5" not in synthetic
    from aimaq.report.render import html_text

    html = html_text(doc)
    marked = html.count(f'<span class="synthetic">({SYNTHETIC_LABEL})</span>')
    assert marked == len([b for b in blocks if b.synthetic])  # each synthetic caption says so
    # the Shymkent jump is flagged in the coverage table and explained
    t6 = next(t for t in doc.tables() if t.number == "6")
    shym = next(r for r in t6.rows if "Шымкент" in r[0])
    assert shym[1:4] == ["58,9", "87,8", "+28,9"] and shym[-1].startswith("⚑")
    notes = [p.text for s in doc.sections for p in s.blocks if isinstance(p, Paragraph) and p.style == "note"]
    assert any("Шымкент" in n and "+28,9 п.п." in n for n in notes)
    # the annex lists the review's 40 flagged rows with their place in the review
    annex = next(t for t in doc.tables() if t.number == "П.1")
    review_rows = [r for r in annex.rows if "Региональный прогресс" in r[-1]]
    assert len(review_rows) == 40
    assert any("Таблица 2" in r[-1] and "tie" in r[4] for r in review_rows)
    assert annex.rows[:40] == review_rows  # the review's own flags first


def test_sentences_follow_the_data(demo_db, tmp_path):
    """Change a published score in a copy of the database: the leaders and mean sentences change with it."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, copy)
    con = duckdb.connect(str(copy))
    try:
        satpaev = con.execute("SELECT kato FROM territory WHERE name_ru = 'Сатпаев' AND valid_to IS NULL").fetchone()[0]
        con.execute("UPDATE observation SET value = 9.0 WHERE kato = ? AND indicator = 'qol_score' AND period = '2024'",
                    [satpaev])
        # the published № would keep Сатпаев 26th: without it, ranks follow the scores
        con.execute("DELETE FROM observation WHERE indicator = 'qol_rank' AND period = '2024'")
        doc = build_document(con)
    finally:
        con.close()
    text = " ".join(b.text for s in doc.sections for b in s.blocks if isinstance(b, Paragraph))
    assert "Лидерами рейтинга в 2024 году стали города Сатпаев, Туркестан, Астана, Костанай и Конаев." in text
    # (5.5646… × 26 − 5.02 + 9) / 26 = 5.7177
    assert "Средний балл по городам вырос с 4,61 до 5,72" in text
    t2 = next(t for t in doc.tables() if t.number == "2")
    assert t2.rows[0][:3] == ["1", "Сатпаев", "9,00"]


def test_cli_register_builds_selected_formats(demo_db, tmp_path):
    import aimaq.settings
    from aimaq.cli.report import register

    saved = aimaq.settings._current
    aimaq.settings.configure(demo_db)
    try:
        _cli(tmp_path)
    finally:
        aimaq.settings._current = saved


def _cli(tmp_path):
    from aimaq.cli.report import register

    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["report", "build", "--out", str(tmp_path / "o"), "--format-doc", "html",
                                      "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "output,path,files_or_bytes"
    assert (tmp_path / "o" / "review.html").exists() and not (tmp_path / "o" / "review.pdf").exists()
    bad = CliRunner().invoke(app, ["report", "build", "--out", str(tmp_path / "x"), "--format-doc", "odt"])
    assert bad.exit_code != 0 and isinstance(bad.exception, AimaqError)
    assert not (tmp_path / "x").exists()
