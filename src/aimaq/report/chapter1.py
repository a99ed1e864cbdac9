"""Pure: the introduction and chapter 1 (analysis of state policy, sections 1.1–1.8) in the current language.
Sentences are built from the published figures and the jobs' results; discrepancies go to the appendix."""

from __future__ import annotations

import re

import polars as pl

from aimaq.i18n import N_, _, ngettext
from aimaq.report.facts import (SRC_AIMAQ_SYN, SRC_BNS, SRC_IER, SRC_IER_MONO, SRC_IER_RATING, SRC_IER_SRS,
                                SRC_MNE, Ctx, missing_year, period_text, src)
from aimaq.report.labels import label, lower_first
from aimaq.report.model import Figure, Paragraph, Section, Table, synthetic_label
from aimaq.report.names import NATIONAL, NEW_REGIONS
from aimaq.report.numbers import fmt_int, fmt_num, fmt_pct, fmt_smart, join_names


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, style)


# --- introduction ----------------------------------------------------------------------------------------------


def introduction(c: Ctx) -> Section:
    s = Section("", _("Introduction"), level=1)
    s.extend(c.text("introduction"))
    pub = c.pub
    pop = pub.get("population_million", period=f"{c.year}-01-01")
    urban = pub.get("urbanisation_pct", period=str(c.year), plain=True)
    rural = pub.get("rural_population_share_pct", period=str(c.year))
    aggl = pub.get("population_share_pct", has="aggregate=агломерации")
    if pop is not None and urban is not None:
        text = _("At the beginning of {year} the country had {pop} million inhabitants; {urban} of them lived in "
                 "towns and cities.", year=c.year, pop=fmt_smart(pop, 2), urban=fmt_pct(urban))
        if aggl is not None:
            text += " " + _("The five agglomerations are home to {share} of the population.", share=fmt_pct(aggl, 0))
        if rural is not None:
            text += " " + _("Rural residents make up {share} of the population.", share=fmt_pct(rural))
        s.add(_p(text))
    s.add(_p(_("Methodology and data sources"), "subheading"))
    s.extend(c.text("methodology"))
    return s


# --- 1.1 -------------------------------------------------------------------------------------------------------


def agglomerations(c: Ctx) -> Section:
    s = Section("1.1", _("Development of agglomerations and large cities"))
    s.extend(c.text("1.1"))
    pop = c.pub.get("population_share_pct", has="aggregate=агломерации")
    gdp = c.pub.get("gdp_share_pct", has="aggregate=центры агломераций")
    fdi = c.pub.get("fdi_share_pct", has="aggregate=города Астана")
    if pop is not None and gdp is not None:
        text = _("The agglomerations of Astana, Almaty, Shymkent, Aktobe and Karaganda hold {pop} of the population, "
                 "and their core cities produce about a third of GDP.", pop=fmt_pct(pop, 0))
        if fdi is not None:
            text += " " + _("Astana, Almaty and Shymkent together attract more than {fdi} of foreign direct "
                            "investment.", fdi=fmt_pct(fdi, 0))
        s.add(_p(text))
    return s


# --- 1.2 -------------------------------------------------------------------------------------------------------


def reforms(c: Ctx) -> Section:
    s = Section("1.2", _("Administrative and territorial reforms"))
    s.extend(c.text("1.2"))
    nm, pub = c.names, c.pub
    # Figure 1: GRP of the new oblasts (2023 published, 2022 implied by the published growth)
    grp = []
    for k in NEW_REGIONS:
        v23 = pub.get("grp_bn_kzt", kato=k, period="2023")
        g = pub.get("grp_growth_pct", kato=k, period="2022-2023")
        grp.append((k, v23, v23 / (1 + g / 100) if v23 is not None and g is not None else None, g))
    known = [r for r in grp if r[1] is not None]
    if known:
        parts = [_("{region}: {value} billion tenge ({growth} more than in 2022)", region=nm.full(k),
                   value=fmt_smart(v, 1), growth=fmt_pct(g, 1)) for k, v, _v22, g in known]
        text = _("In 2023 the gross regional product reached the following levels: {parts}.", parts="; ".join(parts))
        if any(v is None for _k, v, *_rest in grp):
            text += " " + _("The GRP of {regions} for 2022–2023 is not available in the database.",
                            regions=join_names([nm.full(k, "gen") for k, v, *_rest in grp if v is None]))
        s.add(_p(text))
        s.add(Figure("grp_new_regions", _("Gross regional product of the regions of Abai, Zhetisu and Ulytau, "
                                          "billion tenge"), "grouped_bars",
                     {"categories": [nm.short(k) for k, *_r in known],
                      "series": {"2022": [v22 for _k, _v, v22, _g in known], "2023": [v for _k, v, _v22, _g in known]},
                      "ylabel": _("billion tenge"),
                      "note": _("2022: derived from the 2023 value and its growth rate")},
                     source=src(SRC_BNS)))
    sme = [(k, pub.get("sme_active_growth_pct", kato=k, period="2022-2023")) for k in NEW_REGIONS]
    sme = [(k, v) for k, v in sme if v is not None]
    if sme:
        parts = [_("{value} in {region}", value=fmt_pct(v), region=nm.full(k, "loc"))
                 for k, v in sorted(sme, key=lambda r: -r[1])]
        s.add(_p(_("Business activity has picked up in the new regions: in 2023 the number of active small and "
                   "medium-sized enterprises grew by {parts} compared with 2022.", parts=join_names(parts))))
    budget = [(k, pub.get("budget_revenue_mln_kzt", kato=k, period="2022"),
               pub.get("budget_revenue_mln_kzt", kato=k, period="2023")) for k in NEW_REGIONS]
    budget = [(k, a, b) for k, a, b in budget if a and b]
    if budget:
        parts = []
        for k, a, b in budget:
            ratio = b / a
            change = (_("{times} times", times=fmt_num(ratio, 1)) if ratio >= 2
                      else _("by {pct}", pct=fmt_pct(100 * (ratio - 1))))
            parts.append(_("{region} — {change} (from {a} to {b} million tenge)", region=nm.full(k),
                           change=change, a=fmt_int(a), b=fmt_int(b)))
        s.add(_p(_("With their new status the regions' budgets grew markedly in 2023: {parts}.",
                   parts="; ".join(parts))))
        s.add(Figure("budget_new_regions", _("Budget revenue of the regions of Abai, Zhetisu and Ulytau, "
                                             "billion tenge"), "grouped_bars",
                     {"categories": [nm.short(k) for k, *_r in budget],
                      "series": {"2022": [a / 1000 for _k, a, _b in budget], "2023": [b / 1000 for _k, _a, b in budget]},
                      "ylabel": _("billion tenge")}, source=src(SRC_BNS)))
    s.extend(_events(c))
    s.extend(_kosshy(c))
    s.extend(c.text("1.2.after"))
    return s


