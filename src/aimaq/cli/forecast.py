"""`aimaq forecast ...`: the demographic forecast (issue 5) — run and save, show, backtest, pyramid."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Optional

import polars as pl
import typer

from aimaq.cli.output import Format, emit, format_option, run_meta
from aimaq.cli.texts import LEVEL_WORDS
from aimaq.export.values import value_label
from aimaq.i18n import N_, _, format_number

sub = typer.Typer(help=N_("The demographic forecast: run, show, backtest, pyramid."), no_args_is_help=True)
FormatOpt = format_option()
_LEVER = re.compile(r"^\s*(?P<region>.+?)\s*=\s*(?P<value>[+-]?\d+(?:[.,]\d+)?)\s*%\s*$")


def _open():
    """The database at --db (it must exist: `aimaq init` or `aimaq demo` makes it)."""
    from aimaq.store.db import connect

    return connect()


_open_existing = _open


def resolve_region(con, text: str) -> tuple[str, str]:
    """A region (or the country) named by KATO code, the spec's 2-digit code or a name as tables write it
    («ВКО», «г. Алматы»); returns (KATO, Russian name). Uses the database's territory registry when it has one,
    else the package's list of the 20 regions."""
    from aimaq.demography.kazakhstan import read_regions
    from aimaq.demography.service import NATIONAL_CODE, NATIONAL_NAME
    from aimaq.errors import UnknownNameError

    regions = read_regions()
    names = {NATIONAL_CODE: NATIONAL_NAME, **dict(zip([str(x) for x in regions["kato"].to_list()],
                                                       regions["name_ru"].to_list()))}
    raw = str(text).strip()
    if raw.isdigit():
        code = raw
        if len(raw) == 2:
            code = dict(zip(regions["code"].to_list(), [str(x) for x in regions["kato"].to_list()])).get(raw, raw)
        if code in names:
            return code, names[code]
        raise UnknownNameError("region code", raw, [], _("the forecast covers the country (000000000) and 20 regions"))
    has_registry = con.execute("SELECT count(*) FROM territory WHERE level IN ('country', 'region')").fetchone()[0]
    if has_registry:
        from aimaq.territory.repository import load_name_index

        cand = load_name_index(con).resolve(raw)
        if cand.kato not in names:
            raise UnknownNameError("region", raw, [], _("«{name}» is a {level}; the forecast covers the country and "
                                                        "its 20 regions", name=cand.name,
                                                        level=_(LEVEL_WORDS.get(cand.level, cand.level))))
        return cand.kato, names[cand.kato]
    key = {"вко": "630000000", "зко": "270000000", "ско": "590000000", "юко": "610000000"}.get(raw.casefold(), raw.casefold())
    if key in names:
        return key, names[key]
    for row in regions.iter_rows(named=True):
        spellings = {row[c] for c in ("name_ru", "name_kk", "name_en", "bns2023_name", "series_name", "migration_name")}
        if key in {str(s).casefold() for s in spellings if s}:
            return str(row["kato"]), row["name_ru"]
    if key in {"казахстан", "республика казахстан", "kazakhstan", "қазақстан"}:
        return NATIONAL_CODE, NATIONAL_NAME
    raise UnknownNameError("region", raw, [], _("no territory registry in this database: use a KATO code or a full "
                                                "region name (e.g. «Восточно-Казахстанская область», 630000000)"))


def parse_levers(con, levers: list[str]) -> dict:
    """`REGION=+x%` (repeatable) → {"attractiveness": {KATO: x/100}}."""
    from aimaq.errors import SpecError

    out: dict[str, float] = {}
    for text in levers or []:
        m = _LEVER.match(text)
        if not m:
            raise SpecError(_("--lever «{text}»: expected REGION=+x% (e.g. «г. Астана=+10%», «470000000=-5%»)",
                              text=text))
        kato = resolve_region(con, m["region"])[0]
        from aimaq.demography.service import NATIONAL_CODE

        if kato == NATIONAL_CODE:
            raise SpecError(_("--lever: the attractiveness lever applies to a region, not the country"))
        out[kato] = out.get(kato, 0.0) + float(m["value"].replace(",", ".")) / 100.0
    return {"attractiveness": out} if out else {}


