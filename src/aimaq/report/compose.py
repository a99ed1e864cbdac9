"""Pure: the review's sections from collected data (no database, no files). Every number in a sentence, table or
figure comes from `ReviewData`; nothing is typed in."""

from __future__ import annotations

import polars as pl

from aimaq.report.collect import ReviewData
from aimaq.report.compose_more import (auyl_blocks, conclusions_section, diploma_blocks, kosshy_blocks,
                                       monotowns_section, russian_numbers, rural_kpi_section, targets_section)
from aimaq.report.model import SYNTHETIC_LABEL, Document, Figure, Paragraph, Section, Table
from aimaq.report.numbers import fmt_int, fmt_num, fmt_pct, fmt_smart, join_names, plural

REVIEW = "аналитический обзор ИЭИ «Региональный прогресс: ключевые успехи за три года» (2024)"
BNS = "Бюро национальной статистики АСПиР РК"
AIMAQ_SYN = f"расчёт Aimaq по синтетическим данным ({SYNTHETIC_LABEL})"
NATIONAL = "000000000"


def compose(data: ReviewData) -> Document:
    sections = [Section("1", "Анализ реализации государственной политики", level=1),
                territory_section(data), rating_section(data), monotowns_section(data), rural_kpi_section(data),
                rural_section(data), diploma_section(data), standards_section(data),
                Section("2", "Краткосрочные и долгосрочные прогнозы", level=1),
                forecast_section(data), targets_section(data), conclusions_section(data), flags_annex(data)]
    doc = Document(title="Региональный прогресс: ключевые успехи за три года",
                   subtitle=f"Аналитический обзор, сформированный Aimaq из базы данных ({data.year})",
                   year=data.year, sections=sections, notes=list(data.notes))
    return doc


# --- 1.2 -------------------------------------------------------------------------------------------------------


def _value(frame: pl.DataFrame, kato: str, indicator: str, period: str) -> float | None:
    row = frame.filter(pl.col("kato") == kato, pl.col("indicator") == indicator, pl.col("period") == period)
    return None if row.is_empty() else row["value"][0]


def territory_section(data: ReviewData) -> Section:
    s = Section("1.2", "Административно-территориальные преобразования")
    ev = data.events.filter(pl.col("date").dt.year() >= 2020)
    created = ev.filter(pl.col("kind") == "create") if "create" in ev["kind"].to_list() else ev.head(0)
    s.add(Paragraph(f"В реестре территорий Aimaq с 2020 года записано {fmt_int(ev.height)} "
                    "административно-территориальных изменений (образование и разделение областей и районов, "
                    "изменение статуса и переименование населённых пунктов)."
                    + (f" Из них образований новых единиц: {fmt_int(created.height)}." if created.height else "")))
    s.add(Table("1.2", "Административно-территориальные преобразования 2020–2024 годов",
                ["Дата", "Вид", "Описание"],
                [[d.strftime("%d.%m.%Y"), _EVENT_KINDS.get(k, k), t]
                 for d, k, t in ev.select("date", "kind", "description_ru").iter_rows()],
                source="реестр территорий Aimaq (указы, " + REVIEW + ", раздел 1.2)", align=["l", "l", "l"]))
    for block in kosshy_blocks(data):
        s.add(block)
    nr = data.new_regions
    names = dict(nr.select("kato", "name_ru").unique().iter_rows())
    katos = sorted(names, key=lambda k: names[k])
    sentences = []
    for k in katos:
        grp, g = _value(nr, k, "grp_bn_kzt", "2023"), _value(nr, k, "grp_growth_pct", "2022-2023")
        if grp is not None:
            sentences.append(f"В {_loc(names[k])} объём ВРП в 2023 году составил {fmt_smart(grp, 1)} млрд тенге"
                             + (f", что на {fmt_smart(g, 1)}% больше уровня 2022 года" if g is not None else "") + ".")
    for k in katos:
        b0, b1 = _value(nr, k, "budget_revenue_mln_kzt", "2022"), _value(nr, k, "budget_revenue_mln_kzt", "2023")
        if b0 and b1:
            sentences.append(f"Доходы бюджета: {names[k]} — с {fmt_int(b0)} до {fmt_int(b1)} млн тенге "
                             f"(в {fmt_num(b1 / b0, 2)} раза).")
    if sentences:
        s.add(Paragraph(" ".join(sentences)))
    rows = []
    for k in katos:
        rows.append([names[k]] + [fmt_smart(v, 1) for v in (
            _value(nr, k, "grp_bn_kzt", "2023"), _value(nr, k, "grp_growth_pct", "2022-2023"),
            _value(nr, k, "budget_revenue_mln_kzt", "2022"), _value(nr, k, "budget_revenue_mln_kzt", "2023"),
            _value(nr, k, "sme_active_growth_pct", "2022-2023"))])
    s.add(Table("1.3", "Новые области: ВРП, доходы бюджета, рост числа субъектов МСП",
                ["Область", "ВРП 2023, млрд тенге", "Рост ВРП 2023/2022, %", "Бюджет 2022, млн тенге",
                 "Бюджет 2023, млн тенге", "Рост числа МСП, %"], rows,
                source=REVIEW + ", раздел 1.2 (н/д — в обзоре не приводится)"))
    budget = [(names[k], _value(nr, k, "budget_revenue_mln_kzt", "2022"), _value(nr, k, "budget_revenue_mln_kzt", "2023"))
              for k in katos]
    budget = [b for b in budget if b[1] is not None and b[2] is not None]
    if budget:
        s.add(Figure("1", "Доходная часть бюджетов областей Абай, Жетісу, Ұлытау, млрд тенге", "grouped_bars",
                     {"categories": [b[0] for b in budget], "series": {"2022": [b[1] / 1000 for b in budget],
                                                                         "2023": [b[2] / 1000 for b in budget]},
                      "ylabel": "млрд тенге"}, source=REVIEW + ", раздел 1.2"))
    return s


