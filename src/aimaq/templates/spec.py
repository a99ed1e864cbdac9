"""What each collection template holds: its columns (the header the import reads), which list feeds each
column's drop-down, and the command that imports it. Pure data; the lists come from the database (service)."""

from __future__ import annotations

from dataclasses import dataclass

from aimaq.i18n import N_


@dataclass(frozen=True)
class Column:
    header: str                 # exactly what the import command reads
    what: str                   # message: what to write in it
    choices: str | None = None  # the list (on the lists sheet) its drop-down offers
    kind: str = "text"          # text | number | whole | year | answer (0–10)
    required: bool = True


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    purpose: str
    command: str                # how to import the filled file; {file} and {year} are filled in
    columns: tuple[Column, ...]
    import_note: str = ""


def _long(territories: str, indicators: str, *, breakdown: bool = False) -> tuple[Column, ...]:
    """The importer's long layout (one value a row) with Russian headers it reads."""
    columns = (
        Column("территория", N_("KATO code or name of the territory, from the list"), territories),
        Column("показатель", N_("indicator code, from the list (its name and unit are on the lists sheet)"),
               indicators),
        Column("период", N_("year, e.g. 2024"), kind="year"),
        Column("значение", N_("the number in the indicator's unit; «н/д» where there is none"), kind="number"),
    )
    if breakdown:
        columns += (Column("разрез", N_("key=value;key=value, e.g. programme=С дипломом в село;kind=fact"),
                           required=False),)
    return columns


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("rating", N_("Statistical indicators of the city quality-of-life rating"),
             N_("One value a row: a city, an indicator of the rating, a year."),
             "aimaq import {file}", _long("cities", "indicators")),
    Template("survey", N_("Survey of residents for the city quality-of-life rating"),
             N_("One row per respondent: the survey year, a respondent number, the city, the respondent's weight "
                "and an answer from 0 to 10 to each item (empty: «hard to say»)."),
             "aimaq rating import-survey {file}",
             (Column("year", N_("survey year"), kind="year"),
              Column("respondent_id", N_("respondent number, unique within the year"), kind="whole"),
              Column("city", N_("KATO code of the city, from the list"), "cities"),
              Column("weight", N_("the respondent's weight in the sample (greater than 0)"), kind="number"))),
    Template("facilities", N_("Inventory of facilities in settlements"),
             N_("One facility a row: the settlement, the facility type of the regional-standards catalogue, its "
                "position and, where known, capacity, wear and year built."),
             "aimaq standards import-facilities {file} --year {year}",
             (Column("kato", N_("KATO code of the settlement, from the list"), "settlements"),
              Column("facility", N_("facility type, from the list"), "facilities"),
              Column("lat", N_("latitude, degrees (40–56)"), kind="number"),
              Column("lon", N_("longitude, degrees (46–88)"), kind="number"),
              Column("name", N_("name of the facility"), required=False),
              Column("capacity", N_("capacity (places, beds, …)"), kind="number", required=False),
              Column("wear_pct", N_("wear, % (0–100)"), kind="number", required=False),
              Column("condition", N_("condition: good, satisfactory or emergency"), "conditions", required=False),
              Column("year_built", N_("year built"), kind="year", required=False))),
    Template("roads", N_("Road network between settlements"),
             N_("One road section a row: the two settlements it joins and its length by road, km."),
             "aimaq standards import-roads {file}",
             (Column("from_kato", N_("KATO code of one end, from the list"), "settlements"),
              Column("to_kato", N_("KATO code of the other end, from the list"), "settlements"),
              Column("km", N_("length by road, km (greater than 0)"), kind="number"))),
    Template("villages", N_("Villages: population and service levels"),
             N_("One value a row: a settlement, an indicator of the village-potential criteria, a year."),
             "aimaq import {file}", _long("settlements", "indicators")),
    Template("monotowns", N_("Monotowns: indicators of development potential"),
             N_("One value a row: a monotown of the list, an indicator of the classification, a year."),
             "aimaq monotowns import {file}", _long("towns", "indicators")),
    Template("programmes", N_("Programme indicators: plan, fact and target"),
             N_("One value a row: a territory, an indicator of a programme, a year and, in «разрез», which "
                "programme and whether the value is a plan, a fact or a target."),
             "aimaq import {file}", _long("territories", "indicators", breakdown=True)),
)}