def _fmt_value(measure: str, v: float | None, signed: bool = False) -> str:
    """Persons as millions, shares as percent (differences of shares in percentage points)."""
    if v is None:
        return ""
    if measure == "population_total":
        sign = "+" if signed and v > 0 else ""
        return sign + _("{value} mln", value=format_number(v / 1e6, 2))
    if signed:
        return ("+" if v > 0 else "") + _("{value} pp", value=format_number(v * 100, 1))
    return format_number(v * 100, 1) + "%"


@sub.command("run", help=N_("Compute a forecast from the package data and the spec, save it in the database, print "
                            "the summary."))
def run(
    scenario: str = typer.Option("medium", "--scenario", "-s",
                                 help=N_("medium, high, low, zero_migration (no migration at all), no_international.")),
    to: Optional[int] = typer.Option(None, "--to", help=N_("Last 1 January projected (default: the spec's horizon).")),
    draws: int = typer.Option(200, "--draws", help=N_("Trajectories for the 80/95% intervals (0: none).")),
    lever: List[str] = typer.Option([], "--lever", help=N_("Attractiveness lever REGION=+x% (repeatable).")),
    seed: Optional[int] = typer.Option(None, "--seed", help=N_("Seed of the trajectories (default: the spec's).")),
    fmt: Format = FormatOpt,
) -> None:
    from aimaq.demography.repository import save_forecast
    from aimaq.demography.service import NATIONAL_CODE, run_forecast

    con = _open()
    try:
        levers = parse_levers(con, lever)
        result = run_forecast(scenario.lower(), to=to, draws=draws, levers=levers, seed=seed)
        run_id = save_forecast(con, result)
    finally:
        con.close()
    typer.echo(_("forecast run #{id} saved: scenario {scenario}, {base}→{to}, {draws} draws, seed {seed}", id=run_id,
                 scenario=scenario, base=result.base_year, to=result.to, draws=draws, seed=result.seed)
               + (", " + _("levers {levers}", levers=levers) if levers else ""), err=True)
    nat = result.summary.filter(pl.col("region_code") == NATIONAL_CODE).select(
        "year", "population", "lower80", "upper80", "urban_share")
    comp = result.comparison
    if fmt is Format.table:
        emit(nat.with_columns((pl.col("urban_share") * 100).round(1).alias("urban_share")).rename(
            {"urban_share": "urban_share_%"}), fmt, title=_("Kazakhstan, scenario {scenario}: population on 1 January "
                                                         "and the urban share", scenario=scenario))
        shown = pl.DataFrame({
            "label": comp["label"].to_list(),
            "review": [_fmt_value(m, v) for m, v in zip(comp["measure"], comp["review"])],
            "aimaq": [_fmt_value(m, v) for m, v in zip(comp["measure"], comp["aimaq"])],
            "difference": [_fmt_value(m, v, True) for m, v in zip(comp["measure"], comp["difference"])],
            "why": comp["why"].to_list(),
        })
        if shown.height:
            emit(shown, fmt, title=_("Comparison with the review's forecast"))
        return
    rows = [{"run_id": run_id, "section": "national", "measure": m, "label": None, "year": y, "review": None,
             "aimaq": v, "lower80": lo if m == "population" else None, "upper80": hi if m == "population" else None,
             "difference": None, "why": None}
            for y, p, lo, hi, u in nat.iter_rows() for m, v in (("population", p), ("urban_share", u))]
    year = result.spec["comparison"]["year"]
    rows += [{"run_id": run_id, "section": "comparison", "measure": r["measure"], "label": r["label"], "year": year,
              "review": r["review"], "aimaq": r["aimaq"], "lower80": None, "upper80": None,
              "difference": r["difference"], "why": r["why"]} for r in comp.iter_rows(named=True)]
    emit(pl.DataFrame(rows, infer_schema_length=None), fmt)


