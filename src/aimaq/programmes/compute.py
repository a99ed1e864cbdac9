"""Programme KPIs, With a Diploma to the Village and Auyl – El Besigi summaries: pure functions over frames.

Inputs are frames of published observations with the columns kato, indicator, period, breakdown, value, flag,
note, place (the place in the review), plus the indicator catalogue (code, name_ru, unit, polarity). Nothing here
opens the database (see aimaq.programmes.service)."""

from __future__ import annotations

import polars as pl

from aimaq.errors import ComputationError
from aimaq.i18n import _
from aimaq.programmes.spec import KpiSpec

NATIONAL = "000000000"
# A recomputed share differs from the published one when they disagree by more than the published rounding
# (one decimal): half a unit of the last digit, plus float noise.
SHARE_TOLERANCE_PP = 0.05 + 1e-9


def parse_breakdown(text: str | None) -> dict[str, str]:
    """'a=1;b=2' -> {'a': '1', 'b': '2'} ('' -> {})."""
    out = {}
    for part in (text or "").split(";"):
        if part:
            key, _, value = part.partition("=")
            out[key] = value
    return out


def format_breakdown(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def kpi_frame(obs: pl.DataFrame, catalogue: pl.DataFrame, spec: KpiSpec, programme: str | None = None) -> pl.DataFrame:
    """One row per programme × indicator × period × dimension with plan, fact and target side by side.

    achieved: fact ≥ plan (polarity 1) or fact ≤ plan (polarity −1), null where plan or fact is missing or the
    polarity is 0; gap = fact − plan (in the indicator's unit); gap_to_target = target − fact where both exist."""
    programmes = [spec.programme(programme)] if programme else list(spec.programmes)
    cat = {r["code"]: r for r in catalogue.iter_rows(named=True)}
    national = obs.filter(pl.col("kato") == NATIONAL)
    records = []
    for prog in programmes:
        rows = national.filter(pl.col("indicator").is_in(list(prog.indicators)))
        for r in rows.iter_rows(named=True):
            parts = parse_breakdown(r["breakdown"])
            if not any(all(parts.get(k) == v for k, v in m.items()) for m in prog.match):
                continue
            role = None
            for key, mapping in prog.extra_roles.items():
                if parts.get(key) in mapping:
                    role = mapping[parts.pop(key)]
            kind = parts.get("kind", "")
            if role is None:
                if kind in prog.roles:
                    role = prog.roles[kind]
                    parts.pop("kind", None)
                elif "" in prog.roles:
                    role = prog.roles[""]
                else:
                    continue
            for key in spec.drop_keys:
                parts.pop(key, None)
            info = cat.get(r["indicator"])
            if info is None:
                raise ComputationError(_("indicator «{code}» of programme {programme} is not in the catalogue",
                                         code=r["indicator"], programme=prog.code))
            override = prog.indicators[r["indicator"]]
            polarity = int(override) if override is not None else int(info["polarity"])
            records.append({
                "programme": prog.code, "programme_ru": prog.name_ru, "indicator": r["indicator"],
                "name_ru": info["name_ru"], "unit": info["unit"], "polarity": polarity, "year": r["period"],
                "dimension": format_breakdown(parts), "role": role, "value": r["value"], "flag": r["flag"],
                "place": r["place"]})
    schema = {"programme": pl.Utf8, "programme_ru": pl.Utf8, "indicator": pl.Utf8, "name_ru": pl.Utf8,
              "unit": pl.Utf8, "polarity": pl.Int64, "year": pl.Utf8, "dimension": pl.Utf8, "role": pl.Utf8,
              "value": pl.Float64, "flag": pl.Utf8, "place": pl.Utf8}
    long = pl.DataFrame(records, schema=schema)
    keys = ["programme", "programme_ru", "indicator", "name_ru", "unit", "polarity", "year", "dimension"]
    dup = long.group_by(keys + ["role"]).len().filter(pl.col("len") > 1)
    if dup.height:
        raise ComputationError(f"two published values for one KPI cell: {dup.head(3).to_dicts()}")
    wide = long.group_by(keys, maintain_order=True).agg(
        pl.col("value").filter(pl.col("role") == r).first().alias(r) for r in ("plan", "fact", "target")
    ).join(long.group_by(keys, maintain_order=True).agg(
        pl.col("flag").drop_nulls().unique().str.join(" | ").alias("flag"),
        pl.col("place").unique(maintain_order=True).str.join(" | ").alias("place")), on=keys)
    both = pl.col("plan").is_not_null() & pl.col("fact").is_not_null()
    wide = wide.with_columns(
        achieved=pl.when(both & (pl.col("polarity") == 1)).then(pl.col("fact") >= pl.col("plan"))
        .when(both & (pl.col("polarity") == -1)).then(pl.col("fact") <= pl.col("plan"))
        .otherwise(None),
        gap=pl.when(both).then(pl.col("fact") - pl.col("plan")),
        gap_to_target=pl.when(pl.col("target").is_not_null() & pl.col("fact").is_not_null())
        .then(pl.col("target") - pl.col("fact")),
        flag=pl.when(pl.col("flag") == "").then(None).otherwise(pl.col("flag")),
    )
    order = {p.code: i for i, p in enumerate(spec.programmes)}
    return (wide.with_columns(_o=pl.col("programme").replace_strict(order, return_dtype=pl.Int64))
            .sort(["_o", "indicator", "dimension", "year"]).drop("_o")
            .select(keys + ["plan", "fact", "target", "achieved", "gap", "gap_to_target", "flag", "place"]))


def _single_year(period: pl.Expr) -> pl.Expr:
    return period.str.contains(r"^\d{4}$")


def diploma_table(obs: pl.DataFrame, regions: pl.DataFrame, by: str = "region") -> pl.DataFrame:
    """Lifting-allowance recipients 2019–2023 (Tables 4 and 5 of section 1.7) by `by` (year, region, sphere).

    count: the sum of the yearly cells (recomputed); published_total: the «Итого» cell; share_pct: count / the
    recomputed grand total; published_share_pct: the text's share where given; diff_pp and a note where the two
    shares disagree beyond the published rounding (the text mixes bases: 21.7 % health = 9 779 / 45 000).
    The last row is «Итого». `regions`: kato, name_ru of the regions."""
    if by not in ("year", "region", "sphere"):
        raise ComputationError(_("--by must be year, region or sphere, not «{by}»", by=by))
    ind = "diploma_lifting_allowance_recipients"
    d = obs.filter(pl.col("indicator").is_in([ind, "diploma_recipients_share_pct"])).with_columns(
        sphere=pl.col("breakdown").str.extract(r"(?:^|;)sphere=([^;]*)"),
        kind=pl.col("breakdown").str.extract(r"(?:^|;)kind=([^;]*)"))
    cells = d.filter((pl.col("indicator") == ind) & _single_year(pl.col("period")) & pl.col("kind").is_null())
    if by == "sphere":
        cells = cells.filter(pl.col("kato") == NATIONAL, pl.col("sphere").is_not_null())
        key = "sphere"
        published = d.filter(pl.col("kato") == NATIONAL, pl.col("sphere").is_not_null(),
                             pl.col("period") == "2019-2023")
    elif by == "region":
        cells = cells.filter(pl.col("kato") != NATIONAL).join(regions.select("kato", pl.col("name_ru").alias("region")),
                                                              on="kato", how="left")
        if cells["region"].null_count():
            raise ComputationError(_("a Table 5 cell is at a territory that is not a region"))
        key = "region"
        published = d.filter(pl.col("kato") != NATIONAL, pl.col("period") == "2019-2023").join(
            regions.select("kato", pl.col("name_ru").alias("region")), on="kato", how="left")
    else:
        # Table 5 region × year cells summed by year; the published «Итого» row is the national kind=total
        cells = cells.filter(pl.col("kato") != NATIONAL).with_columns(year=pl.col("period"))
        key = "year"
        published = d.filter(pl.col("kato") == NATIONAL, pl.col("sphere").is_null(), pl.col("kind") == "total",
                             _single_year(pl.col("period"))).with_columns(year=pl.col("period"))
    if cells.is_empty():
        raise ComputationError(_("no «With a Diploma to the Village» counts in the database (Tables 4 and 5 of the "
                                 "review): `aimaq init` or `aimaq demo` loads them"))
    counts = cells.group_by(key).agg(count=pl.col("value").sum(), years=pl.col("period").n_unique())
    grand = float(counts["count"].sum())
    pub_total = published.filter((pl.col("indicator") == ind) & (pl.col("kind") == "total")).group_by(key).agg(
        published_total=pl.col("value").first())
    pub_share = published.filter(pl.col("indicator") == "diploma_recipients_share_pct").group_by(key).agg(
        published_share_pct=pl.col("value").first(), share_flag=pl.col("flag").first())
    out = (counts.join(pub_total, on=key, how="left").join(pub_share, on=key, how="left")
           .with_columns(share_pct=pl.col("count") / grand * 100.0)
           .with_columns(diff_pp=pl.col("published_share_pct") - pl.col("share_pct")))
    out = out.with_columns(note=_share_note(grand))
    out = out.sort(key if by == "year" else "count", descending=by != "year")
    total_pub = d.filter(pl.col("kato") == NATIONAL, pl.col("indicator") == ind, pl.col("kind") == "total",
                         pl.col("sphere").is_null(), pl.col("period") == "2019-2023")["value"]
    total = pl.DataFrame({key: ["Итого"], "count": [grand], "years": [int(cells["period"].n_unique())],
                          "published_total": [float(total_pub[0]) if total_pub.len() else None],
                          "published_share_pct": [None], "share_flag": [None], "share_pct": [100.0],
                          "diff_pp": [None], "note": [None]},
                         schema={key: pl.Utf8, "count": pl.Float64, "years": pl.UInt32, "published_total": pl.Float64,
                                 "published_share_pct": pl.Float64, "share_flag": pl.Utf8, "share_pct": pl.Float64,
                                 "diff_pp": pl.Float64, "note": pl.Utf8})
    out = pl.concat([out.with_columns(pl.col("count").cast(pl.Float64), pl.col("years").cast(pl.UInt32)).select(
        total.columns), total])
    out = out.with_columns(
        total_check=pl.when(pl.col("published_total").is_null()).then(None)
        .otherwise(pl.col("published_total") == pl.col("count")))
    return out.select(key, pl.col("count").cast(pl.Int64), "published_total", "total_check", "share_pct",
                      "published_share_pct", "diff_pp", "note", pl.col("share_flag").alias("flag"))


def _share_note(grand: float) -> pl.Expr:
    """Where the published share disagrees with the recomputed one: the range of bases the published (rounded)
    share would need — the review computes some shares on «45 тыс», others on 44 939 (mixed bases)."""
    diff = (pl.col("published_share_pct") - pl.col("share_pct")).abs()
    low = (pl.col("count") / (pl.col("published_share_pct") + 0.05) * 100.0).ceil().cast(pl.Int64)
    high = (pl.col("count") / (pl.col("published_share_pct") - 0.05) * 100.0).floor().cast(pl.Int64)
    return (pl.when(pl.col("published_share_pct").is_not_null() & (diff > SHARE_TOLERANCE_PP))
            .then(pl.format("published {} % ≠ {} / {} = {} %; the published share needs a base of {}–{} "
                            "(mixed base: e.g. 45 000)",
                            pl.col("published_share_pct"), pl.col("count").cast(pl.Int64), pl.lit(int(grand)),
                            pl.col("share_pct").round(2), low, high))
            .otherwise(None))


def auyl_table(obs: pl.DataFrame) -> pl.DataFrame:
    """Auyl – El Besigi (section 1.6): projects by sphere for 2019–2023 (fact) and 2024 (plan), the recomputed total
    beside the published one, financing, settlements covered and financing per project."""
    prog = "programme=Ауыл – Ел бесігі"
    a = obs.filter(pl.col("kato") == NATIONAL, pl.col("breakdown").str.contains(prog, literal=True)).with_columns(
        sphere=pl.col("breakdown").str.extract(r"(?:^|;)sphere=([^;]*)"),
        role=pl.col("breakdown").str.extract(r"(?:^|;)kind=([^;]*)").fill_null("fact"))
    if a.is_empty():
        raise ComputationError(_("no «Auyl – El Besigi» figures in the database (section 1.6 of the review): "
                                 "`aimaq init` or `aimaq demo` loads them"))
    scale = {"projects_count": 1.0, "projects_count_thousand": 1000.0}
    proj = a.filter(pl.col("indicator").is_in(list(scale))).with_columns(
        projects=pl.col("value") * pl.col("indicator").replace_strict(scale, return_dtype=pl.Float64))
    parts = proj.filter(pl.col("sphere") != "всего").select("period", "sphere", "role", "projects")
    totals = proj.filter(pl.col("sphere") == "всего").select(
        "period", published_projects=pl.col("projects"), published_unit=pl.col("unit") if "unit" in proj.columns
        else pl.col("indicator"))
    summed = parts.group_by("period").agg(projects=pl.col("projects").sum(), role=pl.col("role").first())

    def one(indicator: str, name: str, factor: float = 1.0) -> pl.DataFrame:
        return a.filter(pl.col("indicator") == indicator, pl.col("sphere").is_null()).select(
            "period", (pl.col("value") * factor).alias(name))

    fin = one("financing_bn_kzt", "financing_bn_kzt")
    sett = pl.concat([one("settlements_covered_thousand", "settlements", 1000.0),
                      one("settlements_covered_count", "settlements")])
    total = (summed.with_columns(sphere=pl.lit("всего")).join(totals.select("period", "published_projects"),
                                                              on="period", how="left")
             .join(fin, on="period", how="full", coalesce=True).join(sett, on="period", how="left")
             .with_columns(mln_kzt_per_project=pl.col("financing_bn_kzt") * 1000.0 / pl.col("projects"),
                           sphere=pl.lit("всего")))
    rows = pl.concat([
        parts.with_columns(published_projects=pl.lit(None, pl.Float64), financing_bn_kzt=pl.lit(None, pl.Float64),
                           settlements=pl.lit(None, pl.Float64), mln_kzt_per_project=pl.lit(None, pl.Float64)),
        total.select("period", "sphere", "role", "projects", "published_projects", "financing_bn_kzt",
                     "settlements", "mln_kzt_per_project")], how="diagonal_relaxed")
    rows = rows.with_columns(
        role=pl.col("role").fill_null("fact"),
        note=pl.when(pl.col("published_projects").is_not_null())
        .then(pl.format("sum of spheres {} vs published {}", pl.col("projects").cast(pl.Int64),
                        pl.col("published_projects").cast(pl.Int64))))
    return rows.with_columns(_t=pl.col("sphere") == "всего").sort(["period", "_t", "sphere"]).drop("_t").select(
        "period", "role", "sphere", "projects", "published_projects", "financing_bn_kzt", "settlements",
        "mln_kzt_per_project", "note")
