"""Pure: chapter 2 (short- and long-term forecasts, 2.1–2.4), the conclusions and recommendations."""

from __future__ import annotations

import polars as pl

from aimaq.i18n import _, ngettext
from aimaq.report.facts import SRC_AIMAQ, SRC_BNS, SRC_IER_MONO, SRC_MNE, Ctx, missing_year, src
from aimaq.report.labels import label, lower_first
from aimaq.report.model import Figure, Paragraph, Section, Table, synthetic_label
from aimaq.report.names import NATIONAL
from aimaq.report.numbers import fmt_int, fmt_num, fmt_pct, fmt_smart, join_names

UNITS = {"pct": "%", "pct_change": "%", "million_persons": "million people"}


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, style)


# --- 2.1 -------------------------------------------------------------------------------------------------------


def demography(c: Ctx) -> Section:
    s = Section("2.1", _("Demographic forecast with migration trends"))
    pub, nm = c.pub, c.names
    p23 = pub.get("population_million", period=str(c.year - 1))
    grow = pub.get("population_change_persons", period="2021-2023")
    u0, u1 = pub.get("urban_population_million", period="2021"), pub.get("urban_population_million", period="2023")
    if p23 is not None and grow is not None:
        text = _("From 2021 to 2023 the population grew by {n} people and reached {p} million.", n=fmt_int(grow),
                 p=fmt_smart(p23, 2))
        if u0 is not None and u1 is not None:
            text += " " + _("The urban population rose from {a} to {b} million, driven by internal migration and "
                            "natural growth.", a=fmt_smart(u0, 1), b=fmt_smart(u1, 1))
        s.add(_p(text))
    up = pub.rows("population_growth_pct", kato=None, period="2021-2023", plain=True).filter(pl.col("kato") != NATIONAL)
    if up.height:
        pos = up.filter(pl.col("value") > 0).sort("value", descending=True)
        neg = up.filter(pl.col("value") < 0).sort("value")
        s.add(_p(_("The population grew fastest in {up}; it declined in {down}.",
                   up=join_names([f"{nm.full(k, 'loc')} ({fmt_pct(v, sign=True)})"
                                  for k, v in pos.select("kato", "value").iter_rows()]),
                   down=join_names([f"{nm.full(k, 'loc')} ({fmt_pct(v, sign=True)})"
                                    for k, v in neg.select("kato", "value").iter_rows()]))))
    births, tfr = pub.get("births_persons", period="2021"), pub.get("tfr", period="2021")
    if births is not None and tfr is not None:
        text = _("Births drive the growth: the record of the independence years, {b} births, came in 2021, when the "
                 "total fertility rate reached {t} children per woman.", b=fmt_int(births), t=fmt_num(tfr, 2))
        lo = pub.rows("tfr", kato=None, period=str(c.year - 1), has="bound=lower")
        hi = pub.rows("tfr", kato=None, period=str(c.year - 1), has="bound=upper")
        if lo.height and hi.height:
            text += " " + _("Fertility stays high in the south and west: from {a} in {ra} to {b} in {rb}.",
                            a=fmt_num(lo["value"][0], 2), ra=nm.full(lo["kato"][0], "loc"),
                            b=fmt_num(hi["value"][0], 2), rb=nm.full(hi["kato"][0], "loc"))
        s.add(_p(text))
    le = {y: pub.get("life_expectancy_years", period=str(y)) for y in (2019, 2021, 2022, 2023)}
    if all(v is not None for v in le.values()):
        s.add(_p(_("Life expectancy fell during the pandemic from {a} years in 2019 to {b} in 2021, then recovered "
                   "to {c} in 2022 and {d} in 2023.", a=fmt_num(le[2019], 2), b=fmt_num(le[2021], 2),
                   c=fmt_num(le[2022], 2), d=fmt_num(le[2023], 2))))
    mig = pub.get("net_migration_persons", period=str(c.year - 1), has="внешняя")
    if mig is not None:
        s.add(_p(_("In {y} external migration turned positive for the first time in ten years: {n} more people "
                   "arrived than left.", y=c.year - 1, n=fmt_int(mig))))
    f = c.data.forecast
    if f is None:
        s.add(missing_year(_("the population forecast"), f"{c.year - 1}–2030"))
        return s
    run, res, base, to = f["run"], f["results"], f["base_year"], f["to_year"]
    syn = bool(run.get("synthetic"))
    source = _("Aimaq multiregional cohort-component model, run {run} ({draws} trajectories), on data of the "
               "{bns}", run=run["run_id"], draws=fmt_int(run["draws"]), bns=_(SRC_BNS))
    nat = res.filter(pl.col("region_code") == NATIONAL, pl.col("year") <= to).sort("year")
    p0 = nat.filter(pl.col("year") == base).row(0, named=True)
    p1 = nat.filter(pl.col("year") == to).row(0, named=True)
    review = pub.get("population_million", period="2030", has="kind=forecast")
    text = _("By Aimaq's forecast the population will grow from {a} million at the start of {base} to {b} million in "
             "{to} (80% interval {lo}–{hi} million); the urban share will reach {u}.", a=fmt_num(p0["population"] / 1e6, 2),
             base=base, b=fmt_num(p1["population"] / 1e6, 2), to=to, lo=fmt_num(p1["lower80"] / 1e6, 2),
             hi=fmt_num(p1["upper80"] / 1e6, 2), u=fmt_pct(100 * p1["urban_share"]))
    if review is not None:
        text += " " + _("The institute's earlier estimate for 2030 was {v} million.", v=fmt_smart(review, 1))
    s.add(_p(text))
    urban = [p * u / 1e6 for p, u in nat.select("population", "urban_share").iter_rows()]
    rural = [p * (1 - u) / 1e6 for p, u in nat.select("population", "urban_share").iter_rows()]
    s.add(Figure("population_area", _("Projected population by type of settlement, million people"), "stacked_columns",
                 {"categories": [str(y) for y in nat["year"]],
                  "series": {_("urban"): urban, _("rural"): rural}, "ylabel": _("million people")},
                 source=source, synthetic=syn))
    reg = res.filter(pl.col("region_code") != NATIONAL, pl.col("year").is_in([base, to]))
    wide = (reg.pivot(on="year", index=["region_code"], values="population")
            .join(reg.filter(pl.col("year") == to).select("region_code", "lower80", "upper80"), on="region_code"))
    wide = wide.with_columns(growth=100 * (pl.col(str(to)) / pl.col(str(base)) - 1)).sort("growth", descending=True)
    top = wide.head(4)
    s.add(_p(_("Until {to} the population grows fastest in {regions}.", to=to, regions=join_names(
        [f"{nm.full(k, 'loc')} ({fmt_pct(g, sign=True)})" for k, g in top.select("region_code", "growth").iter_rows()]))))
    rows = [[nm.short(k), fmt_num(a / 1e3, 1), fmt_num(b / 1e3, 1), f"{fmt_num(lo / 1e3, 1)}–{fmt_num(hi / 1e3, 1)}",
             fmt_pct(g, sign=True)]
            for k, a, b, lo, hi, g in wide.select("region_code", str(base), str(to), "lower80", "upper80",
                                                  "growth").iter_rows()]
    rows.append([_("Kazakhstan"), fmt_num(p0["population"] / 1e3, 1), fmt_num(p1["population"] / 1e3, 1),
                 f"{fmt_num(p1['lower80'] / 1e3, 1)}–{fmt_num(p1['upper80'] / 1e3, 1)}",
                 fmt_pct(100 * (p1["population"] / p0["population"] - 1), sign=True)])
    s.add(Table(_("Population forecast by region to {to}, thousand people", to=to),
                [_("Region"), str(base), str(to), _("80% interval, {to}", to=to), _("Change")], rows, source=source,
                synthetic=syn, total_rows=1, widths=[2.2, 1, 1, 1.6, 1]))
    if syn:
        s.add(_p(_("The forecast rests partly on synthetic inputs ({label}).", label=synthetic_label()), "note"))
    return s