@sub.command("show", help=N_("A saved run: region_code, region, year, scenario, population, lower80, upper80, "
                             "urban_share, then the 95% bounds. Without --region: the country (000000000) and all "
                             "regions."))
def show(
    region: Optional[str] = typer.Option(None, "--region", "-r", help=N_("KATO code or name («ВКО», «г. Алматы»).")),
    year: Optional[int] = typer.Option(None, "--year", "-y", help=N_("1 January of this year.")),
    run_id: Optional[int] = typer.Option(None, "--run", help=N_("Run id (default: the latest).")),
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help=N_("The latest run of this scenario.")),
    area: str = typer.Option("total", "--area", help=N_("total, urban or rural.")),
    fmt: Format = FormatOpt,
) -> None:
    from aimaq.demography.repository import find_run, load_results
    from aimaq.errors import SpecError

    area = area.lower()
    if area not in ("total", "urban", "rural"):
        raise SpecError(_("--area must be total, urban or rural"))
    con = _open_existing()
    try:
        run = find_run(con, run_id, scenario)
        code = resolve_region(con, region)[0] if region else None
        frame = load_results(con, run["run_id"], region_code=code, year=year, area=area)
        meta = run_meta(con, "forecast", run["run_id"])
    finally:
        con.close()
    if frame.is_empty():
        from aimaq.errors import AimaqError

        raise AimaqError(_("run #{id} has no rows for that selection (it covers {first}–{last})", id=run["run_id"],
                           first=run["base_year"], last=run["to_year"]))
    if fmt is Format.table:
        frame = frame.drop("run_id", "area")
    emit(frame, fmt, title=_("Forecast #{id} ({scenario}, {draws} trajectories), {area}", id=run["run_id"],
                             scenario=value_label("scenario", run["scenario"]), draws=run["draws"], area=_(area)),
         meta=meta)


@sub.command("backtest", help=N_("Aimaq's model beside constant_growth, linear_trend and constant_share at each "
                                 "origin, on the regional series in the database (columns origin, horizon, method, "
                                 "unit_code, unit, actual, projected, error_pct, lower80, upper80); MAPE and 80% "
                                 "coverage by origin on stderr (csv/json) or below the table. Saved."))