def _events(c: Ctx) -> list:
    """The reforms after 2019 from the registry, in the edition's language, year only."""
    ev = c.data.events.filter(pl.col("date").dt.year() >= 2020)
    if ev.is_empty():
        return [missing_year(_("administrative and territorial changes"), f"2020–{c.year}")]
    out = [_p(_("The territorial registry records these changes since 2020:"))]
    ev = ev.sort("date").with_columns(key=pl.col("codes_after").list.join(",") + pl.col("date").dt.year().cast(pl.Utf8))
    for row in ev.unique("key", keep="first", maintain_order=True).iter_rows(named=True):
        out.append(_p(_("{year}: {what}", year=row["date"].year, what=_event_text(c, row)), "bullet"))
    return out


# the registry's notes on how precisely a date is known belong to the registry, not to the review's text
_AUDIT = re.compile(r";\s*(месяц|дата|the review gives)[^;]*$", re.IGNORECASE)
_EVENT_KINDS = {"split": N_("a new unit separated"), "merge": N_("units merged"), "rename": N_("renamed"),
                "status_change": N_("status changed"), "centre_move": N_("administrative centre moved"),
                "create": N_("formed")}


def _event_text(c: Ctx, row: dict) -> str:
    """The registry keeps Russian and English descriptions; the Kazakh edition names the units in Kazakh."""
    if c.lang == "ru":
        return _AUDIT.sub("", row["description_ru"])
    if c.lang == "en" and row.get("description_en"):
        return _AUDIT.sub("", row["description_en"])
    after = [c.names.full(k) for k in row["codes_after"] if k in c.names.rows]
    kind = _EVENT_KINDS.get(row["kind"])
    return f"{', '.join(after)} — {_(kind) if kind else row['kind']}"


def _kosshy(c: Ctx) -> list:
    k = c.data.kosshy
    if k is None or k.is_empty():
        return [missing_year(_("the town of Kosshy"), "2021–2023")]
    years = sorted(set(k["period"].to_list()))
    labels = {"population_thousand": _("Population, thousand people"),
              "industrial_output_mln_kzt": _("Industrial output, million tenge"),
              "mining_output_mln_kzt": _("Mining output, million tenge"),
              "fixed_investment_mln_kzt": _("Fixed investment, million tenge"),
              "sme_registered_units": _("Registered SMEs, units"),
              "retail_turnover_mln_kzt": _("Retail trade, million tenge")}
    order = list(dict.fromkeys(k["indicator"].to_list()))
    cell = {(r["indicator"], r["period"]): r["value"] for r in k.iter_rows(named=True)}
    names = c.data.indicator_names
    rows = [[labels.get(i) or names.get(i, {}).get(c.lang, i)] + [fmt_smart(cell.get((i, y)), 1) for y in years]
            for i in order]
    pop = [cell.get(("population_thousand", y)) for y in years]
    inv = [cell.get(("fixed_investment_mln_kzt", y)) for y in years]
    out = []
    if pop[0] and pop[-1] and inv[0] and inv[-1]:
        out.append(_p(_("Kosshy, a town of regional significance since 2021, has become part of the capital's "
                        "agglomeration: from {y0} to {y1} its population grew from {p0} to {p1} thousand, and fixed "
                        "investment rose {times} times.", y0=years[0], y1=years[-1], p0=fmt_smart(pop[0], 1),
                        p1=fmt_smart(pop[-1], 1), times=fmt_num(inv[-1] / inv[0], 1))))
    out.append(Table(_("Main socio-economic indicators of the town of Kosshy"), [_("Indicator")] + years, rows,
                     source=src(SRC_BNS), align=["l"] + ["r"] * len(years), widths=[3] + [1] * len(years)))
    return out


