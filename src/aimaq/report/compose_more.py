"""Pure: the sections added with the monotown and programme jobs — Table 1 (Kosshy), 1.4 monotowns, 1.5 rural
concept KPIs, the Auyl – El Besigi and Diploma programme tables, 2.4 targets and the conclusions, and the Russian
formatting of the forecast job's stored reasons. Every number comes from `ReviewData`."""

from __future__ import annotations

import re

import polars as pl

from aimaq.report.collect import ReviewData
from aimaq.report.model import SYNTHETIC_LABEL, Figure, Paragraph, Section, Table
from aimaq.report.numbers import MINUS, fmt_int, fmt_num, fmt_pct, fmt_smart, join_names, plural

REVIEW = "аналитический обзор ИЭИ «Региональный прогресс: ключевые успехи за три года» (2024)"
NATIONAL = "000000000"
UNITS = {"pct": "%", "pct_change": "%", "bn_kzt": "млрд тенге", "mln_kzt": "млн тенге", "trn_kzt": "трлн тенге",
         "persons": "чел.", "thousand_persons": "тыс. чел.", "million_persons": "млн чел.", "units": "ед.",
         "thousand_units": "тыс. ед.", "km": "км"}


def _bd(text: str | None, key: str) -> str | None:
    m = re.search(rf"(?:^|;){re.escape(key)}=([^;]*)", text or "")
    return m.group(1) if m else None


# --- Table 1 (1.2) ---------------------------------------------------------------------------------------------


def kosshy_blocks(data: ReviewData) -> list:
    k = data.kosshy
    if k is None or k.is_empty():
        return []
    years = sorted(set(k["period"].to_list()))
    labels = list(dict.fromkeys(k["row_label"].fill_null(k["indicator_ru"]).to_list()))
    cell = {(r["row_label"] or r["indicator_ru"], r["period"]): r["value"] for r in k.iter_rows(named=True)}
    rows = [[lab] + [fmt_smart(cell.get((lab, y)), 1) for y in years] for lab in labels]
    town = k["name_ru"][0]
    blocks: list = []
    pop = k.filter(pl.col("indicator") == "population_thousand").sort("period")
    inv = k.filter(pl.col("indicator") == "fixed_investment_mln_kzt").sort("period")
    parts = []
    if pop.height >= 2:
        p0, p1 = pop["value"][0], pop["value"][-1]
        parts.append(f"население выросло с {fmt_smart(p0, 1)} до {fmt_smart(p1, 1)} тыс. чел. "
                     f"({fmt_pct(100 * (p1 / p0 - 1), sign=True)})")
    if inv.height >= 2:
        i0, i1 = inv["value"][0], inv["value"][-1]
        parts.append(f"инвестиции в основной капитал — в {fmt_num(i1 / i0, 1)} раза "
                     f"(с {fmt_smart(i0, 1)} до {fmt_smart(i1, 1)} млн тенге)")
    if parts:
        blocks.append(Paragraph(f"В городе {town} за {years[0]}–{years[-1]} годы " + "; ".join(parts) + "."))
    blocks.append(Table("1", f"Основные показатели социально-экономического развития г. {town}",
                        ["Показатели"] + [f"{y} год" for y in years], rows,
                        source=REVIEW + ", таблица 1", align=["l"] + ["r"] * len(years)))
    return blocks


# --- 1.4 -------------------------------------------------------------------------------------------------------