def backtest_cmd(
    origins: str = typer.Option("2005,2010,2015", "--origins",
                                help=N_("Origin years (1 January), comma-separated: each method sees data up to its "
                                        "origin.")),
    horizon: int = typer.Option(8, "--horizon", help=N_("Years ahead of each origin.")),
    actuals: str = typer.Option("origin", "--actuals",
                                help=N_("origin: actuals carried to the origin's basis (census revisions and the 2014 "
                                        "Almaty transfer removed); published: as BNS published them.")),
    variants: bool = typer.Option(False, "--variants",
                                  help=N_("Instead: the model under every combination of its choices (mortality, "
                                          "fertility, migration, interval quantile): MAPE and coverage by origin.")),
    multiregional: bool = typer.Option(False, "--multiregional",
                                       help=N_("Instead: the multiregional engine's 2015→2023 backtest.")),
    draws: int = typer.Option(1000, "--draws", help=N_("With --multiregional: trajectories.")),
    seed: Optional[int] = typer.Option(None, "--seed", help=N_("With --multiregional: seed.")),
    calibrate: bool = typer.Option(False, "--calibrate",
                                   help=N_("With --multiregional: coverage and interval scores for a grid of "
                                           "migration-level sigmas.")),
    fmt: Format = FormatOpt,
) -> None:
    if multiregional or calibrate:
        _multiregional_backtest(draws, seed, calibrate, fmt)
        return
    from aimaq.demography.backtest import backtest_methods, measure_variants, read_backtest_spec, summarise
    from aimaq.demography.repository import load_population_history, save_method_backtest
    from aimaq.errors import SpecError
    from aimaq.i18n import _

    try:
        years = [int(x) for x in origins.replace(" ", "").split(",") if x]
    except ValueError:
        raise SpecError(_("--origins {value!r}: expected years separated by commas, e.g. 2005,2010,2015",
                          value=origins)) from None
    if not years or horizon < 1:
        raise SpecError(_("--origins needs at least one year and --horizon at least 1"))
    actuals = actuals.lower()
    if actuals not in ("origin", "published"):
        raise SpecError(_("--actuals must be origin or published"))
    spec = read_backtest_spec()
    con = _open_existing()
    try:
        history = load_population_history(con)
        if history.is_empty():
            from aimaq.errors import AimaqError

            raise AimaqError(_("the database has no regional population series; run `aimaq init` or `aimaq demo` first"))
        if variants:
            emit(measure_variants(history, years, horizon, spec, actuals=actuals), fmt,
                 title=_("The model's choices, measured (horizon {h} years)", h=horizon))
            return
        frame, notes = backtest_methods(history, years, horizon, spec, actuals=actuals)
        run_id = save_method_backtest(con, frame, spec=spec, notes=notes + [f"actuals: {actuals}"])
    finally:
        con.close()
    emit(frame, fmt, title=_("Backtest: Aimaq's model and simple methods, horizon {h} years", h=horizon))
    summary = summarise(frame)
    lines = [_("backtest #{run} saved; actuals carried to the origin's basis", run=run_id) if actuals == "origin"
             else _("backtest #{run} saved; actuals as published", run=run_id)]
    for origin in years:
        part = summary.filter(pl.col("origin") == origin)
        mape = {r["method"]: r["mape"] for r in part.iter_rows(named=True)}
        best = min(mape, key=mape.get)
        lines.append(_("{origin}→{target}: MAPE {values}; lowest: {best}", origin=origin, target=origin + horizon,
                       values=", ".join(f"{m} {v:.2f}%" for m, v in mape.items()), best=best))
    model = frame.filter(pl.col("method") == "aimaq")
    inside = int(((model["actual"] >= model["lower80"]) & (model["actual"] <= model["upper80"])).sum())
    lines.append(_("aimaq 80% intervals hold {inside} of {n} outcomes ({share:.0%})", inside=inside, n=model.height,
                   share=inside / model.height))
    typer.echo("\n".join(lines), err=fmt is not Format.table)


def _multiregional_backtest(draws: int, seed: Optional[int], calibrate: bool, fmt: Format) -> None:
    """The multiregional engine projected 1 Jan 2015 → 1 Jan 2023 on the 2015 map (16 units) from package data:
    error per unit and the coverage of its 80%/95% intervals; saved (forecast_backtest)."""
    from aimaq.demography.kazakhstan import read_spec
    from aimaq.demography.repository import save_backtest
    from aimaq.demography.service import backtest, calibrate_migration_level

    spec = read_spec()
    if seed is not None:
        spec["uncertainty"]["seed"] = seed
    if calibrate:
        emit(calibrate_migration_level(draws=draws, spec=spec), fmt,
             title=_("Calibration of the migration level (backtest 2015→2023)"))
        return
    frame = backtest(draws=draws, spec=spec)
    con = _open()
    try:
        run_id = save_backtest(con, frame, spec=spec, base_year=2015, to=2023, draws=draws,
                               seed=int(spec["uncertainty"]["seed"]))
    finally:
        con.close()
    actual, proj = frame["actual"].sum(), frame["projected"].sum()
    line = _("backtest #{id} 2015→2023, {units} units, {draws} draws: MAPE {mape}%, country {country}%; inside 80%: "
             "{in80}/{units} ({share80}%), inside 95%: {in95}/{units} ({share95}%)", id=run_id, units=frame.height,
             draws=draws, mape=format_number(frame["error_pct"].abs().mean(), 1),
             country=("+" if proj > actual else "") + format_number(100 * (proj / actual - 1), 1),
             in80=int(frame["in80"].sum()), share80=format_number(100 * frame["in80"].mean(), 0),
             in95=int(frame["in95"].sum()), share95=format_number(100 * frame["in95"].mean(), 0))
    emit(frame, fmt, title=_("Backtest 2015→2023"))
    typer.echo(line, err=fmt is not Format.table)