# --- 1.3 -------------------------------------------------------------------------------------------------------


def rating(c: Ctx) -> Section:
    y = c.year
    s = Section("1.3", _("Quality-of-life rating of cities (annual study of the institute)"))
    s.extend(c.text("1.3"))
    cur = c.data.rating[y]
    summ = c.data.rating_summary
    nm = c.names
    city = dict(cur.select("city", "kato").iter_rows())

    def cname(n: str) -> str:
        return nm.city(n, city.get(n))

    s.add(_p(ngettext("In {y} the rating compares {count} city on statistics and on a survey of its residents.",
                      "In {y} the rating compares {count} cities on statistics and on a survey of their residents.",
                      cur.height, count=fmt_int(cur.height), y=y)))
    s.add(_p(_("{leaders} lead the {year} rating; {bottom} close the list, from better to worse.",
               leaders=join_names([cname(n) for n in summ["leaders"]]), year=y,
               bottom=join_names([cname(n) for n in summ["bottom"]]))))
    if summ.get("previous_mean") is not None:
        up = summ["mean_change_points"] > 0
        msg = (_("The average score rose from {a} to {b} points ({pct}); {over} of {n} cities passed the threshold "
                 "of {t} points.", a=fmt_num(summ["previous_mean"], 2), b=fmt_num(summ["mean"], 2),
                 pct=fmt_pct(summ["mean_change_pct"], 0, sign=True), over=fmt_int(summ["over_threshold"]),
                 n=fmt_int(summ["cities"]), t=fmt_smart(summ.get("threshold", 5)))
               if up else
               _("The average score fell from {a} to {b} points ({pct}).", a=fmt_num(summ["previous_mean"], 2),
                 b=fmt_num(summ["mean"], 2), pct=fmt_pct(summ["mean_change_pct"], 0, sign=True)))
        s.add(_p(msg + " " + _("Part of the rise comes from the methodology: «Ecology and safety» became a "
                               "separate factor this year.")))
    gains = cur.filter(pl.col("change_pct").is_not_null()).sort("change_pct", descending=True).head(5)
    if gains.height:
        s.add(_p(_("Compared with {prev}, scores grew most in {cities}.", prev=y - 1,
                   cities=join_names([f"{cname(n)} ({fmt_pct(p, 0, sign=True)})"
                                      for n, p in gains.select("city", "change_pct").iter_rows()]))))
    s.add(Figure("rating", _("Cities by quality of life in {year}", year=y), "bars",
                 {"labels": [cname(n) for n in cur["city"]], "values": cur["score"].to_list(),
                  "xlabel": _("score (0–10)"), "mean": summ["mean"], "mean_label": _("average")},
                 source=src(SRC_IER_RATING)))
    years = [yy for yy in (y, y - 1, y - 2) if yy in c.data.rating]
    by_year = {yy: dict(c.data.rating[yy].select("kato", "score").iter_rows()) for yy in years}
    rows = [[str(r), cname(n)] + [fmt_num(by_year[yy].get(k), 2) for yy in years]
            for r, n, k in cur.select("rank", "city", "kato").iter_rows()]
    rows.append(["", _("Average score")] + [fmt_num(c.data.rating[yy]["score"].mean(), 2) for yy in years])
    s.add(Table(_("Rating results compared, {a}–{b}", a=years[-1], b=y), ["№", _("City")] + [str(yy) for yy in years],
                rows, source=src(SRC_IER_RATING), total_rows=1, align=["r", "l"] + ["r"] * len(years),
                widths=[0.5, 2.5] + [1] * len(years)))
    missing = [yy for yy in (y - 1, y - 2) if yy not in c.data.rating]
    for yy in missing:
        s.add(missing_year(_("the quality-of-life rating"), yy))
    s.extend(_riskmap(c))
    s.extend(c.text("1.3.after"))
    return s


def _riskmap(c: Ctx) -> list:
    rm = c.data.riskmap
    if rm is None or rm.is_empty():
        return [missing_year(_("the residents' survey"), c.year)]
    syn = bool(rm["synthetic"].any())
    q = rm.group_by("quadrant").agg(pl.len().alias("n"), pl.col("mean").min().alias("lo"),
                                    pl.col("mean").max().alias("hi")).sort("quadrant")
    names = {1: _("relatively high"), 2: _("relatively good"), 3: _("critical"), 4: _("most critical")}
    groups = [_("{name} — {n} questions, {lo}–{hi} points", name=names.get(qq, str(qq)), n=fmt_int(n),
                lo=fmt_num(lo, 2), hi=fmt_num(hi, 2)) for qq, n, lo, hi in q.iter_rows()]
    out = [_p(_("The survey answers, averaged over the cities, fall into four groups by score: {groups}.",
                groups="; ".join(groups))
                + (" " + _("The survey answers here are synthetic: they were generated to match the published "
                           "quadrants.") if syn else ""))]
    rows = []
    for qq, sub in rm.sort("quadrant", "mean", descending=[False, True]).group_by("quadrant", maintain_order=True):
        items = sub.select("name_ru", "mean").iter_rows()
        for i, (name, m) in enumerate(items):
            rows.append([names.get(qq[0], str(qq[0])) if i == 0 else "", _survey(c, name), fmt_num(m, 2)])
    out.append(Table(_("Map of urban risks and sensitive topics as residents see them"),
                     [_("Group"), _("Question"), _("Average score")], rows,
                     source=src(SRC_IER_RATING) if not syn else src(SRC_AIMAQ_SYN), synthetic=syn,
                     align=["l", "l", "r"], widths=[1.3, 4, 1]))
    return out


