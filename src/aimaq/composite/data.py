"""The labelled data a pipeline works on: rows are units (or unit-years for a panel), columns are indicators."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from aimaq.errors import SpecError, ValidationFailed
from aimaq.i18n import _

UNIT_COLUMNS = ("uCode", "unit_code")
YEAR_COLUMNS = ("Time", "year")


@dataclass(frozen=True)
class Data:
    """Indicator values `X` (rows x indicators) with their labels.

    units: unit code per row; icodes: indicator code per column; years: year per row or None;
    groups: grouping columns (e.g. EurAsia_group) per row; denoms: denominator columns per row.
    """

    units: np.ndarray
    icodes: tuple[str, ...]
    X: np.ndarray
    years: np.ndarray | None = None
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    denoms: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def is_panel(self) -> bool:
        return self.years is not None and len(np.unique(self.years)) > 1

    def with_values(self, X: np.ndarray, icodes=None) -> Data:
        return replace(self, X=X, icodes=tuple(icodes) if icodes is not None else self.icodes)

    def subset_rows(self, keep: np.ndarray) -> Data:
        return Data(
            units=self.units[keep],
            icodes=self.icodes,
            X=self.X[keep],
            years=None if self.years is None else self.years[keep],
            groups={k: v[keep] for k, v in self.groups.items()},
            denoms={k: v[keep] for k, v in self.denoms.items()},
        )

    def column(self, code: str) -> np.ndarray:
        return self.X[:, self.icodes.index(code)]

    def year_blocks(self, pooled: bool = False) -> list[np.ndarray]:
        """Row index arrays, one per year (one block for a cross-section or when pooled)."""
        if pooled or self.years is None:
            return [np.arange(len(self.units))]
        return [np.nonzero(self.years == y)[0] for y in np.unique(self.years)]

    def to_frame(self, with_year: bool | None = None) -> pl.DataFrame:
        """Wide frame: uCode, [Time], one column per indicator (COINr layout)."""
        cols: dict[str, object] = {"uCode": [str(u) for u in self.units]}
        if with_year or (with_year is None and self.is_panel):
            cols["Time"] = [int(y) for y in self.years]
        for j, c in enumerate(self.icodes):
            cols[c] = self.X[:, j].astype(float)
        frame = pl.DataFrame(cols)
        # NaN -> null so that CSV shows missing values as empty
        return frame.with_columns([pl.col(c).fill_nan(None) for c in self.icodes])


def _find(columns, names, what, required=True):
    for n in names:
        if n in columns:
            return n
    if required:
        raise ValidationFailed([_("data has no {what} column (expected one of {names})", what=what,
                                  names=", ".join(map(str, names)))])
    return None


def data_from_frame(frame: pl.DataFrame, indicators: list[str], groups: list[str] | None = None,
                    denominators: list[str] | None = None) -> Data:
    """Build `Data` from a wide frame (uCode + one column per indicator) or a long one (unit_code, indicator_code,
    value[, year][, group columns]). Indicators missing from the data are an error; extra columns are ignored."""
    groups = list(groups or [])
    denominators = [d for d in (denominators or []) if d]
    cols = frame.columns
    if "indicator_code" in cols and "value" in cols:
        ucol = _find(cols, UNIT_COLUMNS, "unit")
        ycol = _find(cols, YEAR_COLUMNS, "year", required=False)
        keys = [ucol] + ([ycol] if ycol else [])
        gframe = None
        present_groups = [g for g in groups if g in cols]
        if present_groups:
            gframe = frame.select(keys + present_groups).unique(subset=keys, keep="first")
        wide = frame.pivot(on="indicator_code", index=keys, values="value", aggregate_function="first")
        if gframe is not None:
            wide = wide.join(gframe, on=keys, how="left")
        frame, cols = wide, wide.columns
    ucol = _find(cols, UNIT_COLUMNS, "unit")
    ycol = _find(cols, YEAR_COLUMNS, "year", required=False)
    missing = [c for c in indicators if c not in cols]
    if missing:
        raise ValidationFailed([_("indicator «{code}» of the spec is not in the data", code=c) for c in missing])
    missing_g = [g for g in groups if g not in cols]
    if missing_g:
        raise ValidationFailed([_("group column «{column}» is not in the data", column=g) for g in missing_g])
    missing_d = [d for d in denominators if d not in cols]
    if missing_d:
        raise ValidationFailed([_("denominator «{column}» is not in the data", column=d) for d in missing_d])
    if ycol is not None:
        frame = frame.sort([ycol, ucol], maintain_order=True) if frame[ycol].n_unique() > 1 else frame
    units = np.array(frame[ucol].cast(pl.Utf8).to_list(), dtype=object)
    years = None
    if ycol is not None:
        years = np.array(frame[ycol].cast(pl.Int64).to_list())
    keys = list(zip(units, years)) if years is not None else list(units)
    if len(set(keys)) != len(keys):
        raise ValidationFailed([_("duplicate unit (and year) rows in the data")])

    def num(c):
        try:
            return frame[c].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy().astype(float)
        except Exception as exc:  # pragma: no cover - defensive
            raise ValidationFailed([_("column «{column}» is not numeric: {error}", column=c, error=exc)]) from exc

    X = np.column_stack([num(c) for c in indicators]) if indicators else np.zeros((len(units), 0))
    return Data(
        units=units,
        icodes=tuple(indicators),
        X=X,
        years=years,
        groups={g: np.array(frame[g].cast(pl.Utf8).to_list(), dtype=object) for g in groups},
        denoms={d: num(d) for d in dict.fromkeys(denominators)},
    )


def read_data(path: str | Path, indicators: list[str], groups=None, denominators=None) -> Data:
    """Read a CSV (wide or long, see `data_from_frame`)."""
    path = Path(path)
    if not path.exists():
        raise SpecError(_("data file not found: {path}", path=path))
    frame = pl.read_csv(path, null_values=["NA", ""], infer_schema_length=10000)
    return data_from_frame(frame, indicators, groups, denominators)