_EVENT_KINDS = {"split": "разделение", "merge": "объединение", "rename": "переименование",
                "status_change": "изменение статуса", "centre_move": "перенос центра", "create": "образование"}


def _loc(name: str) -> str:
    """«Область Ұлытау» → «области Ұлытау»; «Абайская область» → «Абайской области» (the cases the report needs)."""
    if name.startswith("Область "):
        return "области " + name[len("Область "):]
    if name.endswith("ая область"):
        return name[:-len("ая область")] + "ой области"
    return name


# --- 1.3 -------------------------------------------------------------------------------------------------------


def rating_section(data: ReviewData) -> Section:
    y = data.year
    s = Section("1.3", "Рейтинг качества жизни в городах")
    cur = data.rating[y]
    summ = data.rating_summary
    s.add(Paragraph(f"Итоговый рейтинг {fmt_int(cur.height)} городов Казахстана сформирован на основе "
                    "статистических показателей и результатов социологического опроса жителей."))
    s.add(Paragraph(f"Лидерами рейтинга в {y} году стали города {join_names(summ['leaders'])}."))
    s.add(Paragraph("На нижних строчках рейтинга расположились следующие города (от лучших к худшим показателям): "
                    f"{join_names(summ['bottom'])}."))
    if summ.get("previous_mean") is not None:
        verb = "вырос" if summ["mean_change_points"] > 0 else "снизился"
        s.add(Paragraph(f"Средний балл по городам {verb} с {fmt_num(summ['previous_mean'], 2)} до "
                        f"{fmt_num(summ['mean'], 2)} ({fmt_num(summ['mean_change_pct'], 0, sign=True)}%). "
                        f"Порог в {fmt_smart(summ.get('threshold', 5))} баллов преодолели "
                        f"{fmt_int(summ['over_threshold'])} из {fmt_int(summ['cities'])} городов."))
    gains = cur.filter(pl.col("change_pct").is_not_null()).sort("change_pct", descending=True).head(5)
    if gains.height:
        parts = [f"{c} ({fmt_num(p, 0, sign=True)}%)" for c, p in gains.select("city", "change_pct").iter_rows()]
        s.add(Paragraph(f"В динамике баллов по сравнению с {y - 1} годом наибольший прирост наблюдается в городах "
                        f"{join_names(parts)}."))
    years = [yy for yy in (y, y - 1, y - 2) if yy in data.rating]
    by_year = {yy: dict(data.rating[yy].select("kato", "score").iter_rows()) for yy in years}
    rows = [[str(r), c] + [fmt_num(by_year[yy].get(k), 2) for yy in years]
            for r, c, k in cur.select("rank", "city", "kato").iter_rows()]
    rows.append(["", "Средний балл"] + [fmt_num(data.rating[yy]["score"].mean(), 2) for yy in years])
    s.add(Table("2", f"Сравнение результатов рейтингов за {years[-1]}–{y} годы", ["№", "Город"] +
                [f"{yy} г." for yy in years], rows, source=REVIEW + ", таблица 2 (опубликованные баллы)",
                total_rows=1, align=["r", "l"] + ["r"] * len(years)))
    s.add(Figure("3", f"Рейтинг городов по качеству жизни в {y} году", "bars",
                 {"labels": cur["city"].to_list(), "values": cur["score"].to_list(), "xlabel": "балл (0–10)",
                  "mean": summ["mean"]}, source=REVIEW + ", таблица 2"))
    rm = data.riskmap
    if rm is not None and rm.height:
        syn = bool(rm["synthetic"].any())
        q = rm.group_by("quadrant").agg(pl.len().alias("n"), pl.col("mean").min().alias("lo"),
                                        pl.col("mean").max().alias("hi")).sort("quadrant")
        agree = rm.filter(pl.col("published_quadrant").is_not_null())
        same = agree.filter(pl.col("published_quadrant") == pl.col("quadrant")).height
        s.add(Paragraph("Карта городских рисков группирует вопросы опроса по среднему баллу в четыре квадранта: "
                        + "; ".join(f"{qq} квадрант — {fmt_int(n)} {plural(n, 'вопрос', 'вопроса', 'вопросов')} ({fmt_num(lo, 2)}–{fmt_num(hi, 2)} балла)"
                                    for qq, n, lo, hi in q.iter_rows())
                        + f". Квадрант совпадает с опубликованным в обзоре у {fmt_int(same)} из "
                          f"{fmt_int(agree.height)} вопросов."
                        + (f" Ответы опроса — {SYNTHETIC_LABEL}." if syn else "")))
        rows = [[str(qq), name, fmt_num(m, 2), "" if pq is None else str(pq)]
                for qq, name, m, pq in rm.sort("quadrant", "mean", descending=[False, True])
                .select("quadrant", "name_ru", "mean", "published_quadrant").iter_rows()]
        s.add(Table("3", "Карта городских рисков и чувствительных тем глазами горожан",
                    ["Квадрант", "Вопрос", "Средний балл", "Квадрант в обзоре"], rows,
                    source=(AIMAQ_SYN if syn else "опрос жителей") + "; квадранты в обзоре — " + REVIEW + ", таблица 3",
                    synthetic=syn, align=["r", "l", "r", "r"]))
    return s


