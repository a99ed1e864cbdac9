"""The review built from a demo database in Russian, Kazakh and English: real PDF/DOCX/HTML files opened and
checked (order and numbering of the seed, grammar, languages, glyphs, A4 and Word structure, LibreOffice)."""

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import duckdb
import pypdf
import pytest
import typer
from fontTools.ttLib import TTFont
from typer.testing import CliRunner

from aimaq.errors import AimaqError
from aimaq.i18n import use_language
from aimaq.report.build import write_editions
from aimaq.report.collect import collect
from aimaq.report.model import Figure, Paragraph, Table
from aimaq.report.numbers import NBSP
from aimaq.report.render import PAGE

REVIEW_DIR = Path(__file__).resolve().parents[2] / "src" / "aimaq" / "data" / "review"
FONTS = Path(__file__).resolve().parents[2] / "src" / "aimaq" / "report" / "fonts"
LANGS = ("ru", "kk", "en")
KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
# the module builds a demo database and three editions once (about a minute on an idle machine)
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from aimaq.demo import build_demo

    path = tmp_path_factory.mktemp("report_db") / "d.duckdb"
    build_demo(path).close()
    return path


@pytest.fixture(scope="module")
def data(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return collect(con, 2024)
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("review")
    written = write_editions(data, out, ["html", "pdf", "docx"], LANGS, processes=3)
    return out, written


@pytest.fixture(scope="module")
def docs(data):
    from aimaq.report.compose import compose

    out = {}
    for lang in LANGS:
        with use_language(lang):
            out[lang] = compose(data)
    return out


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return re.sub(r"[ \t\u00a0]+", " ", "\n".join(p.extract_text() for p in reader.pages))


@pytest.fixture(scope="module")
def texts(built):
    out, _ = built
    return {lang: _pdf_text(out / lang / "review.pdf") for lang in LANGS}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _split(text: str, first: str, appendix: str, authors: str) -> tuple[str, str, str]:
    """front matter (title, contents, authors), body, appendix of a PDF's flattened text."""
    flat = _flat(text)
    start = flat.index(first, flat.index(authors))  # the body starts after the authors' list
    end = flat.rindex(appendix)  # the contents list the appendix too: its heading is the last occurrence
    return flat[:start], flat[start:end], flat[end:]


# --- part 1: every section, table and figure in the seed's order and numbering -------------------------------


def test_sections_in_seed_order(texts):
    front, body, appendix = _split(texts["ru"], "Введение", "Приложение. Источники", "Авторы")
    body += appendix
    headings = ["Глава 1. Анализ реализации государственной политики", "1.1. Развитие агломераций",
                "1.2. Административно-территориальные преобразования", "1.3. Рейтинг качества жизни",
                "1.4. Развитие моногородов", "1.5. Развитие сельских и приграничных территорий",
                "1.6. Проект «Ауыл – Ел бесігі»", "1.7. Проект «С Дипломом в село»",
                "1.8. Система региональных стандартов", "Глава 2. Краткосрочные и долгосрочные прогнозы",
                "2.1. Прогноз демографической ситуации", "2.2. Развитие агломераций", "2.3. Развитие моногородов",
                "2.4. Развитие сельских и приграничных территорий", "Выводы и рекомендации", "Приложение."]
    positions = [body.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "АО «Институт экономических исследований»" in front and "Астана, 2024" in front
    assert "Содержание" in front and "Введение" in front and "Авторы" in front


def test_tables_and_figures_numbered_in_reading_order_as_in_the_seed(docs):
    doc = docs["ru"]
    body = [b for s in doc.sections if not s.appendix for b in s.blocks]
    tables = [b for b in body if isinstance(b, Table)]
    figures = [b for b in body if isinstance(b, Figure)]
    assert [t.number for t in tables] == [str(i) for i in range(1, len(tables) + 1)]
    assert [f.number for f in figures] == [str(i) for i in range(1, len(figures) + 1)]
    seed_tables = ["Косшы", "Сравнение результатов рейтингов", "Карта городских рисков", "в разрезе сфер",
                   "в разрезе регионов"]
    for i, words in enumerate(seed_tables):
        assert words in tables[i].caption, (i + 1, tables[i].caption)
    seed_figures = ["ВРП", "Доходная часть бюджетов", "Рейтинг городов", "«Ауыл – Ел бесігі»", "подъёмное пособие",
                    "Обеспеченность", "по типу местности"]
    assert len(figures) == 7
    for i, words in enumerate(seed_figures):
        assert words in figures[i].caption, (i + 1, figures[i].caption)
    appendix = [b for s in doc.sections if s.appendix for b in s.blocks if isinstance(b, Table)]
    assert [t.number for t in appendix] == [f"П.{i}" for i in range(1, len(appendix) + 1)]


def test_figures_one_palette_legend_outside_and_no_line_across_periods(docs, built):
    out, _ = built
    doc = docs["ru"]
    auyl = next(f for f in doc.figures() if "Ауыл" in f.caption)
    assert auyl.kind == "paired_bars"  # two panels of bars: a five-year total is never joined to a one-year plan
    srs = next(f for f in doc.figures() if f.kind == "grouped_bars" and f.data.get("horizontal"))
    assert srs.synthetic
    for lang in LANGS:
        pngs = sorted((out / lang / "figures").glob("*.png"))
        assert len(pngs) == 7


def test_figure_legend_never_over_bars(tmp_path):
    """The legend of the horizontal grouped bars (the old Figure 7) lies outside the axes."""
    from aimaq.report.figures import _grouped, _setup

    plt = _setup()
    fig = Figure("t", "t", "grouped_bars", {"categories": [f"r{i}" for i in range(20)],
                                           "series": {"a": list(range(50, 70)), "b": list(range(51, 71))},
                                           "ylabel": "%", "horizontal": True}, source="s")
    f = _grouped(plt, fig)
    f.canvas.draw()
    ax = f.axes[0]
    legend = ax.get_legend().get_window_extent()
    axes_box = ax.get_window_extent()
    assert legend.y1 <= axes_box.y0 + 1  # entirely below the plotting area
    plt.close(f)


def test_missing_year_is_said(data):
    from aimaq.report.compose import compose

    partial = data.__class__(**{**data.__dict__, "rating": {k: v for k, v in data.rating.items() if k != 2022}})
    with use_language("ru"):
        doc = compose(partial)
    notes = [b.text for s in doc.sections for b in s.blocks if isinstance(b, Paragraph)]
    assert "Данные о рейтинге качества жизни за 2022 в базе отсутствуют." in notes
    table2 = next(t for t in doc.tables() if t.number == "2")
    assert table2.columns == ["№", "Город", "2024", "2023"]


# --- part 2: prose an analyst would sign ----------------------------------------------------------------------


def test_russian_prose(texts, docs):
    flat = _flat(texts["ru"])
    _front, body, _appendix = _split(texts["ru"], "Введение", "Приложение. Источники", "Авторы")
    assert "Лидерами рейтинга в 2024 году стали города Туркестан, Астана, Костанай, Конаев и Атырау" in body
    assert "Область Жетісу" not in body and "Область Ұлытау" not in body  # lower-case mid-sentence
    assert "в области Жетісу" in body or "в области Ұлытау" in body
    assert "в Костанайской области" in body and "в г. Астане" in body  # cases from pymorphy3
    assert "Туркестанскую область" in body  # accusative after «в» (direction)
    assert "В перечень 2023 года входят 20 моногородов" in body and "выбыли 7 городов" in body  # plurals
    assert not re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", body)  # no exact dates where the seed gives a year
    for audit in ("⚑", r"\bфлаг", r"\bпротив\b", r"\bобзор", r"в тексте обзора", "сумма по сферам"):
        assert not re.search(audit, body), audit
    assert "44 939" in flat.replace(NBSP, " ")


def test_analyst_texts_are_files_per_language(tmp_path, data, monkeypatch):
    from aimaq.report import texts as texts_mod
    from aimaq.report.compose import compose

    base = texts_mod.TEXTS / "2024"
    names = {lang: sorted(p.name for p in (base / lang).glob("*.md")) for lang in LANGS}
    assert names["ru"] == names["kk"] == names["en"] and "recommendations.md" in names["ru"]
    copy = tmp_path / "texts"
    shutil.copytree(texts_mod.TEXTS, copy)
    (copy / "2024" / "ru" / "2.2.md").write_text("Новый абзац аналитиков о городах.\n", encoding="utf-8")
    monkeypatch.setattr(texts_mod, "TEXTS", copy)
    with use_language("ru"):
        doc = compose(data)
    s22 = next(s for s in doc.sections if s.number == "2.2")
    assert s22.blocks[0].text == "Новый абзац аналитиков о городах."


def test_table2_from_the_published_scores(built):
    out, _ = built
    rows = list(csv.DictReader(open(REVIEW_DIR / "table2_qol.csv", encoding="utf-8")))
    score = {r["territory"]: r["value"] for r in rows
             if r["indicator"] == "qol_score" and r["period"] == "2024" and r["breakdown"] == ""}
    rank = {int(float(r["value"])): r["territory"] for r in rows
            if r["indicator"] == "qol_rank" and r["period"] == "2024" and r["breakdown"] == ""}
    d = docx.Document(out / "ru" / "review.docx")
    t2 = next(t for t in d.tables if t.rows[0].cells[1].text == "Город")
    body = [[c.text for c in r.cells] for r in t2.rows[1:]]
    assert len(body) == 27
    for r in body[:-1]:
        assert float(r[2].replace(",", ".")) == pytest.approx(float(score[rank[int(r[0])]]))
    assert body[-1][2:] == ["5,56", "4,61", "4,75"]


# --- part 3: Kazakh and English editions ----------------------------------------------------------------------


def test_editions_in_their_language(texts, docs):
    kk, en = _flat(texts["kk"]), _flat(texts["en"])
    en_body = _split(texts["en"], "Introduction", "Appendix. Sources", "Authors")[1]
    assert "Өңірлік прогресс" in kk and "1-тарау." in kk and "Кесте 1" in kk and "Сурет 1" in kk
    assert "Ұлытау облысы" in kk and "Түркістан облысы" in kk  # Kazakh names from the registry
    assert "Regional progress" in en and "Chapter 1." in en and "Table 1" in en and "Figure 1" in en
    assert "Ulytau Region" in en and "44,939" in en and "5.56" in en
    assert "Казахстан" not in en_body and "Таблица" not in kk and "Источник" not in kk
    same_in_both = {"Код", "Спорт", "Индекс (0–100)"}  # Kazakh words spelt as the Russian ones
    ru_tables = docs["ru"].tables()
    for lang in ("kk", "en"):
        for t, ru in zip(docs[lang].tables(), ru_tables):
            for col, ru_col in zip(t.columns, ru.columns):
                if re.search(r"[А-Яа-яЁё]", ru_col) and ru_col not in same_in_both:
                    assert col != ru_col, (lang, t.caption, col)
                if lang == "en":
                    assert not re.search(r"[А-Яа-яЁё]", col), (t.caption, col)
    # English body text carries no Cyrillic apart from names in Kazakh script quoted as written
    generated = [b.text for s in docs["en"].sections for b in s.blocks if isinstance(b, Paragraph)]
    cyr = [t for t in generated if re.search(r"[А-Яа-яЁё]{3,}", t)]
    assert not cyr, cyr[:3]


def _embedded_cmaps(path: Path) -> tuple[set[int], set[str]]:
    reader = pypdf.PdfReader(path)
    codes: set[int] = set()
    names: set[str] = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font")
        if not fonts:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            ff = desc.get_object().get("/FontFile2")
            tt = TTFont(io.BytesIO(ff.get_object().get_data()))
            codes |= {c for c, g in tt.getBestCmap().items() if g != ".notdef"}
    return codes, names


def test_every_character_has_a_glyph_in_the_pdf_fonts(built, texts):
    out, _ = built
    for lang in LANGS:
        codes, names = _embedded_cmaps(out / lang / "review.pdf")
        assert all("DejaVu" in n for n in names), names
        missing = {ch for ch in texts[lang] if not ch.isspace() and ord(ch) not in codes}
        assert not missing, (lang, sorted(missing))
    assert set("әғқңөұүі") <= set(texts["kk"])


def test_model_text_is_covered_by_the_vendored_fonts(docs):
    """Every character the model holds (also in figures' labels) has a glyph in DejaVu Sans and Serif."""
    serif = set(TTFont(FONTS / "DejaVuSerif.ttf").getBestCmap())
    sans = set(TTFont(FONTS / "DejaVuSans.ttf").getBestCmap())
    for lang, doc in docs.items():
        chars = set()
        for s in doc.sections:
            chars |= set(s.title)
            for b in s.blocks:
                if isinstance(b, Paragraph):
                    chars |= set(b.text)
                elif isinstance(b, Table):
                    chars |= set(b.caption) | {ch for row in [b.columns, *b.rows] for c in row for ch in c}
                else:
                    chars |= set(b.caption) | set(str(b.data))
        missing = {c for c in chars if not c.isspace() and (ord(c) not in serif or ord(c) not in sans)}
        assert not missing, (lang, missing)


# --- part 4: documents a ministry can file --------------------------------------------------------------------


def test_pdf_and_docx_a4_same_margins_language_styles_toc(built):
    out, _ = built
    mm = 72 / 25.4
    for lang, code in (("ru", "ru-RU"), ("kk", "kk-KZ"), ("en", "en-US")):
        page = pypdf.PdfReader(out / lang / "review.pdf").pages[1]
        assert float(page.mediabox.width) == pytest.approx(210 * mm, abs=1)
        assert float(page.mediabox.height) == pytest.approx(297 * mm, abs=1)
        html = (out / lang / "review.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html
        assert f"margin: {PAGE['top']}mm {PAGE['right']}mm {PAGE['bottom']}mm {PAGE['left']}mm" in html
        d = docx.Document(out / lang / "review.docx")
        sec = d.sections[0]
        assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
        assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
            [PAGE["top"], PAGE["bottom"], PAGE["left"], PAGE["right"]]
        text_width = sec.page_width - sec.left_margin - sec.right_margin
        xml = zipfile.ZipFile(out / lang / "review.docx").read("word/document.xml").decode()
        styles = zipfile.ZipFile(out / lang / "review.docx").read("word/styles.xml").decode()
        assert f'w:val="{code}"' in styles
        assert "TOC \\o" in xml  # a table-of-contents field
        used = {p.style.name for p in d.paragraphs}
        assert {"Heading 1", "Heading 2", "Caption", "List Bullet"} <= used
        assert all(s.width <= text_width for s in d.inline_shapes) and len(d.inline_shapes) == 7
        for t in d.tables:  # header rows repeat on every page
            assert t.rows[0]._tr.trPr is not None and "tblHeader" in t.rows[0]._tr.trPr.xml
        footer = d.sections[0].footer._element.xml
        assert "PAGE" in footer
        props = d.core_properties
        assert props.author != "python-docx" and ("Институт" in props.author or "институты" in props.author
                                                  or "Institute" in props.author)


def test_appendix_in_the_edition_language_without_raw_codes(texts, docs):
    for lang in LANGS:
        assert "urbanisation_pct" not in texts[lang] and "srs_coverage_pct" not in texts[lang]
        appendix = next(s for s in docs[lang].sections if s.appendix)
        tables = [b for b in appendix.blocks if isinstance(b, Table)]
        assert len(tables) >= 5
        flags = next(t for t in tables if len(t.columns) == 6 and len(t.rows) > 30)
        assert any("Уровень урбанизации" in r[1] or "Урбандалу" in r[1] or "Urbanisation" in r[1] for r in flags.rows)
    assert "Қосымша." in texts["kk"] and "Appendix." in texts["en"]


def test_synthetic_marked_in_every_edition(docs):
    for lang, doc in docs.items():
        label = {"ru": "синтетические данные", "kk": "синтетикалық деректер", "en": "synthetic data"}[lang]
        marked = [b for b in doc.tables() + doc.figures() if b.synthetic]
        assert len(marked) >= 4
        for b in marked:
            assert label in b.source or b.synthetic  # source_line appends the label
        words = " ".join(b.text for s in doc.sections for b in s.blocks if isinstance(b, Paragraph))
        assert label in words or "synthetic" in words or "синтетик" in words


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) not installed")
def test_libreoffice_converts_each_docx(built, tmp_path):
    out, _ = built
    files = []
    for lang in LANGS:
        target = tmp_path / f"review_{lang}.docx"
        shutil.copyfile(out / lang / "review.docx", target)
        files.append(str(target))
    profile = tmp_path / "lo-profile"
    result = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(tmp_path), *files], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for lang in LANGS:
        pdf = tmp_path / f"review_{lang}.pdf"
        assert pdf.exists(), result.stdout + result.stderr
        reader = pypdf.PdfReader(pdf)
        assert len(reader.pages) >= 15
        assert float(reader.pages[0].mediabox.width) == pytest.approx(595.3, abs=1)


# --- part 3: the command ---------------------------------------------------------------------------------------


def test_cli_lang_and_errors(demo_db, tmp_path, monkeypatch):
    from aimaq.cli.report import register

    monkeypatch.setenv("AIMAQ_DB", str(demo_db))
    from aimaq import settings

    monkeypatch.setattr(settings, "_current", None)  # an earlier CLI test may have fixed the database already
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "build", "--out", str(tmp_path / "kk"), "--lang", "kk",
                                 "--format-doc", "html"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "kk" / "review.html").read_text(encoding="utf-8")
    assert '<html lang="kk">' in html and "Өңірлік прогресс" in html
    assert not (tmp_path / "kk" / "review.pdf").exists()
    bad = runner.invoke(app, ["report", "build", "--out", str(tmp_path / "x"), "--format-doc", "odt"])
    assert bad.exit_code != 0 and not (tmp_path / "x").exists()
    bad = runner.invoke(app, ["report", "build", "--out", str(tmp_path / "y"), "--lang", "de"])
    assert bad.exit_code != 0 and not (tmp_path / "y").exists()
    with pytest.raises(AimaqError):
        from aimaq.report.build import check_formats

        check_formats(["odt"])
