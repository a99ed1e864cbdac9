"""Code values → words people read, in the user's language (the message catalogue, domain `output`), and the kind
of number each column holds.

CSV and JSON keep the code values (`region`, `high`, `medium`) as a contract for other tools; the table on the
screen and the XLSX sheet show them through `label_values`. There is one map per kind of value (level, territory
kind, potential, scenario, …) and `VALUE_COLUMNS` says which column codes hold which kind. A value without an entry
is shown as stored, so new data never disappears — add its label here and in output.po."""

from __future__ import annotations

import re

import polars as pl

from aimaq.i18n import N_, _
from aimaq.report.labels import _LABELS as STORED_LABELS
from aimaq.review.flag_notes import FLAG_NOTES

LEVEL = {"country": N_("country"), "region": N_("region"), "district": N_("district"), "okrug": N_("rural okrug"),
         "settlement": N_("populated place")}
TERRITORY_KIND = {
    "country": N_("country"), "oblast": N_("oblast"), "city_republican": N_("city of republican significance"),
    "city_area": N_("district of a city"), "city_oblast": N_("city of oblast significance"),
    "district": N_("district"), "rural_okrug": N_("rural okrug"), "city_district": N_("town of district significance"),
    "rural_district_centre": N_("centre of a rural okrug"), "village": N_("village"),
    # reforms (territory events)
    "split": N_("split"), "merge": N_("merger"), "rename": N_("renaming"), "status_change": N_("change of status"),
    "centre_move": N_("centre moved"),
    # indicators
    "observed": N_("observed"), "target": N_("target"), "forecast": N_("forecast"),
}
POTENTIAL = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
SCENARIO = {"medium": N_("medium"), "high": N_("high fertility"), "low": N_("low fertility"),
            "zero_migration": N_("no migration"), "no_international": N_("no international migration")}
ROLE = {"support": N_("support village"), "satellite": N_("satellite village"), "other": N_("other village"),
        "plan": N_("plan"), "fact": N_("fact"),
        "viewer": N_("viewer"), "akimat": N_("akimat"), "analyst": N_("analyst"), "ministry": N_("ministry"),
        "admin": N_("administrator")}
GROUP = {"all": N_("all settlements"), "cities": N_("cities"), "villages": N_("villages")}
AREA = {"total": N_("whole population"), "urban": N_("urban population"), "rural": N_("rural population")}
DIRECTION = {"education": N_("education"), "health": N_("health care"), "social": N_("social services"),
             "culture_sport": N_("culture and sport"), "leisure": N_("leisure"), "engineering": N_("utilities"),
             "roads": N_("roads"), "transport": N_("transport"), "infocom": N_("communications"),
             "consumer": N_("consumer services"), "safety_env": N_("safety and environment"),
             "services": N_("public services")}
# facility types of the standards' catalogue and inventories
FACILITY = {"school": N_("school"), "kindergarten": N_("kindergarten"), "medical_point": N_("medical post"),
            "pharmacy": N_("pharmacy"), "ambulance_station": N_("ambulance substation"),
            "public_service_centre": N_("public service centre"), "culture_house": N_("house of culture"),
            "sports_ground": N_("sports ground"), "playground": N_("playground"),
            "recreation_area": N_("recreation area"), "bus_shelter": N_("bus shelter"),
            "police_post": N_("police post"), "fire_post": N_("fire post"), "vet_point": N_("veterinary post"),
            "post_office": N_("post office"), "food_shop": N_("food shop"),
            "consumer_services": N_("consumer services point"), "atm": N_("cash machine"),
            "cemetery": N_("cemetery"), "extracurricular_centre": N_("extracurricular centre"),
            "outpatient_clinic": N_("outpatient clinic"), "social_care_unit": N_("social care unit"),
            "library": N_("library"), "sports_hall": N_("sports hall"), "bus_station": N_("bus station"),
            "fire_station": N_("fire station"), "wifi_hotspot": N_("Wi-Fi hotspot"),
            "bank_branch": N_("bank branch"), "college": N_("college"), "hospital": N_("hospital"),
            "ambulance_base": N_("ambulance station"), "employment_centre": N_("employment centre"),
            "stadium": N_("stadium"), "park": N_("park"), "bus_terminal": N_("bus terminal"),
            "police_department": N_("police department"), "hotel": N_("hotel"), "university": N_("university"),
            "perinatal_centre": N_("perinatal centre"), "theatre": N_("theatre"),
            "swimming_pool": N_("swimming pool"), "airport_or_rail": N_("airport or railway station"),
            "business_centre": N_("business support centre")}