def monotowns_section(data: ReviewData) -> Section:
    s = Section("1.4", "Развитие моногородов")
    towns = data.monotowns
    if towns is None or towns.is_empty():
        s.add(Paragraph("Реестр моногородов в базе данных отсутствует.", "note"))
        return s
    listed = towns.filter(pl.col("in_list_2023"))
    dropped = towns.filter(~pl.col("in_list_2023"))
    groups = (listed.group_by("specialisation_group", maintain_order=True).len()
              .sort("len", descending=True))
    s.add(Paragraph(
        f"В перечень моногородов 2023 года входят {fmt_int(listed.height)} "
        f"{plural(listed.height, 'город', 'города', 'городов')}: "
        + "; ".join(f"{g} — {fmt_int(n)}" for g, n in groups.iter_rows())
        + f". Из прежнего перечня {plural(dropped.height, 'выбыл', 'выбыли', 'выбыли')} {fmt_int(dropped.height)} "
          f"{plural(dropped.height, 'город', 'города', 'городов')}: {join_names(sorted(dropped['name_ru'].to_list()))}."))
    rows = []
    for g, _n in groups.iter_rows():
        sub = listed.filter(pl.col("specialisation_group") == g)
        subtypes = sub.group_by(pl.col("specialisation_subtype").fill_null("—"), maintain_order=True).agg(
            pl.col("name_ru").sort())
        for st, names in subtypes.iter_rows():
            rows.append([g, st, fmt_int(len(names)), ", ".join(_town(n) for n in names)])
    rows.append(["Итого", "", fmt_int(listed.height), ""])
    s.add(Table("1.4.1", "Моногорода по специализации (перечень 2023 года)",
                ["Группа", "Подвид специализации", "Число городов", "Города"], rows,
                source=REVIEW + ", раздел 1.4 (перечень — приказ Министра национальной экономики РК №248)",
                total_rows=1, align=["l", "l", "r", "l"]))
    rows = [[_town(n), r, reason or "н/д"] for n, r, reason in
            dropped.sort("name_ru").select("name_ru", "region", "reason_dropped").iter_rows()]
    s.add(Table("1.4.2", "Города, выбывшие из перечня моногородов в 2023 году", ["Город", "Область", "Причина"],
                rows, source=REVIEW + ", раздел 1.4", align=["l", "l", "l"]))

    rv = data.monotown_review if data.monotown_review is not None else pl.DataFrame()
    if rv.height:
        _wear(s, rv, listed)
        _social(s, rv)
        _anchors(s, rv)
    _classes(s, data.monotown_classes)
    return s


def _town(name: str) -> str:
    return name.replace(" (город)", "")


def _wear(s: Section, rv: pl.DataFrame, listed: pl.DataFrame) -> None:
    heat = rv.filter(pl.col("indicator") == "network_wear_pct",
                     pl.col("breakdown").str.contains("network=тепловые сети", literal=True))
    mean = heat.filter(pl.col("kato") == NATIONAL)
    towns = heat.filter(pl.col("kato") != NATIONAL, pl.col("kato").is_in(listed["kato"].to_list()))
    latest = towns["period"].max() if towns.height else None
    towns = towns.filter(pl.col("period") == latest).sort("value", "name_ru", descending=[True, False])
    if towns.is_empty():
        return
    m = mean["value"][0] if mean.height else None
    length = rv.filter(pl.col("indicator") == "heat_network_length_km", pl.col("kato") == NATIONAL)
    repair = rv.filter(pl.col("indicator") == "heat_network_repair_need_km", pl.col("kato") == NATIONAL)
    above = towns.filter(pl.col("value") > m).height if m is not None else None
    txt = ""
    if length.height:
        txt += f"Протяжённость сетей теплоснабжения в моногородах — {fmt_smart(length['value'][0], 1)} км"
        txt += f", средний износ — {fmt_pct(m, 0) if m == round(m) else fmt_pct(m)}" if m is not None else ""
        txt += (f"; необходимо отремонтировать {fmt_smart(repair['value'][0], 1)} км"
                if repair.height else "") + ". "
    top = towns.head(3)
    txt += ("Наиболее изношены тепловые сети в городах " + join_names(
        [f"{_town(n)} ({fmt_smart(v, 1)}%)" for n, v in top.select("name_ru", "value").iter_rows()]) + ".")
    if above is not None and above == towns.height:
        txt += f" У всех {fmt_int(towns.height)} названных в обзоре городов износ выше среднего по моногородам."
    elif above is not None:
        txt += (f" Из {fmt_int(towns.height)} названных в обзоре городов износ выше среднего по моногородам у "
                f"{fmt_int(above)}.")
    s.add(Paragraph(txt))
    rows = [[_town(n), fmt_smart(v, 1)] for n, v in towns.select("name_ru", "value").iter_rows()]
    if m is not None:
        rows.append(["Средний износ по моногородам", fmt_smart(m, 1)])
    s.add(Table("1.4.3", f"Износ тепловых сетей в моногородах, {latest}, %", ["Город", "Износ, %"], rows,
                source=REVIEW + ", раздел 1.4 (год в обзоре не указан, принят год обзора)",
                total_rows=1 if m is not None else 0))
    s.add(Figure("1.4", "Износ тепловых сетей в моногородах, %", "bars",
                 {"labels": [r[0] for r in rows[:towns.height]], "values": towns["value"].to_list(),
                  "xlabel": "износ, %", "mean": m, "mean_label": "средний", "decimals": "smart"},
                 source=REVIEW + ", раздел 1.4"))