# --- 1.5–1.6 ---------------------------------------------------------------------------------------------------


def rural_section(data: ReviewData) -> Section:
    s = Section("1.6", "Проект «Ауыл – Ел бесігі»: сёла с потенциалом развития")
    for block in auyl_blocks(data):
        s.add(block)
    v = data.villages
    if v is None or v.is_empty():
        s.add(Paragraph("Классификация сёл в базе данных отсутствует.", "note"))
        return s
    syn = bool(v["synthetic"].any())
    total = v.filter(pl.col("kato") == NATIONAL).row(0, named=True)
    s.add(Paragraph(f"По классификации Aimaq из {fmt_int(total['villages'])} сёл потенциал развития имеют "
                    f"{fmt_int(total['with_potential'])} ({fmt_pct(total['with_potential_pct'])}): опорных — "
                    f"{fmt_int(total['support'])}, спутниковых — {fmt_int(total['satellite'])}. В них проживает "
                    f"{fmt_pct(total['population_share_with_potential_pct'])} сельских жителей; с 2019 года их "
                    f"население изменилось на {fmt_int(total['population_change_with_potential'])} чел. "
                    f"({fmt_pct(total['population_change_with_potential_pct'], sign=True)})."
                    + (f" Расчёт выполнен по сёлам, сгенерированным Aimaq ({SYNTHETIC_LABEL})." if syn else "")))
    regions = v.filter(pl.col("kato") != NATIONAL).sort("population_change_with_potential_pct", descending=True)
    top = [f"{r} ({fmt_pct(p, sign=True)})" for r, p in
           regions.head(4).select("name_ru", "population_change_with_potential_pct").iter_rows()]
    s.add(Paragraph(f"Наибольший рост населения сёл с потенциалом — {join_names(top)}."))
    rows = [[n, fmt_int(a), fmt_int(b), fmt_int(c), fmt_int(d), fmt_pct(e), fmt_pct(f, sign=True)]
            for n, a, b, c, d, e, f in v.select("name_ru", "villages", "with_potential", "support", "satellite",
                                               "population_share_with_potential_pct",
                                               "population_change_with_potential_pct").iter_rows()]
    rows = rows[1:] + rows[:1]  # the country row last, as a total
    s.add(Table("1.6", "Сёла с потенциалом развития по регионам",
                ["Регион", "Сёл", "С потенциалом", "Опорные", "Спутниковые", "Доля населения в сёлах с потенциалом",
                 "Изменение населения с 2019 г."], rows, source=AIMAQ_SYN if syn else "расчёт Aimaq",
                synthetic=syn, total_rows=1))
    return s


