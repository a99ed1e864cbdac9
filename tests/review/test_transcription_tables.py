"""The transcribed tables add up to the review's own totals; text figures agree with the tables they quote."""
from __future__ import annotations

import collections
import statistics

import pytest

from test_transcription_helpers import bd, num, one, pick, read

SPHERES = ["Образование", "Здравоохранение", "Соц. обеспечение", "Культура", "Спорт", "АПК", "Госслужащие"]
YEARS = ["2019", "2020", "2021", "2022", "2023"]


def test_table1_kosshy_cells():
    rows = read("table1_kosshy")
    assert len(rows) == 18 and {r["territory"] for r in rows} == {"Косшы"}
    assert num(one(rows, indicator="fixed_investment_mln_kzt", period="2023")) == 45661
    assert num(one(rows, indicator="industrial_output_mln_kzt", period="2021")) == 8819.5
    assert num(one(rows, indicator="sme_registered_units", period="2022")) == 2481
    assert [num(one(rows, indicator="population_thousand", period=y)) for y in ("2021", "2022", "2023")] == [49.4, 52.2, 55.8]


def test_table4_sphere_totals():
    rows = read("table4_diploma_spheres")
    cells = [r for r in rows if r["period"] in YEARS]
    assert len(cells) == 35
    total = {bd(r)["sphere"]: num(r) for r in pick(rows, period="2019-2023", bd_kind="total")}
    assert total == {"Образование": 29584, "Здравоохранение": 9779, "Соц. обеспечение": 476, "Культура": 1239,
                     "Спорт": 1344, "АПК": 1922, "Госслужащие": 595}
    for s in SPHERES:
        assert sum(num(r) for r in cells if bd(r)["sphere"] == s) == total[s]
    assert sum(total.values()) == 44939


def test_table4_years_equal_table5_year_totals():
    t4 = [r for r in read("table4_diploma_spheres") if r["period"] in YEARS]
    t5 = read("table5_diploma_regions")
    for y in YEARS:
        yt = num(one(t5, territory="Казахстан", period=y, bd_kind="total"))
        assert sum(num(r) for r in t4 if r["period"] == y) == yt
    assert [num(one(t5, territory="Казахстан", period=y)) for y in YEARS] == [8241, 8826, 8749, 9690, 9433]


def test_table5_rows_and_columns():
    rows = read("table5_diploma_regions")
    regions = {r["territory"] for r in rows if r["territory"] != "Казахстан"}
    assert len(regions) == 17
    cells = [r for r in rows if r["period"] in YEARS and r["territory"] != "Казахстан"]
    assert len(cells) == 17 * 5 - 3 * 3  # Абай, Жетісу, Ұлытау: «-» for 2019–2021, no rows
    for reg in regions:
        tot = num(one(rows, territory=reg, period="2019-2023", bd_kind="total"))
        assert sum(num(r) for r in cells if r["territory"] == reg) == tot, reg
    for y in YEARS:
        assert sum(num(r) for r in cells if r["period"] == y) == num(one(rows, territory="Казахстан", period=y))
    grand = num(one(rows, territory="Казахстан", period="2019-2023", bd_kind="total"))
    assert grand == 44939
    assert sum(num(one(rows, territory=reg, period="2019-2023", bd_kind="total")) for reg in regions) == grand


def test_diploma_text_shares_against_tables():
    t4 = read("table4_diploma_spheres")
    total = {bd(r)["sphere"]: num(r) for r in pick(t4, period="2019-2023", bd_kind="total")}
    for r in pick(t4, indicator="diploma_recipients_share_pct"):
        s = bd(r)["sphere"]
        share = 100 * total[s] / 44939
        if r["flag"]:
            assert abs(share - num(r)) > 0.05  # the flagged one really does not round to the published figure
        else:
            assert abs(share - num(r)) <= 0.05, (s, share, r["value"])
    t5 = read("table5_diploma_regions")
    for r in pick(t5, indicator="diploma_recipients_share_pct"):
        reg_total = num(one(t5, territory=r["territory"], period="2019-2023", bd_kind="total"))
        assert abs(100 * reg_total / 44939 - num(r)) <= 0.05
    for r in pick(t5, indicator="diploma_lifting_allowance_recipients_thousand"):
        reg_total = num(one(t5, territory=r["territory"], period="2019-2023", bd_kind="total"))
        assert (round(reg_total / 1000, 1) == num(r)) == (r["flag"] == "")


def test_table2_scores_and_means():
    rows = read("table2_qol")
    pub = {"2024": 5.56, "2023": 4.61, "2022": 4.75}
    for y, m in pub.items():
        cities = [r for r in pick(rows, indicator="qol_score", period=y) if r["territory"] != "Казахстан"]
        assert len(cities) == 26
        vals = [num(r) for r in cities if r["value"] != ""]
        assert len(vals) == (25 if y == "2022" else 26)
        assert abs(statistics.mean(vals) - m) <= 0.005, (y, statistics.mean(vals))
        assert num(one(rows, territory="Казахстан", indicator="qol_score", period=y)) == m
    konaev = one(rows, territory="Конаев", indicator="qol_score", period="2022")
    assert konaev["value"] == "" and "н/д" in konaev["note"]


