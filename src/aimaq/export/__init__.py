"""Result tables as files people open: CSV (plain or for a Russian-locale Excel), JSON and XLSX with Russian
headings and a sheet of sources and methodology. Shared by the command line, the web API and the templates."""

from aimaq.export.writers import csv_text, json_text, localise_headings, xlsx_bytes

__all__ = ["csv_text", "json_text", "localise_headings", "xlsx_bytes"]
