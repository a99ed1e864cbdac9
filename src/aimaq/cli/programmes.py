"""`aimaq programmes ...`: programme KPIs plan vs fact and targets (rural concept, With a Diploma to the Village,
Auyl – El Besigi, border territories roadmap)."""

from __future__ import annotations

from typing import Optional

import typer

from aimaq.cli.output import Format, emit, format_option

FormatOpt = format_option()


def _con():
    from aimaq.settings import get_settings
    from aimaq.store.db import connect

    return connect(get_settings().db_path, read_only=True)


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Программы: КПЭ план/факт и целевые значения.", no_args_is_help=True)
    app.add_typer(sub, name="programmes")

    @sub.command("kpi")
    def kpi(
        programme: Optional[str] = typer.Option(None, "--programme", "-p",
                                                help="rural_concept, border_roadmap, diploma, auyl (or the name)"),
        fmt: Format = FormatOpt,
    ) -> None:
        """KPIs: plan, fact, target per indicator and year; achieved (fact vs plan by polarity) and gap."""
        from aimaq.programmes import programme_kpis

        con = _con()
        try:
            frame = programme_kpis(con, programme)
        finally:
            con.close()
        if fmt is Format.table:
            frame = frame.drop("programme_ru", "place")
        emit(frame, fmt, title="КПЭ программ: план, факт, цель")

    @sub.command("diploma")
    def diploma(
        by: str = typer.Option("region", "--by", help="region, sphere or year"),
        fmt: Format = FormatOpt,
    ) -> None:
        """«С дипломом в село»: получатели подъемного пособия 2019–2023, доли пересчитаны из численности."""
        from aimaq.programmes import diploma_summary

        con = _con()
        try:
            frame = diploma_summary(con, by)
        finally:
            con.close()
        emit(frame, fmt, title=f"С дипломом в село, 2019–2023 ({by})")

    @sub.command("auyl")
    def auyl(fmt: Format = FormatOpt) -> None:
        """«Ауыл – Ел бесігі»: проекты по сферам, итоги, финансирование на проект."""
        from aimaq.programmes import auyl_summary

        con = _con()
        try:
            frame = auyl_summary(con)
        finally:
            con.close()
        emit(frame, fmt, title="Ауыл – Ел бесігі")