# --- 1.7 -------------------------------------------------------------------------------------------------------


def diploma_section(data: ReviewData) -> Section:
    s = Section("1.7", "Проект «С Дипломом в село»")
    sp = data.diploma_spheres
    years = sorted({p for p in sp["period"].to_list() if "-" not in p})
    spheres = list(dict.fromkeys(sp.filter(pl.col("kind").is_null())["sphere"].to_list()))
    cell = {(r["sphere"], r["period"]): r["value"] for r in sp.filter(pl.col("kind").is_null()).iter_rows(named=True)}
    totals = {r["sphere"]: r["value"] for r in sp.filter(pl.col("kind") == "total").iter_rows(named=True)}
    grand = sum(totals.values()) if totals else None
    if totals:
        order = sorted(totals, key=totals.get, reverse=True)
        parts = [f"{o if o.isupper() else o.lower()} — {fmt_int(totals[o])} ({fmt_pct(100 * totals[o] / grand)})" for o in order[:3]]
        s.add(Paragraph(f"За {years[0]}–{years[-1]} годы подъёмные пособия получили {fmt_int(grand)} специалистов; "
                        f"больше всего — в сферах: {join_names(parts)}."))
    rows = [[y] + [fmt_int(cell.get((sph, y))) for sph in spheres] for y in years]
    rows.append(["Итого"] + [fmt_int(totals.get(sph)) for sph in spheres])
    s.add(Table("4", "Обеспечение СНП молодыми кадрами в разрезе сфер деятельности", ["Год"] + spheres, rows,
                source=REVIEW + ", таблица 4 (Министерство национальной экономики РК)", total_rows=1))
    rg = data.diploma_regions
    names = dict(rg.filter(pl.col("kato") != NATIONAL).select("kato", "name_ru").unique().iter_rows())
    cellr = {(r["kato"], r["period"]): r["value"] for r in rg.iter_rows(named=True)}
    ryears = sorted({p for p in rg["period"].to_list() if "-" not in p})
    span = next((p for p in rg["period"].to_list() if "-" in p), None)
    order = sorted(names, key=lambda k: names[k])
    rows = [[names[k]] + [fmt_int(cellr[(k, y)]) if (k, y) in cellr else "–" for y in ryears]
            + [fmt_int(cellr.get((k, span)))] for k in order]
    rows.append(["Итого"] + [fmt_int(cellr.get((NATIONAL, y))) for y in ryears] + [fmt_int(cellr.get((NATIONAL, span)))])
    top = sorted(order, key=lambda k: cellr.get((k, span), 0), reverse=True)[:3]
    grand_r = cellr.get((NATIONAL, span))
    if grand_r:
        s.add(Paragraph("В разрезе регионов больше всего специалистов привлечено в сёла: " + join_names(
            [f"{names[k]} — {fmt_int(cellr[(k, span)])} ({fmt_pct(100 * cellr[(k, span)] / grand_r)})" for k in top])
            + ". Прочерк — область ещё не была образована."))
    s.add(Table("5", "Количество специалистов, получивших подъёмные пособия, в разрезе регионов",
                ["Регион"] + ryears + ["Итого"], rows,
                source=REVIEW + ", таблица 5 (Министерство национальной экономики РК)", total_rows=1))
    for block in diploma_blocks(data):
        s.add(block)
    return s


# --- 1.8 -------------------------------------------------------------------------------------------------------