def _nat(rv: pl.DataFrame, indicator: str, contains: str = "") -> float | None:
    f = rv.filter(pl.col("indicator") == indicator, pl.col("kato") == NATIONAL)
    if contains:
        f = f.filter(pl.col("breakdown").str.contains(contains, literal=True))
    else:
        f = f.filter(~pl.col("breakdown").str.contains("subset=", literal=True))
    return f["value"][0] if f.height else None


def _social(s: Section, rv: pl.DataFrame) -> None:
    pre, sch, tv = _nat(rv, "preschools_count"), _nat(rv, "schools_count"), _nat(rv, "tvet_count")
    kids, queue = _nat(rv, "preschool_children_persons"), _nat(rv, "preschool_queue_persons")
    sen_sch, sen = _nat(rv, "schools_count", "subset="), _nat(rv, "sen_pupils_thousand")
    if pre is None or sch is None:
        return
    txt = (f"В моногородах функционируют {fmt_int(pre)} {plural(pre, 'дошкольная организация', 'дошкольные организации', 'дошкольных организаций')}, "
           f"{fmt_int(sch)} {plural(sch, 'школа', 'школы', 'школ')}"
           + (f" и {fmt_int(tv)} {plural(tv, 'организация', 'организации', 'организаций')} ТиПО" if tv is not None else "")
           + ".")
    if kids is not None and queue is not None:
        txt += (f" В дошкольных организациях воспитываются {fmt_int(kids)} детей, в очереди состоят {fmt_int(queue)} "
                f"({fmt_pct(100 * queue / kids)} от числа воспитанников).")
    if sen_sch is not None and sen is not None:
        txt += (f" Более {fmt_smart(sen, 1)} тыс. детей с особыми образовательными потребностями обучаются, по тексту "
                f"обзора, в {fmt_int(sen_sch)} школах — это число расходится с {fmt_int(sch)} абзацем выше "
                "(флаг, см. приложение).")
    s.add(Paragraph(txt))


def _anchors(s: Section, rv: pl.DataFrame) -> None:
    a = rv.filter(pl.col("indicator") == "projects_count", pl.col("breakdown").str.contains("kind=якорные", literal=True))
    if a.is_empty():
        return
    a = a.with_columns(sector=pl.col("breakdown").str.extract(r"(?:^|;)sector=([^;]*)"))
    total = a.filter(pl.col("sector") == "всего")
    parts = a.filter(pl.col("sector") != "всего").with_columns(_other=pl.col("sector") == "прочие").sort(
        "_other", "value", "sector", descending=[False, True, False])
    published = total["value"][0] if total.height else None
    summed = float(parts["value"].sum())
    money = _nat(rv, "financing_trn_kzt", "kind=якорные")
    jobs = _nat(rv, "jobs_created_thousand", "kind=якорные")
    txt = (f"Для диверсификации экономики моногородов реализуются {fmt_int(published)} «якорных» инвестиционных проектов"
           if published is not None else "Для диверсификации экономики моногородов реализуются «якорные» проекты")
    txt += (f" на {fmt_smart(money, 1)} трлн тенге" if money is not None else "")
    txt += (f" с созданием {fmt_smart(jobs, 1)} тыс. рабочих мест" if jobs is not None else "") + ". "
    txt += "По отраслям: " + ", ".join(f"{sec} — {fmt_int(v)}" for sec, v in parts.select("sector", "value").iter_rows())
    txt += "."
    if published is not None and summed != published:
        txt += (f" Сумма по отраслям ({' + '.join(fmt_int(v) for v in parts['value'])} = {fmt_int(summed)}) "
                f"не совпадает с итогом обзора ({fmt_int(published)}): обзор сам отмечает это расхождение, значения "
                "оставлены как опубликованы (флаг, см. приложение).")
    s.add(Paragraph(txt))
    rows = [[sec, fmt_int(v)] for sec, v in parts.select("sector", "value").iter_rows()]
    rows.append(["Сумма по отраслям", fmt_int(summed)])
    if published is not None:
        rows.append(["Итого по обзору", fmt_int(published) + (" ⚑" if summed != published else "")])
    s.add(Table("1.4.4", "«Якорные» инвестиционные проекты в моногородах по отраслям, единиц", ["Отрасль", "Проектов"],
                rows, source=REVIEW + ", раздел 1.4 (⚑ — итог не равен сумме по отраслям)",
                total_rows=2 if published is not None else 1))