# --- 2.2 / 2.3 / 2.4 ---------------------------------------------------------------------------------------------


def agglomerations_outlook(c: Ctx) -> Section:
    s = Section("2.2", _("Development of agglomerations and large cities"))
    s.extend(c.text("2.2"))
    lo = c.pub.get("urbanisation_pct", period="2035", has="bound=lower")
    hi = c.pub.get("urbanisation_pct", period="2035", has="bound=upper")
    now = c.pub.get("urbanisation_pct", period=str(c.year), plain=True)
    if lo is not None and hi is not None:
        s.add(_p(_("Urbanisation, {now} in {year}, may reach {lo}–{hi} by 2035.", now=fmt_pct(now), year=c.year,
                   lo=fmt_num(lo, 0), hi=fmt_pct(hi, 0))))
    return s


def monotowns_outlook(c: Ctx) -> Section:
    s = Section("2.3", _("Development of single-industry towns"))
    s.extend(c.text("2.3"))
    n_ind = c.pub.get("socioeconomic_indicators_count", has="kind=классификация")
    n_dir = c.pub.get("directions_count", has="kind=классификация")
    if n_ind is not None and n_dir is not None:
        s.add(_p(_("The classification weighs {n} socio-economic indicators grouped in {d} directions.",
                   n=fmt_int(n_ind), d=fmt_int(n_dir))))
    cls = c.data.monotown_classes
    if cls is not None and cls.height:
        names = {"high": _("high"), "medium": _("medium"), "low": _("low")}
        counts = {p: cls.filter(pl.col("potential") == p).height for p in names}
        syn = bool(cls["synthetic"].any())
        parts = [ngettext("{name} potential — {count} town", "{name} potential — {count} towns", n, name=names[p],
                          count=fmt_int(n)) for p, n in counts.items() if n]
        text = _("Aimaq's classification with the default methodology gives: {parts}.", parts="; ".join(parts))
        if syn:
            text += " " + _("The 78 indicators are not published, so the towns' indicators are synthetic ({label}); the "
                            "full ranking is in the appendix.", label=synthetic_label())
        s.add(_p(text))
    s.extend(c.text("2.3.after"))
    return s