def test_table2_ranks_and_text_leaders():
    rows = read("table2_qol")
    rank = {r["territory"]: int(r["value"]) for r in pick(rows, indicator="qol_rank")}
    score = {r["territory"]: num(r) for r in pick(rows, indicator="qol_score", period="2024") if r["territory"] != "Казахстан"}
    order = sorted(rank, key=rank.get)
    assert sorted(rank.values()) == list(range(1, 27))
    assert all(score[a] >= score[b] for a, b in zip(order, order[1:]))
    assert order[:5] == ["Туркестан", "Астана", "Костанай", "Конаев", "Атырау"]  # text: leaders
    assert order[-5:] == ["Петропавловск", "Актау", "Риддер", "Кокшетау", "Сатпаев"]  # text: bottom, best to worst
    s23 = {r["territory"]: num(r) for r in pick(rows, indicator="qol_score", period="2023")}
    growth = {c: 100 * (score[c] / s23[c] - 1) for c in score}
    top5 = sorted(growth, key=growth.get, reverse=True)[:5]
    assert set(top5) == {"Конаев", "Актобе", "Экибастуз", "Жанаозен", "Шымкент"}
    for r in pick(rows, indicator="qol_score_change_pct", period="2023-2024"):
        if r["territory"] == "Казахстан":
            assert round(100 * (5.56 / 4.61 - 1)) == num(r)
        else:
            assert (round(growth[r["territory"]]) == num(r)) == (r["flag"] == ""), r["territory"]
    assert min(score.values()) == 5.02


def test_table3_quadrants():
    rows = read("table3_riskmap")
    items = pick(rows, indicator="survey_item_quadrant")
    counts = collections.Counter(r["value"] for r in items)
    assert counts == {"1": 5, "2": 12, "3": 23, "4": 4}
    hi = {bd(r)["quadrant"]: num(r) for r in pick(rows, indicator="survey_quadrant_score_upper")}
    lo = {bd(r)["quadrant"]: num(r) for r in pick(rows, indicator="survey_quadrant_score_lower")}
    assert hi == {"1": 7.67, "2": 6.94, "3": 5.99, "4": 4.89} and lo == {"1": 7.25, "2": 6.07, "3": 5.10, "4": 4.33}
    for q in "1234":
        assert hi[q] > lo[q]
    for q in "123":
        assert lo[q] > hi[str(int(q) + 1)]


STD_REGIONS_2022_2023 = 19


def test_standards_coverage_consistent_with_national():
    rows = read("standards_coverage")
    for y, national in (("2022", 62.5), ("2023", 64.7)):
        units = [r for r in pick(rows, indicator="srs_coverage_pct", period=y) if r["territory"] != "Казахстан"
                 and r["territory"] != "г. Алматы"]
        assert len(units) == STD_REGIONS_2022_2023
        oblasts = [num(r) for r in units if not r["territory"].startswith("г. ")]
        assert len(oblasts) == 17
        # the national figure is a settlement mean; the plain mean of the 17 oblasts comes within half a point of it
        assert abs(statistics.mean(oblasts) - national) < 0.5, (y, statistics.mean(oblasts))
        assert num(one(rows, territory="Казахстан", indicator="srs_coverage_pct", period=y, bd_aggregate="все населенные пункты")) == national
    cities = num(one(rows, territory="Казахстан", period="2023", bd_aggregate="города"))
    villages = num(one(rows, territory="Казахстан", period="2023", bd_aggregate="сёла"))
    assert villages < 64.7 < cities
    c23 = {r["territory"]: num(r) for r in pick(rows, indicator="srs_coverage_pct", period="2023") if r["territory"] != "Казахстан"}
    obl = {k: v for k, v in c23.items() if not k.startswith("г. ")}
    assert sorted(obl, key=obl.get)[:2] == ["Абай", "Ұлытау"]          # «самые низкие … Ұлытау (58,0%) и Абай (56,9%)»
    assert sorted(obl, key=obl.get, reverse=True)[:2] == ["Мангистауская", "Атырауская"]
    assert sorted(c23, key=c23.get, reverse=True)[:3] == ["г. Алматы", "г. Шымкент", "г. Астана"]


def test_programme_parts_add_up():
    rr = read("rural_programmes")
    for y, tot in (("2022", 22.5), ("2023", 21.9)):
        parts = [num(r) for r in pick(rr, period=y, indicator="financing_bn_kzt", bd_programme="С дипломом в село")
                 if bd(r)["kind"] != "всего"]
        assert round(sum(parts), 1) == tot
    a = "Ауыл – Ел бесігі"
    p24 = [num(r) for r in pick(rr, period="2024", indicator="projects_count", bd_programme=a)]
    assert sum(p24) == 1400 == 1000 * num(one(rr, period="2024", indicator="projects_count_thousand", bd_programme=a))
    p19 = sum(num(r) for r in pick(rr, period="2019-2023", indicator="projects_count", bd_programme=a)) + 1000 * num(
        one(rr, period="2019-2023", indicator="projects_count_thousand", bd_sphere="транспортная инфраструктура"))
    assert round(p19 / 1000, 1) == num(one(rr, period="2019-2023", indicator="projects_count_thousand", bd_sphere="всего"))
    mt = read("monotowns")
    for per in ("2019-2023", "2024"):
        parts = {bd(r)["budget"]: num(r) for r in pick(mt, period=per, indicator="financing_bn_kzt", bd_purpose="инфраструктура")}
        ok = round(parts["РБ"] + parts["МБ"], 1) == parts["всего"]
        flagged = one(mt, period=per, indicator="financing_bn_kzt", bd_purpose="инфраструктура", bd_budget="всего")["flag"] != ""
        assert ok != flagged


@pytest.mark.parametrize("name", ["new_regions", "monotowns", "rural_programmes", "demography", "text_figures"])
def test_text_files_nonempty(name):
    assert len(read(name)) >= 13