_POTENTIAL = {"high": "высокий", "medium": "средний", "low": "низкий"}


def _classes(s: Section, cls: pl.DataFrame | None) -> None:
    if cls is None or cls.is_empty():
        s.add(Paragraph("Классификация моногородов по потенциалу развития в базе данных отсутствует.", "note"))
        return
    syn = bool(cls["synthetic"].any())
    spec = cls["spec"][0]
    counts = {p: cls.filter(pl.col("potential") == p).height for p in _POTENTIAL}
    txt = ("По классификации Aimaq (методика по умолчанию «" + spec + "»: 12 направлений, индекс 0–100) " +
           "; ".join(f"{_POTENTIAL[p]} потенциал — {fmt_int(n)} {plural(n, 'город', 'города', 'городов')}"
                     for p, n in counts.items() if n) + ".")
    for p in _POTENTIAL:
        names = [_town(n) for n in cls.filter(pl.col("potential") == p)["name_ru"]]
        if names:
            txt += f" {_POTENTIAL[p].capitalize()}: {join_names(names)}."
    if syn:
        txt += (f" Расчёт выполнен по синтетическим данным городов ({SYNTHETIC_LABEL}), откалиброванным по "
                "опубликованным значениям; 78 показателей обзора не опубликованы.")
    s.add(Paragraph(txt))
    rows = [[str(r), _town(n), g or "", fmt_num(sc, 1), _POTENTIAL.get(p, p)] for r, n, g, sc, p in
            cls.select("rank", "name_ru", "specialisation_group", "score", "potential").iter_rows()]
    s.add(Table("1.4.5", "Классификация моногородов по потенциалу развития",
                ["Место", "Город", "Специализация", "Индекс (0–100)", "Потенциал"], rows,
                source=f"расчёт Aimaq, методика {spec} (по умолчанию)" + (f" ({SYNTHETIC_LABEL})" if syn else ""),
                synthetic=syn, align=["r", "l", "l", "r", "l"]))


# --- 1.5 programmes: KPI plan / fact / targets -----------------------------------------------------------------


def _kpi_rows(kpis: pl.DataFrame, programme: str) -> pl.DataFrame:
    return kpis.filter(pl.col("programme") == programme, pl.col("dimension") == "")


def rural_kpi_section(data: ReviewData) -> Section:
    s = Section("1.5", "Развитие сельских и приграничных территорий")
    k = data.kpis
    if k is None or k.is_empty():
        s.add(Paragraph("Показатели программ в базе данных отсутствуют.", "note"))
        return s
    r = _kpi_rows(k, "rural_concept")
    fact_rows = r.filter(pl.col("plan").is_not_null() & pl.col("fact").is_not_null())
    if fact_rows.height:
        year = fact_rows["year"].max()
        fr = fact_rows.filter(pl.col("year") == year)
        ok = fr.filter(pl.col("achieved")).height
        s.add(Paragraph(
            f"По итогам {year} года Концепции развития сельских территорий достигнуто {fmt_int(ok)} из "
            f"{fmt_int(fr.height)} плановых показателей: " + "; ".join(
                f"{n[0].lower() + n[1:]} — план {fmt_smart(p, 1)}%, факт {fmt_smart(f, 1)}%"
                for n, p, f in fr.select("name_ru", "plan", "fact").iter_rows()) + "."))
        targets = r.filter(pl.col("target").is_not_null())
        tyears = sorted(set(targets["year"].to_list()))
        tcell = {(i, y): v for i, y, v in targets.select("indicator", "year", "target").iter_rows()}
        rows = []
        for ind, name, pol, p, f, ach in fr.select("indicator", "name_ru", "polarity", "plan", "fact",
                                                   "achieved").iter_rows():
            rows.append([name, fmt_smart(p, 1), fmt_smart(f, 1), fmt_num(f - p, 1, sign=True),
                         "✓ достигнут" if ach else ("✗ не достигнут" if ach is not None else "н/д")]
                        + [fmt_smart(tcell.get((ind, y)), 1) if (ind, y) in tcell else "–" for y in tyears])
        s.add(Table("1.5.1", f"Показатели Концепции развития сельских территорий: план и факт {year} года, "
                             f"целевые значения {tyears[0]}–{tyears[-1]} годов, %",
                    ["Показатель", f"План {year}", f"Факт {year}", "Отклонение, п.п.", "Итог"]
                    + [f"Цель {y}" for y in tyears], rows,
                    source=REVIEW + ", разделы 1.5 и 2.4 (Концепция развития сельских территорий РК на 2023–2027 годы)",
                    align=["l", "r", "r", "r", "l"] + ["r"] * len(tyears)))
    return s