def _survey(c: Ctx, name: str) -> str:
    return label(name)


# --- 1.4 -------------------------------------------------------------------------------------------------------


def monotowns(c: Ctx) -> Section:
    s = Section("1.4", _("Development of single-industry towns"))
    s.extend(c.text("1.4"))
    towns = c.data.monotowns
    pub = c.pub
    if towns is None or towns.is_empty():
        s.add(missing_year(_("single-industry towns"), c.year))
        return s
    listed = towns.filter(pl.col("in_list_2023"))
    dropped = towns.filter(~pl.col("in_list_2023"))
    tn = {r["name_ru"]: _town(c, r) for r in towns.iter_rows(named=True)}
    popm = pub.get("monotowns_population_million", has="aggregate=моногорода")
    text = ngettext("The 2023 list has {count} single-industry town.", "The 2023 list has {count} single-industry "
                    "towns.", listed.height, count=fmt_int(listed.height))
    if popm is not None:
        text += " " + _("They are home to {pop} million people.", pop=fmt_smart(popm, 2))
    text += " " + ngettext("{count} town left the list: {names}.", "{count} towns left the list: {names}.",
                           dropped.height, count=fmt_int(dropped.height),
                           names=join_names(sorted(tn[n] for n in dropped["name_ru"])))
    s.add(_p(text))
    groups = listed.group_by("specialisation_group", maintain_order=True).agg(pl.col("name_ru"), pl.len().alias("n"))
    for g, names, n in groups.sort("n", descending=True).iter_rows():
        s.add(_p(_("{group} — {count}: {names}.", group=label(g).capitalize() if c.lang != "ru" else g.capitalize(),
                   count=fmt_int(n), names=", ".join(sorted(tn[x] for x in names))), "bullet"))
    out23 = pub.get("industrial_output_trn_kzt", period="2023")
    ch = pub.get("output_change_pct", period="2022-2023", has="промышленность всего")
    inv23 = pub.get("fixed_investment_bn_kzt", period="2023")
    inv22 = pub.get("fixed_investment_bn_kzt", period="2022")
    unemp = pub.get("unemployment_rate_pct", period="2023", has="aggregate=моногорода")
    unemp_kz = pub.get("unemployment_rate_pct", period="2023", has="aggregate=среднестрановой")
    if out23 is not None and ch is not None:
        text = _("In 2023 the single-industry towns produced {out} trillion tenge of industrial output, {ch} less "
                 "than a year before.", out=fmt_smart(out23, 1), ch=fmt_pct(abs(ch), 0))
        if inv23 and inv22:
            text += " " + _("Fixed investment, by contrast, grew from {a} to {b} billion tenge.",
                            a=fmt_int(inv22), b=fmt_int(inv23))
        if unemp is not None and unemp_kz is not None:
            text += " " + _("Unemployment stood at {u}, below the national {k}.", u=fmt_pct(unemp), k=fmt_pct(unemp_kz))
        s.add(_p(text))
    grow = pub.get("monotowns_count", has="subset=рост численности")
    mig = pub.get("net_migration_persons", period="2023", has="aggregate=моногорода")
    if grow is not None and mig is not None:
        s.add(_p(_("The population is shrinking: it grew in only {n} of the {total} towns, and in 2023 net "
                   "out-migration took {mig} people.", n=fmt_int(grow), total=fmt_int(listed.height),
                   mig=fmt_int(abs(mig)))))
    heat = pub.rows("network_wear_pct", kato=None, has="network=тепловые сети")
    mean = pub.get("network_wear_pct", has=("network=тепловые сети", "kind=средний"))
    worst = heat.filter(pl.col("kato") != NATIONAL, pl.col("period") == str(c.year)).sort("value", descending=True)
    length = pub.get("heat_network_length_km")
    repair = pub.get("heat_network_repair_need_km")
    if mean is not None and worst.height:
        by_name = {r["name_ru"]: r for r in towns.iter_rows(named=True)}
        top = [f"{_town(c, by_name.get(_kato_town(towns, k), {'name_ru': n}))} ({fmt_smart(v, 1)}%)"
               for k, n, v in worst.head(3).select("kato", "name_ru", "value").iter_rows()]
        text = _("Utility networks are badly worn: heating networks by {mean} on average, most of all in {top}.",
                 mean=fmt_pct(mean, 0), top=join_names(top))
        if length is not None and repair is not None:
            text += " " + _("Of about {length} km of heating networks, {repair} km need repair.",
                            length=fmt_int(length), repair=fmt_int(repair))
        s.add(_p(text))
    pre, sch, tvet = (pub.get("preschools_count"), pub.get("schools_count", plain=False, has="aggregate=моногорода"),
                      pub.get("tvet_count"))
    queue = pub.get("preschool_queue_persons")
    if pre is not None and sch is not None:
        text = _("The towns have {pre} pre-school organisations, {sch} schools and {tvet} colleges.",
                 pre=fmt_int(pre), sch=fmt_int(sch), tvet=fmt_int(tvet))
        if queue is not None:
            text += " " + _("{queue} children are waiting for a kindergarten place.", queue=fmt_int(queue))
        s.add(_p(text))
    kpr = towns.filter(pl.col("kpr"))
    anchors = pub.get("projects_count", has=("kind=якорные", "sector=всего"))
    money = pub.get("financing_trn_kzt", has="kind=якорные")
    if kpr.height:
        s.add(_p(ngettext("Comprehensive development plans were approved for {count} town: {names}.",
                          "Comprehensive development plans were approved for {count} towns: {names}.", kpr.height,
                          count=fmt_int(kpr.height), names=join_names([tn[n] for n in kpr["name_ru"]]))))
    if anchors is not None:
        text = _("{n} anchor investment projects worth {money} trillion tenge are under way to diversify the towns' "
                 "economies.", n=fmt_int(anchors), money=fmt_smart(money, 1))
        s.add(_p(text))
    s.extend(c.text("1.4.after"))
    return s