def standards_section(data: ReviewData) -> Section:
    y1, y0 = data.year - 1, data.year - 2
    s = Section("1.8", "Система региональных стандартов")
    pub = data.coverage_published
    nat = {(p, b): v for p, b, v in pub.filter(pl.col("kato") == NATIONAL).select("period", "breakdown", "value").iter_rows()}
    reg = pub.filter(pl.col("kato") != NATIONAL, pl.col("breakdown") == "")
    v1 = {k: v for k, p, v in reg.select("kato", "period", "value").iter_rows() if p == str(y1)}
    v0 = {k: v for k, p, v in reg.select("kato", "period", "value").iter_rows() if p == str(y0)}
    names = dict(reg.select("kato", "name_ru").unique().iter_rows())
    flags = {k: f for k, f in reg.filter(pl.col("flag").is_not_null()).select("kato", "flag").iter_rows()}
    all_key = "aggregate=все населенные пункты"
    if (str(y1), all_key) in nat:
        txt = f"Обеспеченность населённых пунктов по Системе региональных стандартов в {y1} году в среднем по " \
              f"республике составила {fmt_pct(nat[(str(y1), all_key)])}"
        if (str(y1), "aggregate=города") in nat and (str(y1), "aggregate=сёла") in nat:
            txt += f", в том числе по городам — {fmt_pct(nat[(str(y1), 'aggregate=города')])}, сёлам — " \
                   f"{fmt_pct(nat[(str(y1), 'aggregate=сёла')])}"
        if (str(y0), all_key) in nat:
            txt += f" (в {y0} году — {fmt_pct(nat[(str(y0), all_key)])})"
        s.add(Paragraph(txt + "."))
    oblasts = [k for k in v1 if not k.startswith(("71", "75", "79"))]
    if oblasts:
        hi = sorted(oblasts, key=v1.get, reverse=True)[:3]
        lo = sorted(oblasts, key=v1.get)[:2]
        s.add(Paragraph(f"Среди областей наибольшая обеспеченность — {join_names([f'{names[k]} ({fmt_pct(v1[k])})' for k in hi])}; "
                        f"наименьшая — {join_names([f'{names[k]} ({fmt_pct(v1[k])})' for k in lo])}."))
    comp = data.coverage_computed
    c1 = dict(comp[y1].select("kato", "coverage_pct").iter_rows()) if y1 in comp else {}
    c0 = dict(comp[y0].select("kato", "coverage_pct").iter_rows()) if y0 in comp else {}
    anomaly = {k for k, a in comp[y1].select("kato", "anomaly").iter_rows() if a} if y1 in comp else set()
    syn = any(bool(f["synthetic"].any()) for f in comp.values())
    rows = []
    for k in sorted(set(v0) | set(v1), key=lambda k: names.get(k, k)):
        ch = (v1[k] - v0[k]) if k in v0 and k in v1 else None
        mark = []
        if k in flags:
            mark.append("обзор")
        if k in anomaly:
            mark.append("расчёт")
        rows.append([names.get(k, k), fmt_num(v0.get(k), 1), fmt_num(v1.get(k), 1),
                     fmt_num(ch, 1, sign=True) if ch is not None else "н/д",
                     fmt_num(c0.get(k), 1) if c0 else "н/д", fmt_num(c1.get(k), 1) if c1 else "н/д",
                     "⚑ " + ", ".join(mark) if mark else ""])
    rows.append(["Республика Казахстан", fmt_num(nat.get((str(y0), all_key)), 1), fmt_num(nat.get((str(y1), all_key)), 1),
                 fmt_num(nat[(str(y1), all_key)] - nat[(str(y0), all_key)], 1, sign=True)
                 if (str(y0), all_key) in nat and (str(y1), all_key) in nat else "н/д",
                 _country(data, y0), _country(data, y1), ""])
    s.add(Table("6", f"Обеспеченность по Системе региональных стандартов по регионам, {y0}–{y1} годы, %",
                ["Регион", f"{y0} (обзор)", f"{y1} (обзор)", "Изменение, п.п.", f"{y0} Aimaq ({SYNTHETIC_LABEL})",
                 f"{y1} Aimaq ({SYNTHETIC_LABEL})", "Флаг"], rows,
                source=f"опубликованные значения — {REVIEW}, раздел 1.8; расчёт Aimaq — синтетический реестр объектов, "
                       f"откалиброванный по опубликованным значениям ({SYNTHETIC_LABEL})",
                synthetic=syn, total_rows=1))
    for k in sorted(set(flags) | anomaly, key=lambda k: names.get(k, k)):
        ch = (v1[k] - v0[k]) if k in v0 and k in v1 else None
        text = f"⚑ {names.get(k, k)}: опубликованная обеспеченность изменилась с {fmt_num(v0.get(k), 1)}% до " \
               f"{fmt_num(v1.get(k), 1)}%"
        text += f" ({fmt_num(ch, 1, sign=True)} п.п. за год)" if ch is not None else ""
        others = [v1[j] - v0[j] for j in v1 if j in v0 and j != k]
        if others:
            text += f", тогда как у остальных регионов — от {fmt_num(min(others), 1, sign=True)} до " \
                    f"{fmt_num(max(others), 1, sign=True)} п.п."
        text += " Значение оставлено как опубликовано и отмечено флагом (см. приложение)."
        if k in anomaly:
            text += " Синтетический расчёт Aimaq, откалиброванный по этим значениям, также отмечает скачок как аномалию."
        s.add(Paragraph(text, "note"))
    if c1 and c0:
        s.add(Figure("7", f"Обеспеченность по СРС по регионам: опубликованные значения и расчёт Aimaq, {y1}, %",
                     "grouped_bars", {"categories": [names.get(k, k) for k in sorted(v1, key=v1.get)],
                                      "series": {f"обзор {y1}": [v1[k] for k in sorted(v1, key=v1.get)],
                                                 f"Aimaq {y1} ({SYNTHETIC_LABEL})": [c1.get(k) for k in sorted(v1, key=v1.get)]},
                                      "ylabel": "%", "horizontal": True},
                     source=f"{REVIEW}, раздел 1.8; {AIMAQ_SYN}", synthetic=True))
    return s