def auyl_blocks(data: ReviewData) -> list:
    a = data.auyl
    if a is None or a.is_empty():
        return []
    tot = a.filter(pl.col("sphere") == "всего").sort("period")
    parts = a.filter(pl.col("sphere") != "всего")
    blocks: list = []
    sent = []
    for per, role, pr, pub, fin, sett, per_p in tot.select("period", "role", "projects", "published_projects",
                                                          "financing_bn_kzt", "settlements",
                                                          "mln_kzt_per_project").iter_rows():
        verb = "предусмотрено" if role == "plan" else "выделено"
        t = f"{'на' if '-' not in per else 'за'} {per.replace('-', '–')} {'год' if '-' not in per else 'годы'} {verb} " \
            f"{fmt_smart(fin, 1)} млрд тенге на {fmt_int(pr)} проектов"
        t += f" с охватом {fmt_int(sett)} СНП" if sett is not None else ""
        t += f" ({fmt_num(per_p, 1)} млн тенге на проект)" if per_p is not None else ""
        if pub is not None and pub != pr:
            t += f"; сумма по сферам {fmt_int(pr)} против {fmt_smart(pub / 1000, 1)} тыс. в тексте обзора"
        sent.append(t + ".")
    blocks.append(Paragraph("По проекту «Ауыл – Ел бесігі» " + " ".join(
        x if i == 0 else x[0].upper() + x[1:] for i, x in enumerate(sent))))
    periods = tot["period"].to_list()
    spheres = list(dict.fromkeys(parts["sphere"].to_list()))
    cell = {(sp, p): v for p, sp, v in parts.select("period", "sphere", "projects").iter_rows()}
    roles = dict(tot.select("period", "role").iter_rows())
    head = [f"{p.replace('-', '–')}{' (план)' if roles.get(p) == 'plan' else ''}" for p in periods]
    rows = [[sp] + [fmt_int(cell.get((sp, p))) if (sp, p) in cell else "–" for p in periods] for sp in spheres]
    rows.append(["Всего проектов"] + [fmt_int(v) for v in tot["projects"]])
    rows.append(["Финансирование, млрд тенге"] + [fmt_smart(v, 1) for v in tot["financing_bn_kzt"]])
    rows.append(["Охват СНП"] + [fmt_int(v) for v in tot["settlements"]])
    blocks.append(Table("1.6.2", "Проект «Ауыл – Ел бесігі»: проекты по сферам и финансирование", ["Сфера"] + head,
                        rows, source=REVIEW + ", раздел 1.6 (итог проектов — сумма по сферам)", total_rows=3))
    blocks.append(Figure("4", "Объём финансирования проекта «Ауыл – Ел бесігі» и количество проектов", "bars_line",
                         {"categories": head, "bars": tot["financing_bn_kzt"].to_list(),
                          "bars_label": "финансирование, млрд тенге", "line": tot["projects"].to_list(),
                          "line_label": "проектов, ед."},
                         source=REVIEW + ", раздел 1.6"))
    return blocks


