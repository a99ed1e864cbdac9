"""What the screen and XLSX show: code values through the catalogue (`aimaq.export.values.label_values`: each
distinct value labelled once, then the column mapped) and the screen's cell texts (`cli.output._cells`), on
1,000,000 rows — against the baselines measured in the same run: labelling every row with the same expression,
and a Python loop over the rows with a dict look-up."""

from __future__ import annotations

import numpy as np
import polars as pl
from bench_export import _time  # a sibling, imported like demo_data by the other benchmarks

ROWS = 1_000_000


def _frame() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.DataFrame({
        "level": rng.choice(["country", "region", "district", "okrug", "settlement"], ROWS),
        "kind": rng.choice(["oblast", "village", "city_oblast", "rural_okrug", "rural_district_centre"], ROWS),
        "what": rng.choice(["coverage 2023", "data 2023, spec 2024", "territories (valid today)"], ROWS),
        "population": rng.uniform(50, 2e7, ROWS),
    })



def main() -> None:
    from aimaq.cli.output import _cells
    from aimaq.export.values import VALUE_COLUMNS, _labelled, label_values
    from aimaq.i18n import _, use_language

    frame = _frame()
    codes = ["level", "kind", "what"]
    with use_language("ru"):
        ours, labelled = _time(label_values, frame)
        every_row, expected = _time(lambda f: f.with_columns(_labelled(c, VALUE_COLUMNS[c]) for c in codes), frame)
        assert labelled.select(codes).equals(expected.select(codes))

        def loop(f):
            maps = {c: {k: _(m) for k, m in VALUE_COLUMNS[c].items()} for c in ("level", "kind")}
            return [tuple(maps[c].get(v, v) for c, v in zip(("level", "kind"), row))
                    for row in f.select("level", "kind").iter_rows()]

        looped, _rows = _time(loop, frame)
        cells, texts = _time(_cells, frame["population"], "population")
        assert texts[0].replace("\u00a0", " ").count(" ") >= 1 and "," not in texts[0]
    print(f"label_values, {ROWS:,} rows × 3 code columns: {ours:.2f} s; every row through the expression "
          f"{every_row:.2f} s ({every_row / ours:.1f}×); Python loop over rows, 2 columns only {looped:.2f} s "
          f"({looped / ours:.1f}×)")
    print(f"screen cell texts of {ROWS:,} populations (`19 765 004`): {cells:.2f} s")


if __name__ == "__main__":
    main()
