"""Pure: the appendix in the edition's language — sources, methodology versions of every stored run, the
published figures that contradict themselves (flags), the comparison of forecasts, and detail tables that the
body summarises (monotown classification, villages by region, Diploma shares recomputed)."""

from __future__ import annotations

import re

import polars as pl

from aimaq.export.values import JOB
from aimaq.i18n import N_, _, ngettext
from aimaq.report.collect import REVIEW_PUBLISHER
from aimaq.report.facts import SRC_AIMAQ, SRC_AIMAQ_SYN, Ctx, src
from aimaq.report.labels import label
from aimaq.report.model import Paragraph, Section, Table, synthetic_label
from aimaq.report.names import NATIONAL
from aimaq.report.numbers import fmt_int, fmt_num, fmt_pct, fmt_smart

# what kind of contradiction a flag records: the word before the colon in the stored note
_FLAG_KINDS = {"sum": N_("sum of parts differs from the total"), "ratio": N_("ratio does not match its parts"),
               "share": N_("share does not match its parts"), "count conflict": N_("two different counts"),
               "text conflict": N_("the text contradicts itself"), "arithmetic": N_("arithmetic does not match"),
               "implausible jump": N_("implausible change"), "suspicious": N_("suspicious value"),
               "period label": N_("the period does not match the value"),
               "forecast conflict": N_("two different forecasts"), "unit missing": N_("unit not given"),
               "date conflict": N_("two different dates"), "date": N_("two different dates"),
               "implausible": N_("implausible value"), "rounding": N_("rounding does not match"),
               "tie": N_("equal scores, different ranks"), "same value": N_("one value given for two years"),
               "same values": N_("one value given for two years"), "urbanisation": N_("the trend contradicts the text"),
               "text": N_("the text contradicts the table"), "table 3": N_("the count in the text differs"),
               "bns figure": N_("the figure is in earlier boundaries"),
               "reference date": N_("reference date not stated"), "37.7%": N_("shares do not add up to 100%")}
_JOBS = JOB  # the jobs' names: the one map in aimaq.export.values


def _flag_kind(flag: str) -> str:
    head = (flag or "").split(":", 1)[0].strip().lower()
    for key, msg in _FLAG_KINDS.items():
        if head.startswith(key):
            return _(msg)
    return _("other discrepancy")