def _kato_town(towns: pl.DataFrame, kato: str) -> str:
    f = towns.filter(pl.col("kato") == kato)
    return f["name_ru"][0] if f.height else ""


def _town(c: Ctx, row: dict) -> str:
    name = row.get("name_ru", "").replace(" (город)", "")
    if c.lang == "kk" and row.get("name_kk"):
        return row["name_kk"].replace(" (қала)", "")
    if c.lang == "en" and row.get("name_en"):
        return row["name_en"].replace(" (town)", "")
    return name


# --- 1.5 -------------------------------------------------------------------------------------------------------


def rural(c: Ctx) -> Section:
    s = Section("1.5", _("Development of rural and border areas"))
    s.extend(c.text("1.5"))
    k = c.data.kpis
    if k is None or k.is_empty():
        s.add(missing_year(_("the rural development programmes"), c.year - 1))
    else:
        r = k.filter(pl.col("programme") == "rural_concept", pl.col("dimension") == "",
                     pl.col("plan").is_not_null(), pl.col("fact").is_not_null())
        if r.height:
            year = r["year"].max()
            r = r.filter(pl.col("year") == year)
            s.add(_p(ngettext("In {year} the Concept reached {ok} of its {count} planned indicator:",
                              "In {year} the Concept reached {ok} of its {count} planned indicators:", r.height,
                              year=year, ok=fmt_int(r.filter(pl.col("achieved")).height), count=fmt_int(r.height))))
            for name, p, f in r.select("name_ru", "plan", "fact").iter_rows():
                s.add(_p(_("{name}: plan {plan}, actual {fact}", name=label(name), plan=fmt_pct(p), fact=fmt_pct(f)),
                         "bullet"))
    pub = c.pub
    y = str(c.year - 1)
    amanat = pub.get("microcredits_thousand", period=y, has="programme=Ауыл аманаты")
    amanat_money = pub.get("financing_bn_kzt", period=y, has="programme=Ауыл аманаты")
    if amanat is not None:
        s.add(_p(_("Rural incomes are supported by the «Auyl amanaty» programme, which builds anchor agricultural "
                   "cooperatives: in {y} it issued {n} thousand concessional microcredits for {money} billion tenge.",
                   y=y, n=fmt_smart(amanat, 1), money=fmt_smart(amanat_money, 1))))
    bait = pub.get("financing_bn_kzt", period=y, has=("НУХ Байтерек", "kind=всего"))
    isker = pub.get("microcredits_thousand", period=y, has="programme=Іскер")
    youth = pub.get("microcredits_thousand", period=y, has="programme=микрокредитование молодежи")
    if bait is not None:
        text = _("Subsidiaries of the Baiterek holding directed {money} billion tenge to agriculture.",
                 money=fmt_smart(bait, 1))
        if isker is not None and youth is not None:
            text += " " + _("The «Isker» programme issued {a} thousand microcredits and the youth programme {b} "
                            "thousand.", a=fmt_smart(isker, 1), b=fmt_smart(youth, 1))
        s.add(_p(text))
    wifi = pub.get("villages_connected_count", period=y)
    if wifi is not None:
        s.add(_p(_("{n} villages were connected to collective Wi-Fi hotspots, and a pilot project began to bring "
                   "satellite internet to remote rural schools.", n=fmt_int(wifi))))
    elif k is not None:
        s.add(missing_year(_("villages connected to the internet"), y))
    s.extend(c.text("1.5.after"))
    return s


# --- 1.6 -------------------------------------------------------------------------------------------------------