RULE = {"present": N_("present in the settlement"), "within_km": N_("within a distance"),
        "service_level": N_("service level")}
UNIT = {"pct": "%", "pct_change": N_("% change"), "persons": N_("persons"), "thousand_persons": N_("thousand persons"),
        "million_persons": N_("million persons"), "persons_balance": N_("persons (balance)"), "bn_kzt": N_("bn tenge"),
        "mln_kzt": N_("mln tenge"), "trn_kzt": N_("trn tenge"), "km": N_("km"), "mrp": N_("MCI"),
        "points": N_("points"), "rank": N_("place"), "thousand_units": N_("thousand units"), "times": N_("times"),
        "units": N_("units"), "years": N_("years"), "children_per_woman": N_("children per woman")}
DOMAIN = {"agglomeration": N_("agglomerations"), "demography": N_("demography"),
          "diploma": N_("With a Diploma to the Village"),
          "monotowns": N_("monotowns"), "qol": N_("quality of life"), "rural": N_("rural development"),
          "standards": N_("regional standards"), "territory": N_("territory")}
GRANULARITY = {"year": N_("yearly"), "quarter": N_("quarterly"), "month": N_("monthly"), "date": N_("on a date")}
JOB = {"rating": N_("quality-of-life rating"), "standards": N_("regional standards coverage"),
       "villages": N_("villages with potential"), "forecast": N_("population forecast"),
       "monotowns": N_("monotown classification")}
# `what` of a run ("coverage 2023", "forecast medium 2023→2035") and the rows of `aimaq info`
WHAT = {"year": N_("calendar year"), "coverage": N_("coverage"), "synthetic_inventory": N_("synthetic inventory"),
        "backtest methods": N_("backtest of methods"), "forecast": N_("forecast"), "data": N_("data"),
        "spec": N_("methodology"), **SCENARIO,
        "territories (valid today)": N_("territories (valid today)"),
        "territories (all versions)": N_("territories (all versions)"), "reform events": N_("reforms"),
        "indicators": N_("indicators"), "sources": N_("sources"),
        "observations (latest revisions)": N_("observations (latest revisions)"),
        "observations (all revisions)": N_("observations (all revisions)"),
        "observations flagged as inconsistent": N_("observations flagged as inconsistent"),
        "imports": N_("imports"), "observations": N_("observations"), "territories": N_("territories")}
METHOD = {"aimaq": "Aimaq", "constant_growth": N_("constant growth"), "linear_trend": N_("linear trend"),
          "constant_share": N_("constant share"), "exact": N_("exact (integer program)"), "greedy": N_("greedy")}
PROGRAMME = {"rural_concept": N_("rural development concept"), "border_roadmap": N_("border territories roadmap"),
             "diploma": N_("With a Diploma to the Village"), "auyl": N_("Auyl – El Besigi")}
STATUS = {"pending": N_("pending"), "approved": N_("approved"), "rejected": N_("rejected")}
SOURCE = {"published": N_("published"), "computed": N_("computed by Aimaq")}
FLAG = {note: note for note in FLAG_NOTES}
# labels the database stores in Russian (spheres, specialisations): the report's map, Russian text → message
STORED_RUSSIAN = STORED_LABELS

