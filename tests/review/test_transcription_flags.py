"""Every known inconsistency of the review is flagged, with the published value kept as published."""
from __future__ import annotations

from test_transcription_helpers import OBS_FILES, bd, num, one, pick, read


def flagged(row) -> bool:
    return bool(row["flag"].strip())


def test_shymkent_coverage_jump():
    rows = read("standards_coverage")
    a = one(rows, territory="г. Шымкент", period="2022")
    b = one(rows, territory="г. Шымкент", period="2023")
    assert (num(a), num(b)) == (58.9, 87.8) and flagged(a) and flagged(b)
    assert round(num(b) - num(a), 1) == 28.9
    others = [r for r in pick(rows, indicator="srs_coverage_pct", period="2023") if r["territory"] not in ("г. Шымкент", "Казахстан")]
    jumps = [num(r) - num(one(rows, territory=r["territory"], period="2022")) for r in others if r["territory"] != "г. Алматы"]
    assert max(jumps) < 7
    assert flagged(one(rows, territory="Казахстан", period="2023", bd_aggregate="города"))


def test_urban_growth_38():
    d = read("demography")
    r = one(d, indicator="population_growth_pct", period="2021-2023", bd_area="город")
    assert num(r) == 3.8 and flagged(r)
    u21 = num(one(d, indicator="urban_population_million", period="2021"))
    u23 = num(one(d, indicator="urban_population_million", period="2023"))
    assert round(100 * (u23 / u21 - 1), 1) == 4.2


def test_villages_62_vs_63():
    a = one(read("text_figures"), indicator="villages_count_thousand", bd_kind="всего")
    b = one(read("rural_programmes"), indicator="villages_count_thousand", bd_kind="всего")
    assert (num(a), num(b)) == (6.2, 6.3) and flagged(a) and flagged(b)
    assert a["place"].startswith("Введение") and b["place"].startswith("Раздел 1.6")


def test_monotown_order_dates():
    rows = pick(read("monotowns"), indicator="legal_act_number")
    o248 = [r for r in rows if r["value"] == "248"]
    assert {r["period"] for r in o248} == {"2023-11-21", "2023-11-23"} and all(flagged(r) for r in o248)


def test_schools_224_vs_274():
    rows = pick(read("monotowns"), indicator="schools_count")
    assert sorted(num(r) for r in rows) == [224, 274] and all(flagged(r) for r in rows)


def test_urbanisation_2024_below_2023():
    d = read("demography")
    u24 = one(d, territory="Казахстан", indicator="urbanisation_pct", period="2024")
    u23 = one(d, territory="Казахстан", indicator="urbanisation_pct", period="2023")
    assert num(u24) < num(u23) and flagged(u24) and flagged(u23)
    fc = [r for r in pick(d, territory="Казахстан", indicator="urbanisation_pct", period="2030")]
    assert len(fc) == 3 and flagged(one(d, territory="Казахстан", indicator="urbanisation_pct", period="2030", breakdown="kind=forecast"))
    rural = one(read("text_figures"), indicator="rural_population_share_pct")
    assert num(rural) + num(u24) != 100 and flagged(rural)


def test_table2_text_flags():
    rows = read("table2_qol")
    thr = one(rows, indicator="qol_score_threshold_points")
    assert flagged(thr) and "почти все" in thr["flag"]
    ek = one(rows, territory="Экибастуз", indicator="qol_score_change_pct")
    assert flagged(ek)
    survey = one(rows, indicator="qol_indicators_count", bd_kind="опросные")
    assert num(survey) == 40 and flagged(survey)
    assert len(pick(read("table3_riskmap"), indicator="survey_item_quadrant")) == 44


def test_anchor_projects_do_not_add_up():
    rows = pick(read("monotowns"), indicator="projects_count", bd_kind="якорные")
    total = [r for r in rows if bd(r)["sector"] == "всего"][0]
    parts = [num(r) for r in rows if bd(r)["sector"] != "всего"]
    assert num(total) == 45 and sum(parts) == 55 and flagged(total)


def test_diploma_share_and_allowance_flags():
    h = one(read("table4_diploma_spheres"), indicator="diploma_recipients_share_pct", bd_sphere="Здравоохранение")
    assert num(h) == 21.7 and flagged(h)
    rr = read("rural_programmes")
    al = one(rr, indicator="financing_bn_kzt", period="2024-06-01")
    n = num(one(rr, indicator="diploma_lifting_allowance_recipients", period="2024-06-01"))
    assert num(al) * 1000 / n > 8 and flagged(al)           # mln tenge per person
    assert flagged(one(rr, indicator="housing_loan_size_mln_kzt", bd_destination="сельские населенные пункты"))
    alm = one(read("table5_diploma_regions"), territory="Алматинская", indicator="diploma_lifting_allowance_recipients_thousand")
    assert flagged(alm)


def test_new_region_budget_flags():
    rows = read("new_regions")
    abai = one(rows, territory="Абай", indicator="budget_growth_times")
    ratio = num(one(rows, territory="Абай", indicator="budget_revenue_mln_kzt", period="2023")) / num(
        one(rows, territory="Абай", indicator="budget_revenue_mln_kzt", period="2022"))
    assert num(abai) == 3.2 and round(ratio, 1) == 3.3 and flagged(abai)
    zh = one(rows, territory="Жетісу", indicator="budget_growth_pct")
    zr = num(one(rows, territory="Жетісу", indicator="budget_revenue_mln_kzt", period="2023")) / num(
        one(rows, territory="Жетісу", indicator="budget_revenue_mln_kzt", period="2022"))
    assert round(100 * (zr - 1), 1) == num(zh) == 47.3
    ul = one(rows, territory="Ұлытау", indicator="budget_growth_times")
    assert not flagged(ul)


def test_population_period_flag():
    r = one(read("demography"), indicator="population_change_persons")
    assert num(r) == 530683 and flagged(r)


def test_flag_count_is_known():
    """A change in the number of flagged rows must be deliberate (and documented in docs/review_data.md)."""
    n = sum(flagged(r) for f in OBS_FILES for r in read(f))
    assert n == 41


def test_every_flag_is_documented():
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "review_data.md").read_text(encoding="utf-8")
    for f in OBS_FILES:
        for r in read(f):
            if flagged(r):
                assert f"| {f}.csv | {r['territory']} | {r['indicator']} | {r['period']} |" in doc, (f, r["territory"], r["indicator"])
                assert r["flag"].replace("|", "/") in doc