def targets(c: Ctx) -> Section:
    s = Section("2.4", _("Development of rural and border areas"))
    s.extend(c.text("2.4"))
    k = c.data.kpis
    if k is None or k.is_empty():
        s.add(missing_year(_("programme targets"), "2025–2027"))
        return s
    t = k.filter(pl.col("target").is_not_null(), pl.col("dimension") == "",
                 pl.col("programme").is_in(["rural_concept", "border_roadmap"]))
    years = sorted(set(t["year"].to_list()))
    keys = t.select("programme", "indicator", "name_ru", "unit").unique(maintain_order=True)
    cell = {(i, y): v for i, y, v in t.select("indicator", "year", "target").iter_rows()}
    rows = []
    for prog, ind, name, unit in keys.iter_rows():
        shown = label(name)
        if prog == "border_roadmap" and ind == "population_million":
            shown = _("Population of border areas")
        u = _(UNITS[unit]) if unit in UNITS else unit
        rows.append([shown, u] + [fmt_smart(cell[(ind, y)], 1) if (ind, y) in cell else "–" for y in years])
    water = cell.get(("water_supply_coverage_pct", years[-1])) if years else None
    roads = [cell.get(("local_roads_normative_share_pct", y)) for y in years]
    net = [cell.get(("internet_users_share_pct", y)) for y in years]
    if water is not None and None not in roads and None not in net:
        s.add(_p(_("By {y} every village is to have water supply; the share of local roads in standard condition is "
                   "to rise to {r}, and the share of rural internet users to {n}.", y=years[-1],
                   r=fmt_pct(roads[-1], 0), n=fmt_pct(net[-1], 0))))
    s.add(Table(_("Targets for rural and border areas, {a}–{b}", a=years[0], b=years[-1]),
                [_("Indicator"), _("Unit")] + [str(y) for y in years], rows,
                source=src(SRC_MNE), align=["l", "l"] + ["r"] * len(years), widths=[4, 1.2] + [1] * len(years)))
    towns = c.pub.get("srs_coverage_target_pct", period="2029", has="aggregate=города")
    villages = c.pub.get("srs_coverage_target_pct", period="2029", has="aggregate=сёла")
    if towns is not None and villages is not None:
        s.add(_p(_("Under the National Development Plan to 2029, coverage under the regional standards is to reach "
                   "{t} in towns and {v} in villages by 2029.", t=fmt_pct(towns, 0), v=fmt_pct(villages, 0))))
    return s


