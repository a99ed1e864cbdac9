"""Column code → heading people read, in the user's language (the message catalogue, domain `output`).

CSV and JSON keep the codes; tables on the screen and XLSX sheets show these headings. A code without an entry
is shown as it is, so a new column never disappears — add its heading here and in output.po."""

from __future__ import annotations

import re

from aimaq.i18n import N_, _

HEADINGS: dict[str, str] = {
    # territory and registry
    "kato": N_("KATO code"), "territory_code": N_("KATO code"), "region_code": N_("Region code"),
    "region_kato": N_("Region (KATO)"), "district_kato": N_("District (KATO)"), "okrug_kato": N_("Rural okrug (KATO)"),
    "parent_kato": N_("Parent unit (KATO)"), "anchor_kato": N_("Nearest support place (KATO)"),
    "name": N_("Name"), "name_ru": N_("Name"), "name_kk": N_("Name (Kazakh)"), "name_en": N_("Name (English)"),
    "territory": N_("Territory"), "region": N_("Region"), "district": N_("District"), "city": N_("City"),
    "town": N_("Town"), "settlement": N_("Settlement"), "level": N_("Level"), "kind": N_("Kind"),
    "valid_from": N_("Valid from"), "valid_to": N_("Valid to"), "lat": N_("Latitude"), "lon": N_("Longitude"),
    "population": N_("Population"), "population_2019": N_("Population 2019"),
    "population_prior": N_("Population (earlier)"), "date": N_("Date"),
    "codes_before": N_("Codes before"), "codes_after": N_("Codes after"), "description_ru": N_("Description"),
    # observations and catalogue
    "indicator": N_("Indicator"), "indicator_ru": N_("Indicator"), "indicator_code": N_("Indicator code"),
    "unit": N_("Unit"), "period": N_("Period"), "year": N_("Year"), "value": N_("Value"),
    "breakdown": N_("Breakdown"), "source": N_("Source"), "place": N_("Place in the source"), "flag": N_("Flag"),
    "note": N_("Note"), "notes": N_("Notes"), "revision": N_("Revision"), "import_id": N_("Import"),
    "polarity": N_("Polarity"), "domain": N_("Domain"), "description": N_("Description"),
    "observations": N_("Observations"), "synthetic": N_("Synthetic data"), "section": N_("Section"),
    "what": N_("What"), "count": N_("Count"), "total": N_("Total"), "territories": N_("Territories"),
    "share_synthetic_pct": N_("Synthetic, %"), "action": N_("Action"), "old_value": N_("Previous value"),
    "old_revision": N_("Previous revision"), "old_flag": N_("Previous flag"),
    "agreement_note": N_("Agreement with the review"),
    # runs and provenance
    "job": N_("Job"), "run_id": N_("Run"), "spec": N_("Methodology"), "spec_name": N_("Methodology"),
    "spec_version": N_("Methodology version"), "spec_sha256": N_("Methodology SHA-256"),
    "code_version": N_("Program version"), "computed_at": N_("Computed at"),
    # rating
    "rank": N_("Rank"), "score": N_("Score"), "previous": N_("Previous score"),
    "previous_rescored": N_("Previous score, new methodology"), "change_points": N_("Change, points"),
    "change_pct": N_("Change, %"), "total_change": N_("Total change"), "data_effect": N_("Data effect"),
    "method_effect": N_("Methodology effect"), "published_rank": N_("Published rank"),
    "rank_mean": N_("Mean rank"), "rank_median": N_("Median rank"), "rank_q5": N_("Rank, 5th percentile"),
    "rank_q95": N_("Rank, 95th percentile"), "score_q5": N_("Score, 5th percentile"),
    "score_q95": N_("Score, 95th percentile"), "item": N_("Item"), "mean": N_("Mean"), "quadrant": N_("Quadrant"),
    "quadrant_name": N_("Quadrant name"), "published_quadrant": N_("Published quadrant"),
    "n_cities": N_("Cities"), "n_resp": N_("Respondents"), "measure": N_("Measure"),
    "respondent_id": N_("Respondent"), "weight": N_("Weight"), "answer": N_("Answer (0–10)"),
    # standards
    "coverage_pct": N_("Coverage, %"), "coverage_pct_popweighted": N_("Coverage weighted by population, %"),
    "change_pp": N_("Change, percentage points"), "anomaly": N_("Anomaly"), "n_settlements": N_("Settlements"),
    "direction": N_("Direction"), "category": N_("Category"), "facility": N_("Facility"),
    "nearest_kato": N_("Nearest place with it (KATO)"), "nearest_name": N_("Nearest place with it"),
    "distance_km": N_("Distance, km"), "km": N_("Distance, km"), "from_kato": N_("From (KATO)"),
    "to_kato": N_("To (KATO)"), "capacity": N_("Capacity"), "wear_pct": N_("Wear, %"),
    "condition": N_("Condition"), "year_built": N_("Year built"), "method": N_("Method"),
    "objective": N_("Objective"), "n_projects": N_("Projects"), "cost_mln": N_("Cost, million tenge"),
    "gain": N_("Gain"), "gain_alone": N_("Gain on its own"), "gain_per_bn_tenge": N_("Gain per billion tenge"),
    "status": N_("Status"), "mip_gap": N_("Optimality gap"), "code": N_("Code"), "mandatory": N_("Mandatory"),
    "categories": N_("Categories"), "rule": N_("Rule"), "threshold": N_("Threshold"),
    "min_population": N_("Minimum population"), "cost_fixed_mln": N_("Fixed cost, million tenge"),
    "target_pct": N_("Target, %"), "achieved_pct": N_("Achieved, %"),
    # villages and monotowns
    "role": N_("Role"), "potential": N_("Potential"), "with_potential": N_("With potential"),
    "anchor_km": N_("Distance to the support place, km"), "villages": N_("Villages"), "support": N_("Support"),
    "satellite": N_("Satellite"), "other": N_("Other"), "high": N_("High"), "medium": N_("Medium"),
    "low": N_("Low"), "with_potential_pct": N_("With potential, %"),
    "population_share_with_potential_pct": N_("Population share with potential, %"),
    "population_change_with_potential": N_("Population change with potential"),
    "population_change_with_potential_pct": N_("Population change with potential, %"),
    "specialisation_group": N_("Specialisation"), "specialisation_subtype": N_("Specialisation subtype"),
    "in_list_2023": N_("In the 2023 list"), "reason_dropped": N_("Reason dropped"),
    "kpr": N_("Comprehensive development plan"), "published": N_("Published"),
    # programmes (the rest of their columns: below, with the catalogue's)
    "programme": N_("Programme"), "kpi": N_("Indicator"), "plan": N_("Plan"), "fact": N_("Fact"),
    "target": N_("Target"), "sphere": N_("Sphere"),
    # forecast
    "scenario": N_("Scenario"), "area": N_("Area"), "sex": N_("Sex"), "age": N_("Age"),
    "lower80": N_("Lower bound 80%"), "upper80": N_("Upper bound 80%"), "lower95": N_("Lower bound 95%"),
    "upper95": N_("Upper bound 95%"), "urban_share": N_("Urban share"), "urban_share_%": N_("Urban share, %"),
    "male": N_("Men"), "female": N_("Women"), "actual": N_("Actual"), "projected": N_("Projected"),
    "error_pct": N_("Error, %"), "in80": N_("Inside 80%"), "in95": N_("Inside 95%"),
    "review": N_("Review"), "review_upper": N_("Review, upper bound"), "figure": N_("Figure"),
    "basis": N_("What it rests on"), "aimaq": N_("Aimaq"), "difference": N_("Difference"), "why": N_("Why"),
    "label": N_("Measure"), "draws": N_("Draws"),
    "origin": N_("Forecast origin"), "horizon": N_("Horizon, years"), "unit_code": N_("Unit code"),
    "urban_share_assumption": N_("Urban share assumed"),
    # rating factors
    "qol": N_("Overall score"), "econ": N_("Economy"), "human": N_("Human capital"), "infra": N_("Infrastructure"),
    "eco": N_("Environment"),
    # catalogue and registry
    "min_value": N_("Smallest plausible value"), "max_value": N_("Largest plausible value"),
    "granularity": N_("Periods"), "territory_level": N_("Level"), "mentions": N_("Mentioned with"),
    "group": N_("Group"), "nearest_name_ru": N_("Nearest place with it"), "nearest_km": N_("Distance, km"),
    # programmes
    "programme_ru": N_("Programme"), "dimension": N_("Breakdown"), "achieved": N_("Achieved"), "gap": N_("Gap"),
    "gap_to_target": N_("Gap to the target"), "projects": N_("Projects"),
    "published_projects": N_("Projects (published)"),
    "financing_bn_kzt": N_("Financing, bn tenge"), "settlements": N_("Settlements"),
    "mln_kzt_per_project": N_("Per project, mln tenge"), "published_total": N_("Total (published)"),
    "total_check": N_("Total agrees"), "share_pct": N_("Share, %"), "published_share_pct": N_("Share (published), %"),
    "diff_pp": N_("Difference, percentage points"),
    # uploads and the audit log
    "batch": N_("Batch"), "file": N_("File"), "loaded_by": N_("Loaded by"), "loaded_at": N_("Loaded at"),
    "rows_added": N_("Rows added"), "rows_revised": N_("Rows revised"), "rows_unchanged": N_("Rows unchanged"),
    "rows_pending": N_("Rows pending"), "decided_by": N_("Decided by"), "decided_at": N_("Decided at"),
    "reason": N_("Reason"), "audit_id": N_("Entry"), "happened_at": N_("When"), "user_name": N_("User"),
    "object": N_("Object"), "ip": N_("IP address"), "new_value": N_("New value"),
}

# integers that are codes or years: no thousands separator (2024, not 2 024)
_CODE_LIKE = re.compile(r"(^|_)(year|period|rank|id|revision|kato|code|quadrant|age|draws|origin|horizon)($|_)"
                        r"|^rank_|_year$")


def heading(code: str) -> str:
    """The heading of a column code in the current language (the code itself when there is none)."""
    message = HEADINGS.get(code)
    return _(message) if message else code


def is_code_like(code: str) -> bool:
    return bool(_CODE_LIKE.search(code)) and not code.startswith("rank_mean")