def auyl(c: Ctx) -> Section:
    s = Section("1.6", _("The «Auyl – El Besigi» project"))
    s.extend(c.text("1.6"))
    pub, nm = c.pub, c.names
    sel = pub.get("villages_count_thousand", has="aggregate=СНП с потенциалом", period=str(c.year))
    share = pub.get("rural_residents_share_pct", has="aggregate=СНП с потенциалом")
    if sel is not None and share is not None:
        s.add(_p(_("About {n} thousand villages with development potential were selected; {share} of rural "
                   "residents live in them.", n=fmt_smart(sel, 1), share=fmt_pct(share, 0))))
    a = c.data.auyl
    if a is None or a.is_empty():
        s.add(missing_year(_("the «Auyl – El Besigi» project"), "2019–2023"))
    else:
        tot = a.filter(pl.col("sphere") == "всего").sort("period")
        parts = a.filter(pl.col("sphere") != "всего")
        for per, role, pub_n, proj, fin, sett in tot.select("period", "role", "published_projects", "projects",
                                                             "financing_bn_kzt", "settlements").iter_rows():
            n = pub_n if pub_n is not None else proj
            sp = parts.filter(pl.col("period") == per)
            spheres = join_names([f"{label(x)} — {fmt_int(v)}" for x, v in sp.select("sphere", "projects").iter_rows()])
            n_text = fmt_smart(n / 1000, 1) + " " + _("thousand") if n >= 1000 else fmt_int(n)
            if role == "plan":
                s.add(_p(_("For {per}, {fin} billion tenge are allocated for {n} projects in about {sett} villages: "
                           "{spheres}.", per=period_text(per), fin=fmt_smart(fin, 1), n=n_text, sett=fmt_int(sett),
                           spheres=spheres)))
            else:
                s.add(_p(_("In {per}, {fin} billion tenge financed about {n} projects in {sett} thousand villages: "
                           "{spheres}.", per=period_text(per), fin=fmt_smart(fin, 1), n=n_text,
                           sett=fmt_smart(sett / 1000, 1), spheres=spheres)))
        cats = [period_text(p) + (" " + _("(plan)") if r == "plan" else "")
                for p, r in tot.select("period", "role").iter_rows()]
        s.add(Figure("auyl", _("Financing of the «Auyl – El Besigi» project and the number of projects"), "paired_bars",
                     {"categories": cats,
                      "left": {"label": _("financing, billion tenge"), "values": tot["financing_bn_kzt"].to_list()},
                      "right": {"label": _("projects"),
                                "values": [p if p is not None else q for p, q in
                                           tot.select("published_projects", "projects").iter_rows()]},
                      "note": _("{a}: five years together; {b}: one year", a=cats[0], b=cats[-1])
                      if len(cats) == 2 else ""},
                     source=src(SRC_MNE)))
    grow = pub.get("population_growth_pct", has="aggregate=СНП с потенциалом", period="2019-2023")
    grow_n = pub.get("population_change_thousand", has="aggregate=СНП с потенциалом")
    top = pub.rows("population_growth_pct", kato=None, has="aggregate=опорные и спутниковые").sort("value",
                                                                                                  descending=True)
    if grow is not None and grow_n is not None:
        text = _("From 2019 to 2023 the population of villages with potential grew by {pct}, or {n} thousand people.",
                 pct=fmt_pct(grow, 0), n=fmt_smart(grow_n, 1))
        if top.height:
            text += " " + _("Support and satellite villages grew fastest in {regions}.", regions=join_names(
                [f"{nm.full(k, 'loc')} ({fmt_pct(v)})" for k, v in top.select("kato", "value").iter_rows()]))
        s.add(_p(text))
    biz = pub.get("business_entities_growth_pct", has="aggregate=СНП с потенциалом")
    biz_n = pub.get("business_entities_change_thousand")
    inv = pub.get("fixed_investment_growth_pct", has="aggregate=сельская местность")
    inv_total = pub.get("fixed_investment_trn_kzt", has="aggregate=сельская местность")
    if biz is not None and biz_n is not None:
        text = _("The number of businesses in these villages rose by {pct} ({n} thousand).", pct=fmt_pct(biz),
                 n=fmt_smart(biz_n, 1))
        if inv is not None and inv_total is not None:
            text += " " + _("Rural fixed investment grew by {pct} and reached {total} trillion tenge in 2023.",
                            pct=fmt_pct(inv), total=fmt_smart(inv_total, 1))
        s.add(_p(text))
    v = c.data.villages
    if v is not None and v.height:
        total = v.filter(pl.col("kato") == NATIONAL).row(0, named=True)
        syn = bool(v["synthetic"].any())
        text = _("Aimaq's own classification of villages finds {n} of {all} villages with potential ({pct}), home "
                 "to {share} of rural residents.", n=fmt_int(total["with_potential"]), all=fmt_int(total["villages"]),
                 pct=fmt_pct(total["with_potential_pct"]), share=fmt_pct(total["population_share_with_potential_pct"]))
        if syn:
            text += " " + _("It runs on synthetic villages calibrated to the published totals, so its agreement with "
                            "the figures above is by construction ({label}).", label=synthetic_label())
        s.add(_p(text))
    s.extend(c.text("1.6.after"))
    return s


# --- 1.7 -------------------------------------------------------------------------------------------------------