# --- conclusions -------------------------------------------------------------------------------------------------


def conclusions(c: Ctx) -> Section:
    s = Section("", _("Conclusions and recommendations"), level=1)
    s.add(_p(_("Main results of regional policy over the three years:")))
    pub, d = c.pub, c.data
    new = pub.get("admin_units_created_count", period="2022")
    if new is not None:
        s.add(_p(ngettext("{count} new region was formed, and border districts were restored in the east.",
                          "{count} new regions were formed, and border districts were restored in the east.", int(new),
                          count=fmt_int(new)), "bullet"))
    s.add(_p(_("The Law «On the Development of Agglomerations» was adopted, comprehensive plans for the Astana and "
               "Almaty agglomerations were approved, and a draft law on the special status of Turkistan was "
               "prepared."), "bullet"))
    summ = d.rating_summary
    if summ.get("previous_mean") is not None:
        s.add(_p(_("The average quality-of-life score of cities moved from {a} to {b}; {leader} leads the rating.",
                   a=fmt_num(summ["previous_mean"], 2), b=fmt_num(summ["mean"], 2),
                   leader=c.names.city(summ["leaders"][0], _city_kato(d, summ["leaders"][0]))), "bullet"))
    if d.monotowns is not None and d.monotowns.height:
        kpr = d.monotowns.filter(pl.col("kpr")).height
        s.add(_p(ngettext("Comprehensive plans cover {count} single-industry town; Saran diversified its economy.",
                          "Comprehensive plans cover {count} single-industry towns; Saran diversified its economy.",
                          kpr, count=fmt_int(kpr)), "bullet"))
    proj = pub.get("projects_count_thousand", period="2019-2023", has="sphere=всего")
    sett = pub.get("settlements_covered_thousand", period="2019-2023")
    if proj is not None and sett is not None:
        s.add(_p(_("In 2019–2023 about {p} thousand infrastructure projects were carried out in {s} thousand "
                   "villages.", p=fmt_smart(proj, 1), s=fmt_smart(sett, 1)), "bullet"))
    dk = pub.get("diploma_lifting_allowance_recipients_thousand", period="2019-2023",
                      has="programme=")
    dl = pub.get("diploma_housing_loan_recipients_thousand", period="2019-2023", has="programme=")
    if dk is not None and dl is not None:
        s.add(_p(_("{n} thousand specialists moved to villages with a lifting allowance; {l} thousand took a housing "
                   "loan.", n=fmt_smart(dk, 0), l=fmt_smart(dl, 1)), "bullet"))
    allp = "aggregate=все населенные пункты"
    n0 = pub.get("srs_coverage_pct", period=str(c.year - 2), has=allp)
    n1 = pub.get("srs_coverage_pct", period=str(c.year - 1), has=allp)
    if n0 is not None and n1 is not None:
        s.add(_p(_("Coverage under the System of Regional Standards rose from {a} to {b}; the standards and the way "
                   "coverage is computed were revised, and a digital village map is being built.",
                   a=fmt_pct(n0), b=fmt_pct(n1)), "bullet"))
    f = d.forecast
    if f is not None:
        res = f["results"].filter(pl.col("region_code") == NATIONAL, pl.col("year") == f["to_year"])
        if res.height:
            s.add(_p(_("The population is expected to reach {p} million by {y}.", p=fmt_num(res["population"][0] / 1e6, 1),
                       y=f["to_year"]), "bullet"))
    s.add(_p(_("Recommendations"), "subheading"))
    s.extend(c.text("recommendations"))
    return s


def _city_kato(d, name: str) -> str | None:
    f = d.rating[d.year].filter(pl.col("city") == name)
    return f["kato"][0] if f.height else None


def chapter2(c: Ctx) -> list[Section]:
    return [Section("2", _("Short- and long-term forecasts"), level=1), demography(c), agglomerations_outlook(c),
            monotowns_outlook(c), targets(c)]


__all__ = ["chapter2", "conclusions", "SRC_AIMAQ", "SRC_IER_MONO", "lower_first"]