def diploma_blocks(data: ReviewData) -> list:
    blocks: list = []
    k = data.kpis
    if k is not None and k.height:
        fin = k.filter(pl.col("programme") == "diploma", pl.col("indicator") == "financing_bn_kzt")
        fin = fin.with_columns(kind=pl.col("dimension").str.extract(r"kind=([^;]*)"))
        kinds = list(dict.fromkeys(fin["kind"].to_list()))
        years = sorted(set(fin["year"].to_list()))
        val = {}
        for kd, y, p, f in fin.select("kind", "year", "plan", "fact").iter_rows():
            val[(kd, y)] = (fmt_smart(f, 1) if f is not None else f"{fmt_smart(p, 1)} (план)")
        rows = [[kd] + [val.get((kd, y), "–") for y in years] for kd in kinds]
        if rows:
            blocks.append(Table("1.7.1", "Финансирование проекта «С Дипломом в село», млрд тенге",
                                ["Направление"] + [y if len(y) == 4 else f"на {y[8:10]}.{y[5:7]}.{y[:4]}" if len(y) == 10
                                                   else y for y in years], rows,
                                source=REVIEW + ", раздел 1.7 (⚑ 3,7 млрд на 01.06.2024 — флаг, см. приложение)"))
    d = data.diploma_shares
    if d is not None and d.height:
        body = d.filter(pl.col("sphere") != "Итого")
        tot = d.filter(pl.col("sphere") == "Итого")
        grand = tot["count"][0] if tot.height else None
        diff = body.filter(pl.col("note").is_not_null())
        rows = [[sph, fmt_int(c), fmt_num(sh, 1), fmt_num(pub, 1), fmt_num(dp, 1, sign=True) if dp is not None else "",
                 "⚑" if n else ""]
                for sph, c, sh, pub, dp, n in body.select("sphere", "count", "share_pct", "published_share_pct",
                                                         "diff_pp", "note").iter_rows()]
        rows.append(["Итого", fmt_int(grand), "100,0", "", "", ""])
        if diff.height:
            notes = []
            for sph, c, pub in diff.select("sphere", "count", "published_share_pct").iter_rows():
                lo = c / (pub + 0.05) * 100
                hi = c / (pub - 0.05) * 100
                notes.append(f"{sph.lower()}: {fmt_int(c)} / {fmt_int(grand)} = {fmt_num(100 * c / grand, 2)}%, "
                             f"а опубликованные {fmt_num(pub, 1)}% соответствуют базе {fmt_int(-(-lo // 1))}–"
                             f"{fmt_int(hi // 1)} чел.")
            blocks.append(Paragraph("Доли сфер, пересчитанные из числа получателей, совпадают с опубликованными в "
                                    f"пределах округления, кроме: {join_names(notes)} — обзор считает доли от разных "
                                    "баз (флаг, см. приложение).", "note"))
        blocks.append(Table("1.7.2", "Получатели подъёмных пособий по сферам, 2019–2023: доли пересчитанные и "
                                     "опубликованные", ["Сфера", "Человек", "Доля (пересчёт), %", "Доля в обзоре, %",
                                                        "Разница, п.п.", "Флаг"], rows,
                            source=REVIEW + ", раздел 1.7 и таблица 4; пересчёт Aimaq", total_rows=1))
    return blocks


# --- 2.4 and conclusions ---------------------------------------------------------------------------------------


def targets_section(data: ReviewData) -> Section:
    s = Section("2.4", "Развитие сельских и приграничных территорий: целевые показатели")
    k = data.kpis
    if k is None or k.is_empty():
        s.add(Paragraph("Целевые показатели программ в базе данных отсутствуют.", "note"))
        return s
    t = k.filter(pl.col("target").is_not_null(), pl.col("dimension") == "",
                 pl.col("programme").is_in(["rural_concept", "border_roadmap"]))
    years = sorted(set(t["year"].to_list()))
    keys = t.select("programme", "programme_ru", "indicator", "name_ru", "unit").unique(maintain_order=True)
    cell = {(i, y): v for i, y, v in t.select("indicator", "year", "target").iter_rows()}
    rows, sentences = [], []
    for prog, prog_ru, ind, name, unit in keys.iter_rows():
        vals = [cell.get((ind, y)) for y in years]
        if prog == "border_roadmap" and "пригранич" not in name:
            name += " приграничных территорий"
        rows.append([name, UNITS.get(unit, unit), prog_ru] + [fmt_smart(v, 1) if v is not None else "–" for v in vals])

        def val(v):
            u = UNITS.get(unit, unit)
            return fmt_smart(v, 1) + (u if u == "%" else "\u00a0" + u)

        have = [(y, v) for y, v in zip(years, vals) if v is not None]
        if len(have) >= 2:
            (y0, v0), (y1, v1) = have[0], have[-1]
            sentences.append(f"{name[0].lower() + name[1:]} — с {val(v0)} в {y0} году до {val(v1)} в {y1} году")
        elif have:
            sentences.append(f"{name[0].lower() + name[1:]} — {val(have[0][1])} к {have[0][0]} году")
    s.add(Paragraph("По плану " + "; ".join(sentences) + "."))
    s.add(Table("2.4", f"Целевые показатели развития сельских и приграничных территорий, {years[0]}–{years[-1]}",
                ["Показатель", "Ед. изм.", "Программа"] + [str(y) for y in years], rows,
                source=REVIEW + ", раздел 2.4 (Концепция развития сельских территорий, Дорожная карта развития "
                                "приграничных территорий)", align=["l", "l", "l"] + ["r"] * len(years)))
    return s


