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
    assert {"3", "1.6", "6", "7", "1.4.5"} <= synthetic
    assert not {"1", "1.4.3", "1.5.1", "2.4", "1.7.2", "1.6.2"} & synthetic
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


# --- sections added with the monotown and programme jobs ------------------------------------------------------


def _docx_table(d, first_header: list[str]):
    hits = [t for t in d.tables if [c.text for c in t.rows[0].cells][:len(first_header)] == first_header]
    assert len(hits) == 1, first_header
    return [[c.text for c in r.cells] for r in hits[0].rows]


def _pdf_text(out) -> str:
    reader = pypdf.PdfReader(out / "review.pdf")
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages).replace(NBSP, " "))


def test_pdf_monotowns_and_conclusions(built):
    out, _ = built
    text = _pdf_text(out)
    assert "Развитие моногородов" in text and "Курчатов" in text
    # Table 1.4.3: the review's published heat-network wear, highest first, and the published mean 59
    assert re.search(r"Экибастуз 91 Степногорск 80,7", text)
    assert re.search(r"Средний износ по моногородам 59", text)
    assert "В перечень моногородов 2023 года входят 20 городов: добывающая промышленность — 15; " \
           "обрабатывающая промышленность — 4; научно-промышленный центр — 1." in text
    assert "выбыли 7 городов: Аркалык, Жанатас, Жезказган, Каратау, Сарань, Серебрянск и Текели" in text
    # the anchor projects: sectors sum to 55, the review says 45
    assert "Сумма по отраслям (12 + 11 + 11 + 7 + 6 + 8 = 55) не совпадает с итогом" in text
    assert re.search(r"Сумма по отраслям 55 Итого по обзору 45 ⚑", text)
    # conclusions are built from the database
    assert "Обеспеченность по Системе региональных стандартов выросла с 62,5% в 2022 году до 64,7% в 2023 году " \
           "(+2,2 п.п.)" in text
    assert "Средний балл рейтинга качества жизни в городах вырос с 4,61 до 5,56 (+21%)" in text
    assert re.search(r"21,\d\d млн чел\. против 21,50 млн в обзоре", text)
    # Table 8 reasons: decimal commas and a typographic minus, no English decimal points
    assert "естественный прирост +14,4%, внутренняя миграция −1,2%" in text
    assert "+14.4%" not in text and "75.09" not in text and "75,09" in text


def test_docx_kosshy_kpis_targets(built):
    out, _ = built
    d = docx.Document(out / "review.docx")
    t1 = _docx_table(d, ["Показатели", "2021 год", "2022 год", "2023 год"])
    assert t1[1] == ["Численность населения (тыс. чел.)", "49,4", "52,2", "55,8"]
    assert t1[2][1:] == [f"8{NBSP}819,5", f"9{NBSP}117,6", f"11{NBSP}911,3"]
    assert t1[4][1:] == [f"20{NBSP}850", f"31{NBSP}717", f"45{NBSP}661"]
    assert len(t1) == 7  # the six rows of the review's Table 1
    kpi = _docx_table(d, ["Показатель", "План 2023", "Факт 2023"])
    assert kpi[0][3:] == ["Отклонение, п.п.", "Итог", "Цель 2025", "Цель 2026", "Цель 2027"]
    water = next(r for r in kpi if "водоснабжения" in r[0])
    assert water[1:] == ["95,1", "96,5", "+1,4", "✓ достигнут", "–", "–", "100"]
    internet = next(r for r in kpi if "Интернет" in r[0])
    assert internet[1:] == ["92,7", "93,2", "+0,5", "✓ достигнут", "94,7", "96", "97"]
    roads = next(r for r in kpi if "дорог" in r[0])
    assert roads[1:3] == ["86", "87"] and roads[-3:] == ["88", "90", "95"]
    tg = _docx_table(d, ["Показатель", "Ед. изм.", "Программа"])
    by = {r[0]: r[3:] for r in tg[1:]}
    assert by["Доля сельского населения с доходами ниже прожиточного минимума"] == ["6,3", "6", "5,8"]
    assert by["Уровень безработицы"] == ["4,5", "4,3", "4,2"]
    assert by["Рост инвестиций в основной капитал приграничных районов"] == ["59", "70", "80"]
    assert by["Численность населения приграничных территорий"] == ["–", "–", "4"]
    # Diploma shares: recomputed beside published, only health differs (mixed bases)
    sh = _docx_table(d, ["Сфера", "Человек", "Доля (пересчёт), %"])
    health = next(r for r in sh if r[0] == "Здравоохранение")
    assert health[1:] == [f"9{NBSP}779", "21,8", "21,7", "−0,1", "⚑"]
    assert [r for r in sh[1:-1] if r[-1]] == [health]
    assert sh[-1][:3] == ["Итого", f"44{NBSP}939", "100,0"]
    # Auyl: spheres, the recomputed total and the financing
    au = _docx_table(d, ["Сфера", "2019–2023", "2024 (план)"])
    assert au[-3:] == [["Всего проектов", f"5{NBSP}414", f"1{NBSP}400"], ["Финансирование, млрд тенге", "563,2", "178,9"],
                       ["Охват СНП", f"1{NBSP}800", "500"]]
    # monotown classification is labelled synthetic, 20 towns
    cls = _docx_table(d, ["Место", "Город", "Специализация"])
    assert len(cls) == 21 and {r[4] for r in cls[1:]} <= {"высокий", "средний", "низкий"}
    caps = [p.text for p in d.paragraphs if p.text.startswith("Таблица 1.4.5")]
    assert caps and SYNTHETIC_LABEL in caps[0]


def test_monotown_wear_follows_the_data(demo_db, tmp_path):
    """A changed published wear value moves the town in Table 1.4.3 and the sentence."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, copy)
    con = duckdb.connect(str(copy))
    try:
        ridder = con.execute("SELECT kato FROM monotown WHERE name_ru = 'Риддер'").fetchone()[0]
        n = con.execute("UPDATE observation SET value = 95.5 WHERE kato = ? AND indicator = 'network_wear_pct' "
                        "AND period = '2024'", [ridder]).fetchone()[0]
        assert n == 1
        doc = build_document(con)
    finally:
        con.close()
    t = next(t for t in doc.tables() if t.number == "1.4.3")
    assert t.rows[0] == ["Риддер", "95,5"] and t.rows[1] == ["Экибастуз", "91"]
    text = " ".join(b.text for s in doc.sections for b in s.blocks if isinstance(b, Paragraph))
    assert "Наиболее изношены тепловые сети в городах Риддер (95,5%), Экибастуз (91%) и Степногорск (80,7%)." in text