def appendix(c: Ctx) -> Section:
    s = Section("", _("Appendix. Sources, methodology and data notes"), level=1, appendix=True)
    s.add(Paragraph(_("Every figure in this edition is read from the Aimaq database. Published figures are stored as "
                      "published, each with its place in the source; values computed by Aimaq carry the methodology "
                      "(name, version, SHA-256 of the specification) and the code version of the run that produced "
                      "them.")))
    d = c.data
    if d.sources is not None and d.sources.height:
        rows = [[_publisher(p), t, fmt_int(n), _("yes") if syn else _("no")]
                for p, t, n, syn in d.sources.select("publisher", "title", "observations", "synthetic").iter_rows()]
        s.add(Table(_("Sources in the database"), [_("Publisher"), _("Title"), _("Values"), _("Synthetic")], rows,
                    source=src(SRC_AIMAQ), align=["l", "l", "r", "l"], widths=[2, 4, 1, 1]))
    if d.runs is not None and d.runs.height:
        latest = d.runs.sort("computed_at", descending=True).unique(["job", "what"], keep="first",
                                                                    maintain_order=True).sort("job", "what")
        rows = [[_(_JOBS[j]) if j in _JOBS else j, str(w or ""), f"{n} v{v}", (sha or "")[:12], cv,
                 _("yes") if syn else _("no")]
                for j, w, n, v, sha, cv, syn in latest.select("job", "what", "spec_name", "spec_version", "spec_sha256",
                                                              "code_version", "synthetic").iter_rows()]
        s.add(Table(_("Methodology versions of the computed results"),
                    [_("Calculation"), _("Scope"), _("Methodology"), "SHA-256", _("Code"), _("Synthetic")], rows,
                    source=src(SRC_AIMAQ), align=["l", "l", "l", "l", "l", "l"], widths=[2, 1.6, 2, 1.4, 0.8, 0.9]))
    fl = d.flags
    if fl is not None and fl.height:
        own = fl.filter(pl.col("publisher") == REVIEW_PUBLISHER)
        s.add(Paragraph(_("{n} published values contradict themselves or look implausible; they are kept as published "
                          "and listed here, {own} of them from the 2024 edition.", n=fmt_int(fl.height),
                          own=fmt_int(own.height))))
        rows = []
        # one row per source, indicator, discrepancy and place: a note repeated for 17 regions is listed once
        groups = fl.with_columns(where=pl.col("place").map_elements(_short_place, return_dtype=pl.Utf8)).group_by(
            "title", "indicator", "flag", "where", maintain_order=True).agg(
            pl.col("kato"), pl.col("period").unique(maintain_order=True), pl.col("value"))
        for ind, flag, where, katos, periods, values in groups.select("indicator", "flag", "where", "kato", "period",
                                                                      "value").iter_rows():
            detail = flag if c.lang == "en" else _flag_kind(flag)
            places = list(dict.fromkeys(katos))
            if len(places) == 1:
                who = c.names.short(places[0]) if places[0] != NATIONAL else _("Kazakhstan")
            else:
                who = ngettext("{count} territory", "{count} territories", len(places), count=fmt_int(len(places)))
            value = fmt_smart(values[0], 2) if len(values) == 1 else ngettext(
                "{count} value", "{count} values", len(values), count=fmt_int(len(values)))
            rows.append([who, _indicator(c, ind), ", ".join(periods), value, detail, _place(where or "")])
        s.add(Table(_("Published values with a discrepancy"),
                    [_("Territory"), _("Indicator"), _("Period"), _("Value"), _("Discrepancy"), _("Place in source")],
                    rows, source=src(SRC_AIMAQ), align=["l", "l", "l", "r", "l", "l"],
                    widths=[1.2, 2.2, 1, 0.9, 2.6, 2.4]))
    s.extend(_forecast_comparison(c))
    s.extend(_monotown_classes(c))
    s.extend(_villages(c))
    s.extend(_diploma_shares(c))
    if d.notes:
        s.add(Paragraph(_("Parts the database could not provide"), "subheading"))
        s.extend(Paragraph(n, "bullet") for n in d.notes)
    return s


_PUBLISHERS = {REVIEW_PUBLISHER: N_("JSC «Institute of Economic Research»"),
               "Бюро национальной статистики АСПиР РК": N_("Bureau of National Statistics of the ASPR RK")}


def _publisher(name: str) -> str:
    """A publisher in the edition's language (titles of documents are quoted as published)."""
    return _(_PUBLISHERS[name]) if name in _PUBLISHERS else name


def _indicator(c: Ctx, code: str) -> str:
    """An indicator's name from the catalogue in the edition's language (never the raw code)."""
    names = c.data.indicator_names.get(code)
    return names[c.lang] if names else code.replace("_", " ")


def _short_place(place: str | None) -> str:
    """«Раздел 1.8, абз. «…»» → «Раздел 1.8»: the section and table, not the quoted paragraph."""
    if not place:
        return ""
    first = place.split(" | ")[0]
    return re.split(r",\s*(?:абз\.|«)", first)[0].strip()


_PLACE_WORDS = [(re.compile(r"^Таблица (\d+) \(раздел ([\d.]+)\)"), N_("Table {n} (section {s})")),
                (re.compile(r"^Раздел ([\d.]+)"), N_("Section {n}")),
                (re.compile(r"^Введение"), N_("Introduction")), (re.compile(r"^Выводы"), N_("Conclusions"))]


def _place(place: str) -> str:
    """The place in the source in the edition's language: «Таблица 2 (раздел 1.3), строка «Семей»» → «Table 2
    (section 1.3), row «Семей»» (names quoted from the source stay as written)."""
    out = place
    for pattern, msg in _PLACE_WORDS:
        m = pattern.match(out)
        if m:
            fields = dict(zip(("n", "s"), m.groups()))
            out = _(msg, **fields) + out[m.end():]
            break
    out = re.sub(r"строка «([^»]*)»", lambda m: _("row «{x}»", x=m.group(1)), out)
    return re.sub(r"столбец «([^»]*)»", lambda m: _("column «{x}»", x=m.group(1)), out)