@sub.command("pyramid", help=N_("Population pyramid (single ages, men left, women right) of a saved run, as a PNG "
                                "picture."))
def pyramid(
    out: Path = typer.Option(..., "--out", help=N_("PNG (the picture) or XLSX (its numbers) to write.")),
    region: Optional[str] = typer.Option(None, "--region", "-r",
                                         help=N_("KATO code or name (default: the country).")),
    year: Optional[int] = typer.Option(None, "--year", "-y", help=N_("1 January of this year (default: the run's "
                                                                     "last year).")),
    run_id: Optional[int] = typer.Option(None, "--run", help=N_("Run id (default: the latest).")),
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help=N_("The latest run of this scenario.")),
) -> None:
    from aimaq.demography.repository import find_run, load_population
    from aimaq.demography.service import NATIONAL_CODE, NATIONAL_NAME, pyramid_figure
    from aimaq.errors import AimaqError

    suffix = out.suffix.lower()
    if suffix not in (".png", ".xlsx"):  # never a PNG under another name
        raise AimaqError(_("--out {name}: a pyramid is written as a picture (.png) or as its numbers (.xlsx)",
                           name=out.name))
    con = _open_existing()
    try:
        run = find_run(con, run_id, scenario)
        code, name = resolve_region(con, region) if region else (NATIONAL_CODE, NATIONAL_NAME)
        year = year or run["to_year"]
        if not run["base_year"] <= year <= run["to_year"]:
            raise AimaqError(_("run #{id} covers {first}–{last}, not {year}", id=run["run_id"], first=run["base_year"],
                               last=run["to_year"], year=year))
        pop = load_population(con, run["run_id"], year)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        from aimaq.cli.output import write_file

        table = pyramid_numbers(pop, code, year)
        write_file(out, Format.xlsx, [(f"{name}, {year}", table, {
            "title": f"{name} ({code}), 1.01.{year}", "run_id": run["run_id"],
            "notes": [f"{run['scenario']}, {run['base_year']}–{run['to_year']}"]})])
    else:
        pyramid_figure(pop, code, year, out,
                       title=_("{name}, 1 January {year}\n(scenario {scenario}, forecast #{id})", name=name,
                               year=year, scenario=run["scenario"], id=run["run_id"]))
    typer.echo(_("{path}: pyramid of {name} ({code}), 1 January {year}, run #{id}", path=out, name=name, code=code,
                 year=year, id=run["run_id"]), err=True)
    sys.stdout.flush()


def pyramid_numbers(population: pl.DataFrame, code: str, year: int) -> pl.DataFrame:
    """The pyramid's numbers: age, men, women (persons on 1 January `year`; the country sums its regions)."""
    from aimaq.demography.service import NATIONAL_CODE

    frame = population.filter(pl.col("year") == year)
    if code != NATIONAL_CODE:
        frame = frame.filter(pl.col("region_code") == code)
    return (frame.group_by("age").agg(male=pl.col("population").filter(pl.col("sex") == "male").sum(),
                                      female=pl.col("population").filter(pl.col("sex") == "female").sum())
            .sort("age").with_columns(pl.col("age").cast(pl.Int32)))


def register(app: typer.Typer) -> None:
    app.add_typer(sub, name="forecast")