# column code → the kind of its values
VALUE_COLUMNS: dict[str, dict[str, str]] = {
    "level": LEVEL, "territory_level": LEVEL, "kind": TERRITORY_KIND, "potential": POTENTIAL, "scenario": SCENARIO,
    "role": ROLE, "group": GROUP, "area": AREA, "direction": DIRECTION, "rule": RULE, "facility": FACILITY,
    "unit": UNIT,
    "domain": DOMAIN, "granularity": GRANULARITY, "job": JOB, "what": WHAT, "method": METHOD,
    "programme": PROGRAMME, "status": STATUS, "source": SOURCE, "flag": FLAG, "old_flag": FLAG,
    "sphere": STORED_RUSSIAN, "specialisation_group": STORED_RUSSIAN, "specialisation_subtype": STORED_RUSSIAN,
}

# columns of free text made of code words and numbers («coverage 2023», «data 2023, spec 2024»): each known word
# is replaced (in one pass, longest first)
FREE_TEXT = {"what"}


def _labelled(column: str, mapping: dict[str, str]) -> pl.Expr:
    """One column's codes as labels: a whole value, or values joined by | («year|month»); anything else as
    stored."""
    labels = {code: _(msg) for code, msg in mapping.items()}
    col = pl.col(column)
    if column in FREE_TEXT:
        words = sorted(labels, key=len, reverse=True)
        return (pl.when(col.is_in(list(labels))).then(col.replace(labels))
                .otherwise(col.str.replace_many(words, [labels[w] for w in words])).alias(column))
    parts = col.str.split("|").list.eval(pl.element().replace(labels)).list.join("|")
    return (pl.when(col.is_in(list(labels))).then(col.replace(labels))
            .when(col.str.contains("|", literal=True)).then(parts)
            .otherwise(col).alias(column))


def label_values(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every code column (VALUE_COLUMNS) shown in the current language."""
    columns = [c for c, dtype in frame.schema.items() if c in VALUE_COLUMNS and dtype == pl.String]
    if not columns:
        return frame
    replaced = []
    for c in columns:  # label each distinct value once, then map the column (a million rows: ~0.1 s)
        distinct = frame.select(pl.col(c).unique().drop_nulls())
        pairs = distinct.with_columns(_labelled(c, VALUE_COLUMNS[c]).alias("label"))
        replaced.append(pl.col(c).replace(pairs[c], pairs["label"]))
    return frame.with_columns(replaced)


def value_label(column: str, code: str) -> str:
    """One code of a column as the user reads it (e.g. in a title: scenario `medium` → «средний»)."""
    message = VALUE_COLUMNS.get(column, {}).get(code)
    return _(message) if message else code


def known_codes() -> set[str]:
    """Every code value that has a label (the sweep test's list of words that must not reach a screen)."""
    free_text = (FLAG, STORED_RUSSIAN)  # sentences and Russian words, not codes
    return {code for mapping in VALUE_COLUMNS.values() if mapping not in free_text for code in mapping}


# --- the kind of number a column holds (screen and XLSX) ---------------------------------------------------------

# whole numbers even when stored as floats (a forecast's population, a backtest's actual)
_COUNT = re.compile(r"^(population|lower80|upper80|lower95|upper95|actual|projected|count|total|territories|"
                    r"villages|projects|settlements)($|_(?!pct|share|pp))|^n_|_count$|_persons$")
# percentages: one decimal, the unit in the heading
_PERCENT = re.compile(r"(^|_)pct($|_)")
# shares stored as fractions 0–1: shown as percentages
FRACTIONS = {"urban_share"}
# hashes: a prefix on the screen, the whole in files
HASHES = {"spec_sha256", "sha256", "content_digest"}


def number_kind(code: str) -> str | None:
    """'percent', 'fraction', 'count' or None (decimals as the values need them)."""
    if code in FRACTIONS:
        return "fraction"
    if _PERCENT.search(code):
        return "percent"
    if _COUNT.search(code):
        return "count"
    return None
