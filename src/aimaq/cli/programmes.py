"""`aimaq programmes ...`: programme KPIs plan vs fact and targets (rural concept, With a Diploma to the Village,
Auyl – El Besigi, border territories roadmap)."""

from __future__ import annotations

from typing import Optional

import typer

from aimaq.cli.output import Format, emit, format_option
from aimaq.i18n import N_, _

FormatOpt = format_option()


def _con():
    from aimaq.store.db import connect

    return connect(read_only=True)


def _meta() -> dict:
    """The sheet «Источники и методика» of the programme tables: the KPI spec and the sources of its indicators."""
    from aimaq.cli.output import observation_sources
    from aimaq.programmes.spec import load_kpi_spec

    spec = load_kpi_spec()
    con = _con()
    try:
        meta = observation_sources(con, sorted({c for p in spec.programmes for c in p.indicators}))
    finally:
        con.close()
    meta["methodology"] = [f"{spec.name} {spec.version} (SHA-256 {spec.sha256[:16]}…)"]
    return meta


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help=N_("Programmes: KPIs, plan against fact, and targets."), no_args_is_help=True)
    app.add_typer(sub, name="programmes")

    @sub.command("kpi", help=N_("KPIs: plan, fact, target per indicator and year; achieved (fact against plan by "
                                "polarity) and gap."))
    def kpi(
        programme: Optional[str] = typer.Option(None, "--programme", "-p",
                                                help=N_("rural_concept, border_roadmap, diploma, auyl (or the "
                                                        "name).")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.programmes import programme_kpis

        con = _con()
        try:
            frame = programme_kpis(con, programme)
        finally:
            con.close()
        if fmt is Format.table:
            frame = frame.drop("programme_ru", "place")
        emit(frame, fmt, title=_("Programme KPIs: plan, fact, target"), meta=_meta())

    @sub.command("diploma", help=N_("«With a Diploma to the Village»: recipients of the relocation allowance "
                                    "2019–2023, shares recomputed from the counts."))
    def diploma(
        by: str = typer.Option("region", "--by", help=N_("region, sphere or year.")),
        fmt: Format = FormatOpt,
    ) -> None:
        from aimaq.programmes import diploma_summary

        con = _con()
        try:
            frame = diploma_summary(con, by.lower())
        finally:
            con.close()
        emit(frame, fmt, title=_("With a Diploma to the Village, 2019–2023 (by {by})", by=_(by.lower())), meta=_meta())

    @sub.command("auyl", help=N_("«Auyl – El Besigi»: projects by sphere, totals, funding per project."))
    def auyl(fmt: Format = FormatOpt) -> None:
        from aimaq.programmes import auyl_summary

        con = _con()
        try:
            frame = auyl_summary(con)
        finally:
            con.close()
        emit(frame, fmt, title=_("Auyl – El Besigi"), meta=_meta())