def conclusions_section(data: ReviewData) -> Section:
    s = Section("В", "Выводы", level=1)
    out = []
    summ = data.rating_summary
    if summ.get("previous_mean") is not None:
        out.append(f"Средний балл рейтинга качества жизни в городах {'вырос' if summ['mean_change_points'] > 0 else 'снизился'} "
                   f"с {fmt_num(summ['previous_mean'], 2)} до {fmt_num(summ['mean'], 2)} "
                   f"({fmt_num(summ['mean_change_pct'], 0, sign=True)}%); лидер {data.year} года — "
                   f"{summ['leaders'][0]}.")
    pub = data.coverage_published
    nat = {p: v for p, b, v in pub.filter(pl.col("kato") == NATIONAL).select("period", "breakdown", "value").iter_rows()
           if b == "aggregate=все населенные пункты"}
    y0, y1 = str(data.year - 2), str(data.year - 1)
    if y0 in nat and y1 in nat:
        out.append(f"Обеспеченность по Системе региональных стандартов выросла с {fmt_pct(nat[y0])} в {y0} году до "
                   f"{fmt_pct(nat[y1])} в {y1} году ({fmt_num(nat[y1] - nat[y0], 1, sign=True)} п.п.).")
    if data.monotowns is not None and data.monotowns.height:
        n = data.monotowns.filter(pl.col("in_list_2023")).height
        kpr = data.monotowns.filter(pl.col("kpr")).height
        txt = f"В перечне {fmt_int(n)} моногородов; комплексные планы развития утверждены для {fmt_int(kpr)}."
        if data.monotown_classes is not None and data.monotown_classes.height:
            hi = data.monotown_classes.filter(pl.col("potential") == "high").height
            txt += (f" Высокий потенциал по классификации Aimaq — у {fmt_int(hi)} "
                    f"({SYNTHETIC_LABEL}).")
        out.append(txt)
    if data.auyl is not None and data.auyl.height:
        fact = data.auyl.filter(pl.col("sphere") == "всего", pl.col("role") == "fact")
        if fact.height:
            r = fact.row(0, named=True)
            out.append(f"По проекту «Ауыл – Ел бесігі» за {r['period'].replace('-', '–')} годы реализовано "
                       f"{fmt_int(r['projects'])} проектов на {fmt_smart(r['financing_bn_kzt'], 1)} млрд тенге.")
    if data.kpis is not None and data.kpis.height:
        r = _kpi_rows(data.kpis, "rural_concept").filter(pl.col("achieved").is_not_null())
        if r.height:
            out.append(f"Концепция развития сельских территорий: достигнуто {fmt_int(r.filter(pl.col('achieved')).height)}"
                       f" из {fmt_int(r.height)} плановых показателей {r['year'].max()} года.")
    f = data.forecast
    if f is not None:
        cmp = f["comparison"].filter(pl.col("measure") == "population_total")
        if cmp.height:
            rv, av = cmp["review"][0], cmp["aimaq"][0]
            out.append(f"Прогноз Aimaq численности населения на {cmp['label'][0].split()[-1]} год — "
                       f"{fmt_num(av / 1e6, 2)} млн чел. против {fmt_num(rv / 1e6, 2)} млн в обзоре "
                       f"({fmt_num((av - rv) / 1e3, 0, sign=True)} тыс. чел.).")
    for t in out:
        s.add(Paragraph("— " + t))
    return s


# --- the forecast job's reasons --------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.,])([+-]?)(\d{1,3}(?: \d{3})+|\d+)(?:\.(\d+))?(?!\w|\.\d)")


def russian_numbers(text: str) -> str:
    """Reformat the numbers of a stored English-style sentence the Russian way: «+14.4%» → «+14,4%», «-0.3%» →
    «−0,3%», «1 912» → «1 912» (no-break space); dates such as «1.01.2023» and codes such as «A7» stay as they are."""

    def one(m: re.Match) -> str:
        sign, whole, frac = m.group(1), m.group(2), m.group(3)
        out = whole.replace(" ", "\u00a0") + ("," + frac if frac else "")
        return (MINUS if sign == "-" else sign) + out

    return _NUMBER.sub(one, text)
