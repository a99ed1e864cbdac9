"""Honest flags: rows resting on synthetic data say synthetic = true in CSV, JSON, XLSX and the API; figures that
agree with the review only because the synthetic inputs were fitted to it say so in words."""

from __future__ import annotations

import io
import json

import openpyxl
import polars as pl

FITTED = "совпадает по построению: синтетические данные подогнаны к обзору"


def _csv(result) -> pl.DataFrame:
    assert result.exit_code == 0, result.output
    return pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)


def test_monotowns_and_villages_classify_keep_the_flag(run_cli, tmp_path):
    towns = _csv(run_cli("monotowns", "classify", "-f", "csv"))
    assert towns.height == 20 and towns["synthetic"].all()
    villages = json.loads(run_cli("villages", "classify", "-f", "json").stdout)
    assert villages and all(row["synthetic"] is True for row in villages)
    out = tmp_path / "towns.xlsx"
    assert run_cli("monotowns", "classify", "--out", out).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    column = [c.value for c in sheet[1]].index("Синтетические данные")
    assert {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"да"}


def test_budget_plan_keeps_the_flag(run_cli):
    args = ("standards", "plan", "--budget", 500_000_000, "--year", 2023, "--region", "Улытау", "--time-limit", 5)
    summary = _csv(run_cli(*args, "-f", "csv"))
    assert summary["method"].to_list() == ["ilp", "greedy"] and summary["synthetic"].all()
    projects = _csv(run_cli(*args, "--projects", "-f", "csv"))
    assert projects.height > 0 and projects["synthetic"].all()


def test_the_44_risk_map_items_say_their_quadrant_agrees_by_construction(run_cli):
    rows = json.loads(run_cli("rating", "riskmap", "--year", 2024, "-f", "json").stdout)
    published = [r for r in rows if r["published_quadrant"] is not None]
    assert len(published) == 44
    for row in published:
        assert row["synthetic"] is True
        assert (row["agreement_note"] == FITTED) == (row["quadrant"] == row["published_quadrant"])


def test_computed_rating_and_regional_coverage_say_it_in_words(run_cli):
    computed = _csv(run_cli("rating", "show", "--year", 2024, "--source", "computed", "-f", "csv"))
    assert (computed["agreement_note"] == FITTED).all()
    published = _csv(run_cli("rating", "show", "--year", 2024, "-f", "csv"))
    assert published["agreement_note"].null_count() == published.height  # the review's own figures
    coverage = _csv(run_cli("standards", "coverage", "--year", 2023, "--level", "region", "-f", "csv"))
    assert coverage.height == 20 and (coverage["agreement_note"] == FITTED).all()
    table = run_cli("standards", "coverage", "--year", 2023, "--level", "region")
    assert FITTED in table.stdout  # under the table, once


def test_api_payloads_carry_the_flag_and_the_words(demo_db):
    from fastapi.testclient import TestClient

    from aimaq.web import create_app

    with TestClient(create_app(demo_db)) as client:
        rating = client.get("/api/rating/2024?source=computed").json()
        assert rating["synthetic"] is True and rating["rows"][0]["agreement_note"] == FITTED
        villages = client.get("/api/villages").json()
        assert villages["synthetic"] is True and villages["rows"][0]["agreement_note"] == FITTED