def diploma(c: Ctx) -> Section:
    s = Section("1.7", _("The «With a Diploma to the Village» project"))
    s.extend(c.text("1.7"))
    pub, nm = c.pub, c.names
    total_k = pub.get("diploma_lifting_allowance_recipients_thousand", period="2019-2023",
                      has="programme=")
    loans_k = pub.get("diploma_housing_loan_recipients_thousand", period="2019-2023", has="programme=")
    if total_k is not None and loans_k is not None:
        s.add(_p(_("Over the five years 2019–2023, {n} thousand specialists received the lifting allowance, and "
                   "{loans} thousand of them also took a budget loan for housing.", n=fmt_smart(total_k, 1),
                   loans=fmt_smart(loans_k, 1))))
    rg = c.data.diploma_regions
    ryears = sorted({p for p in rg["period"].to_list() if "-" not in p})
    cellr = {(r["kato"], r["period"]): r["value"] for r in rg.iter_rows(named=True)}
    totals = [cellr.get((NATIONAL, y)) for y in ryears]
    if ryears and all(t is not None for t in totals):
        s.add(Figure("diploma_years", _("Specialists who received the lifting allowance under «With a Diploma to "
                                        "the Village», by year"), "columns",
                     {"categories": ryears, "values": totals, "ylabel": _("people")}, source=src(SRC_MNE)))
    fin = {}
    k = c.data.kpis
    if k is not None and k.height:
        f = k.filter(pl.col("programme") == "diploma", pl.col("indicator") == "financing_bn_kzt")
        for dim, y, p, v in f.select("dimension", "year", "plan", "fact").iter_rows():
            fin[(dim, y)] = v if v is not None else p
    f23 = [fin.get((d, "2023")) for d in ("", "kind=бюджетные кредиты", "kind=подъемное пособие")]
    if all(v is not None for v in f23):
        s.add(_p(_("In 2023 the project received {t} billion tenge: {a} billion for budget loans and {b} billion for "
                   "lifting allowances.", t=fmt_smart(f23[0], 1), a=fmt_smart(f23[1], 1), b=fmt_smart(f23[2], 1))))
    sp = c.data.diploma_spheres
    years = sorted({p for p in sp["period"].to_list() if "-" not in p})
    spheres = list(dict.fromkeys(sp.filter(pl.col("kind").is_null())["sphere"].to_list()))
    published = {x: i for i, x in enumerate(c.data.sphere_order)}
    spheres.sort(key=lambda x: published.get(x, len(published)))  # the published column order
    cell = {(r["sphere"], r["period"]): r["value"] for r in sp.filter(pl.col("kind").is_null()).iter_rows(named=True)}
    tot = {r["sphere"]: r["value"] for r in sp.filter(pl.col("kind") == "total").iter_rows(named=True)}
    grand = sum(tot.values()) if tot else None
    if tot:
        order = sorted(tot, key=tot.get, reverse=True)
        first = f"{fmt_int(tot[order[0]])} ({fmt_pct(100 * tot[order[0]] / grand)})"
        rest = [_("{name} — {n}", name=lower_first(label(o)), n=fmt_int(tot[o])) for o in order[1:4]]
        s.add(_p(_("Schools took the most newcomers: {first}. Next come {rest}.", first=first, rest=join_names(rest))))
    rows = [[y] + [fmt_int(cell.get((x, y))) for x in spheres] for y in years]
    rows.append([_("Total")] + [fmt_int(tot.get(x)) for x in spheres])
    s.add(Table(_("Young specialists placed in rural settlements, by sphere"), [_("Year")] + [label(x) for x in spheres],
                rows, source=src(SRC_MNE), total_rows=1, widths=[0.8] + [1.1] * len(spheres)))
    span = next((p for p in rg["period"].to_list() if "-" in p), None)
    names = {k for k in rg["kato"].to_list() if k != NATIONAL}
    order = sorted(names, key=lambda x: nm.short(x))
    grand_r = cellr.get((NATIONAL, span))
    if grand_r:
        top = sorted(order, key=lambda x: cellr.get((x, span), 0), reverse=True)[:3]
        parts = [_("{region} ({n} people, {pct})", region=nm.full(x, "acc"), n=fmt_int(cellr[(x, span)]),
                   pct=fmt_pct(100 * cellr[(x, span)] / grand_r)) for x in top]
        s.add(_p(_("Most specialists went to {regions}.", regions=join_names(parts))))
    rows = [[nm.short(x)] + [fmt_int(cellr[(x, y)]) if (x, y) in cellr else "–" for y in ryears]
            + [fmt_int(cellr.get((x, span)))] for x in order]
    rows.append([_("Total")] + [fmt_int(cellr.get((NATIONAL, y))) for y in ryears] + [fmt_int(grand_r)])
    s.add(Table(_("Specialists who received lifting allowances, by region"), [_("Region")] + ryears + [_("Total")],
                rows, source=src(SRC_MNE), total_rows=1, widths=[2.2] + [1] * (len(ryears) + 1)))
    s.add(_p(_("A dash means the region did not exist yet."), "note"))
    s.extend(c.text("1.7.after"))
    return s


# --- 1.8 -------------------------------------------------------------------------------------------------------


