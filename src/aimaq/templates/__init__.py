"""Collection templates: an XLSX for each job's inputs that people fill in and import with no edits.

`aimaq template NAME --out FILE.xlsx [--year Y]` writes an instruction sheet, the data sheet (the header the
matching import command reads, drop-down lists on its columns) and the lists themselves (territories valid in the
period, indicators with their units, …). Sheets of notes start with «#» in A1, which the importer skips."""

from aimaq.templates.spec import TEMPLATES, Column, Template

__all__ = ["TEMPLATES", "Column", "Template"]