def _forecast_comparison(c: Ctx) -> list:
    f = c.data.forecast
    if f is None or f["comparison"].is_empty():
        return []
    rows = []
    for measure, rv, av in f["comparison"].select("measure", "review", "aimaq").iter_rows():
        if measure == "population_total":
            what = _("Population in 2030, million")
            rows.append([what, fmt_num(rv / 1e6, 2), fmt_num(av / 1e6, 2), fmt_num((av - rv) / 1e6, 2, sign=True)])
        elif measure == "urban_share":
            rows.append([_("Urban share in 2030"), fmt_pct(100 * rv), fmt_pct(100 * av),
                         fmt_num(100 * (av - rv), 1, sign=True)])
        elif measure.startswith("growth_"):
            k = measure.removeprefix("growth_")
            rows.append([_("Growth to 2030: {region}", region=c.names.short(k)), fmt_pct(100 * rv),
                         fmt_pct(100 * av), fmt_num(100 * (av - rv), 1, sign=True)])
    syn = bool(f["run"].get("synthetic"))
    return [Table(_("Aimaq's forecast beside the institute's published forecast"),
                  [_("Indicator"), _("Published"), "Aimaq", _("Difference")], rows,
                  source=src(SRC_AIMAQ), synthetic=syn, widths=[3, 1, 1, 1])]


def _monotown_classes(c: Ctx) -> list:
    cls = c.data.monotown_classes
    if cls is None or cls.is_empty():
        return []
    syn = bool(cls["synthetic"].any())
    names = {"high": _("high"), "medium": _("medium"), "low": _("low")}
    towns = c.data.monotowns
    by_ru = {r["name_ru"]: r for r in towns.iter_rows(named=True)} if towns is not None else {}

    def town(n: str) -> str:
        row = by_ru.get(n, {"name_ru": n})
        if c.lang != "ru" and row.get(f"name_{c.lang}"):
            return row[f"name_{c.lang}"]
        return n.replace(" (город)", "")

    rows = [[str(r), town(n), label(g), fmt_num(sc, 1), names.get(p, p)] for r, n, g, sc, p in
            cls.select("rank", "name_ru", "specialisation_group", "score", "potential").iter_rows()]
    return [Table(_("Single-industry towns by development potential (methodology {spec})", spec=cls["spec"][0]),
                  [_("Rank"), _("Town"), _("Specialisation"), _("Index (0–100)"), _("Potential")], rows,
                  source=src(SRC_AIMAQ_SYN) if syn else src(SRC_AIMAQ), synthetic=syn,
                  align=["r", "l", "l", "r", "l"], widths=[0.6, 1.8, 2.4, 1.2, 1])]


def _villages(c: Ctx) -> list:
    v = c.data.villages
    if v is None or v.is_empty():
        return []
    syn = bool(v["synthetic"].any())
    rows = [[c.names.short(k) if k != NATIONAL else _("Kazakhstan"), fmt_int(a), fmt_int(b), fmt_int(s1), fmt_int(s2),
             fmt_pct(e), fmt_pct(f, sign=True)]
            for k, a, b, s1, s2, e, f in v.select("kato", "villages", "with_potential", "support", "satellite",
                                                  "population_share_with_potential_pct",
                                                  "population_change_with_potential_pct").iter_rows()]
    rows = rows[1:] + rows[:1]
    return [Table(_("Villages with development potential by region (Aimaq classification)"),
                  [_("Region"), _("Villages"), _("With potential"), _("Support"), _("Satellite"),
                   _("Share of rural residents"), _("Population change since 2019")], rows,
                  source=src(SRC_AIMAQ_SYN) if syn else src(SRC_AIMAQ), synthetic=syn, total_rows=1,
                  widths=[2, 1, 1, 1, 1, 1.2, 1.3])]


def _diploma_shares(c: Ctx) -> list:
    d = c.data.diploma_shares
    if d is None or d.is_empty():
        return []
    rows = [[label(sph) if sph != "Итого" else _("Total"), fmt_int(n), fmt_num(sh, 1), fmt_num(pub, 1)]
            for sph, n, sh, pub in d.select("sphere", "count", "share_pct", "published_share_pct").iter_rows()]
    return [Table(_("«With a Diploma to the Village»: shares of spheres recomputed from the counts"),
                  [_("Sphere"), _("People"), _("Share recomputed, %"), _("Share published, %")], rows,
                  source=src(SRC_AIMAQ), total_rows=1, widths=[2, 1, 1.2, 1.2])]


__all__ = ["appendix", "synthetic_label"]