def _country(data: ReviewData, year: int) -> str:
    c = data.coverage_country.get(year)
    if c is None or c.is_empty():
        return "н/д"
    row = c.filter(pl.col("group") == "all")
    return fmt_num(row["coverage_pct"][0], 1) if row.height else "н/д"


# --- 2.1 -------------------------------------------------------------------------------------------------------


def forecast_section(data: ReviewData) -> Section:
    s = Section("2.1", "Прогноз демографической ситуации с учётом миграционных тенденций")
    f = data.forecast
    if f is None:
        s.add(Paragraph("Прогноз в базе данных отсутствует.", "note"))
        return s
    run, res, base, to = f["run"], f["results"], f["base_year"], f["to_year"]
    syn = bool(run.get("synthetic"))
    src = (f"расчёт Aimaq: многорегиональная когортно-компонентная модель, прогон №{run['run_id']} "
           f"({run['scenario']}, {fmt_int(run['draws'])} траекторий), на данных {BNS}"
           + (f" ({SYNTHETIC_LABEL})" if syn else ""))
    nat = res.filter(pl.col("region_code") == NATIONAL, pl.col("year") <= to).sort("year")
    p0 = nat.filter(pl.col("year") == base).row(0, named=True)
    p1 = nat.filter(pl.col("year") == to).row(0, named=True)
    s.add(Paragraph(f"По прогнозу Aimaq численность населения страны вырастет с {fmt_num(p0['population'] / 1e6, 2)} "
                    f"млн чел. на начало {base} года до {fmt_num(p1['population'] / 1e6, 2)} млн чел. в {to} году "
                    f"(80%-й интервал: {fmt_num(p1['lower80'] / 1e6, 2)}–{fmt_num(p1['upper80'] / 1e6, 2)} млн); "
                    f"доля городского населения составит {fmt_pct(100 * p1['urban_share'])}."))
    reg = res.filter(pl.col("region_code") != NATIONAL, pl.col("year").is_in([base, to]))
    wide = (reg.pivot(on="year", index=["region_code", "region"], values="population")
            .join(reg.filter(pl.col("year") == to).select("region_code", "lower80", "upper80"), on="region_code"))
    wide = wide.with_columns(growth=100 * (pl.col(str(to)) / pl.col(str(base)) - 1)).sort("growth", descending=True)
    up = [f"{r} ({fmt_pct(g, sign=True)})" for r, g in wide.head(4).select("region", "growth").iter_rows()]
    down = [f"{r} ({fmt_pct(g, sign=True)})" for r, g in wide.filter(pl.col("growth") < 0).sort("growth")
            .select("region", "growth").iter_rows()]
    s.add(Paragraph(f"Быстрее всего к {to} году растёт население: {join_names(up)}."
                    + (f" Сокращение ожидается: {join_names(down)}." if down else "")))
    rows = [[r, fmt_num(a / 1e3, 1), fmt_num(b / 1e3, 1), f"{fmt_num(lo / 1e3, 1)}–{fmt_num(hi / 1e3, 1)}",
             fmt_pct(g, sign=True)]
            for r, a, b, lo, hi, g in wide.select("region", str(base), str(to), "lower80", "upper80", "growth").iter_rows()]
    rows.append([p0["region"], fmt_num(p0["population"] / 1e3, 1), fmt_num(p1["population"] / 1e3, 1),
                 f"{fmt_num(p1['lower80'] / 1e3, 1)}–{fmt_num(p1['upper80'] / 1e3, 1)}",
                 fmt_pct(100 * (p1["population"] / p0["population"] - 1), sign=True)])
    s.add(Table("7", f"Прогноз численности населения по регионам до {to} года, тыс. чел.",
                ["Регион", f"{base}", f"{to}", f"80%-й интервал {to}", "Изменение"], rows, source=src,
                synthetic=syn, total_rows=1))
    s.add(Figure("6", f"Численность населения Казахстана {base}–{to}, млн чел., с 80%-м интервалом", "band",
                 {"years": nat["year"].to_list(), "value": [v / 1e6 for v in nat["population"]],
                  "lower": [v / 1e6 for v in nat["lower80"]], "upper": [v / 1e6 for v in nat["upper80"]],
                  "ylabel": "млн чел."}, source=src, synthetic=syn))
    cmp = f["comparison"]
    if cmp.height:
        s.add(Paragraph("Сравнение с прогнозом обзора: расхождения объясняются составляющими роста "
                        "(естественный прирост, внутренняя и внешняя миграция) и допущениями модели."))
        rows = []
        for label, rv, av, why, measure in cmp.select("label", "review", "aimaq", "why", "measure").iter_rows():
            if measure == "population_total":
                rv_s, av_s = fmt_num(rv / 1e6, 2) + " млн", fmt_num(av / 1e6, 2) + " млн"
            else:
                rv_s, av_s = fmt_pct(100 * rv), fmt_pct(100 * av)
            rows.append([label, rv_s, av_s, russian_numbers(why)])
        s.add(Table("8", "Прогноз Aimaq и прогноз обзора", ["Показатель", "Обзор", "Aimaq", "Причины расхождения"],
                    rows, source=f"{REVIEW}, раздел 2.1; {src}", synthetic=syn, align=["l", "r", "r", "l"]))
    pyr = f["pyramid"]
    if pyr.height:
        s.add(Figure("8", f"Половозрастная пирамида населения Казахстана, {base} и {to}, тыс. чел.", "pyramid",
                     {"years": [base, to], "rows": pyr.to_dicts()}, source=src, synthetic=syn))
    return s


# --- annex -----------------------------------------------------------------------------------------------------


def flags_annex(data: ReviewData) -> Section:
    s = Section("П", "Приложение. Несоответствия в исходных данных", level=1)
    fl = data.flags
    s.add(Paragraph(f"Опубликованные значения хранятся в базе как опубликованы и не исправляются; где источник "
                    f"противоречит сам себе или значение неправдоподобно, у значения стоит флаг. Всего флагов: "
                    f"{fmt_int(fl.height)}, из них в обзоре ИЭИ — "
                    f"{fmt_int(fl.filter(pl.col('publisher') == 'АО «Институт экономических исследований»').height)}."))
    rows = [[name or k, ind, per, fmt_smart(v, 2), flag, f"{title or ''}: {place or ''}".strip(": ")]
            for k, name, ind, per, v, flag, title, place in
            fl.select("kato", "name_ru", "indicator", "period", "value", "flag", "title", "place").iter_rows()]
    s.add(Table("П.1", "Значения с флагами и их место в источнике",
                ["Территория", "Показатель", "Период", "Значение", "Несоответствие", "Источник и место"], rows,
                source=f"{REVIEW}; {BNS} (таблица observation_latest базы Aimaq)", align=["l"] * 3 + ["r", "l", "l"]))
    return s