def standards(c: Ctx) -> Section:
    y1, y0 = c.year - 1, c.year - 2
    s = Section("1.8", _("System of Regional Standards"))
    s.extend(c.text("1.8"))
    pub, nm = c.pub, c.names
    items = pub.rows("srs_standard_items_count")
    if items.height:
        vals = sorted((int(v) for v in items["value"]), reverse=True)
        s.add(_p(_("Depending on the type of settlement the standards list {counts} facilities and services in "
                   "{dirs} directions.", counts="/".join(str(v) for v in vals),
                   dirs=fmt_int(pub.get("srs_directions_count")))))
    allp = "aggregate=все населенные пункты"
    n1, n0 = pub.get("srs_coverage_pct", period=str(y1), has=allp), pub.get("srs_coverage_pct", period=str(y0), has=allp)
    towns, villages = (pub.get("srs_coverage_pct", period=str(y1), has="aggregate=города"),
                       pub.get("srs_coverage_pct", period=str(y1), has="aggregate=сёла"))
    if n1 is not None:
        text = _("In {y1} settlements had on average {v} of the standard set", y1=y1, v=fmt_pct(n1))
        if towns is not None and villages is not None:
            text += _(", towns {t} and villages {v}", t=fmt_pct(towns), v=fmt_pct(villages))
        text += "."
        if n0 is not None:
            text += " " + _("A year earlier the national level was {v}.", v=fmt_pct(n0))
        s.add(_p(text))
    else:
        s.add(missing_year(_("coverage under the regional standards"), y1))
    reg = pub.rows("srs_coverage_pct", kato=None, plain=True).filter(pl.col("kato") != NATIONAL)
    v1 = dict(reg.filter(pl.col("period") == str(y1)).select("kato", "value").iter_rows())
    v0 = dict(reg.filter(pl.col("period") == str(y0)).select("kato", "value").iter_rows())
    cities = [k for k in v1 if nm.rows.get(k, {}).get("kind") == "city_republican"]
    oblasts = [k for k in v1 if k not in cities]
    if oblasts:
        hi = sorted(oblasts, key=v1.get, reverse=True)[:3]
        lo = sorted(oblasts, key=v1.get)[:2]
        s.add(_p(_("Among the cities of republican significance the best provided are {cities}; among the regions, "
                   "{hi}. The least provided are {lo}.",
                   cities=join_names([f"{nm.full(k)} ({fmt_pct(v1[k])})" for k in sorted(cities, key=v1.get,
                                                                                         reverse=True)]),
                   hi=join_names([f"{nm.full(k)} ({fmt_pct(v1[k])})" for k in hi]),
                   lo=join_names([f"{nm.full(k)} ({fmt_pct(v1[k])})" for k in lo]))))
    no_prev = [k for k in v1 if k not in v0]
    if no_prev:
        s.add(_p(_("For {regions} the {y0} value is not available.", regions=join_names([nm.full(k) for k in no_prev]),
                   y0=y0), "note"))
    comp = c.data.coverage_computed
    c1 = dict(comp[y1].select("kato", "coverage_pct").iter_rows()) if y1 in comp else {}
    syn = any(bool(f["synthetic"].any()) for f in comp.values())
    rows = []
    for k in sorted(set(v0) | set(v1), key=lambda k: nm.short(k)):
        ch = (v1[k] - v0[k]) if k in v0 and k in v1 else None
        rows.append([nm.short(k), fmt_num(v0.get(k), 1), fmt_num(v1.get(k), 1),
                     fmt_num(ch, 1, sign=True) if ch is not None else fmt_num(None),
                     fmt_num(c1.get(k), 1) if c1 else fmt_num(None)])
    rows.append([_("Kazakhstan"), fmt_num(n0, 1), fmt_num(n1, 1),
                 fmt_num(n1 - n0, 1, sign=True) if n1 is not None and n0 is not None else fmt_num(None),
                 _country(c, y1)])
    s.add(Table(_("Coverage under the System of Regional Standards by region, %"),
                [_("Region"), str(y0), str(y1), _("Change, pp"), _("{y} Aimaq ({label})", y=y1, label=synthetic_label())],
                rows, source=src(SRC_IER_SRS) + "; " + src(SRC_AIMAQ_SYN) + f" ({synthetic_label()})",
                synthetic=syn, total_rows=1, widths=[2.2, 1, 1, 1, 1.6]))
    if syn:
        s.add(_p(_("The last column is computed by Aimaq from a synthetic register of facilities that was fitted to "
                   "the published regional values; it agrees with them because of that fit, not as an independent "
                   "check."), "note"))
    if c1:
        order = sorted(v1, key=v1.get)
        s.add(Figure("srs_regions", _("Coverage under the regional standards by region, {y}, %", y=y1),
                     "grouped_bars", {"categories": [nm.short(k) for k in order],
                                      "series": {_("published"): [v1[k] for k in order],
                                                 _("Aimaq ({label})", label=synthetic_label()): [c1.get(k) for k in order]},
                                      "ylabel": "%", "horizontal": True},
                     source=src(SRC_IER_SRS) + "; " + src(SRC_AIMAQ_SYN), synthetic=True))
    return s


def _country(c: Ctx, year: int) -> str:
    f = c.data.coverage_country.get(year)
    if f is None or f.is_empty():
        return fmt_num(None)
    row = f.filter(pl.col("group") == "all")
    return fmt_num(row["coverage_pct"][0], 1) if row.height else fmt_num(None)


def chapter1(c: Ctx) -> list[Section]:
    return [Section("1", _("Analysis of the implementation of state policy"), level=1), agglomerations(c), reforms(c),
            rating(c), monotowns(c), rural(c), auyl(c), diploma(c), standards(c)]


__all__ = ["introduction", "chapter1", "SRC_IER_MONO", "SRC_IER"]
