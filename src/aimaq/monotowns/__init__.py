"""Monotowns (review sections 1.4 and 2.3): the registry (the 2023 list of 20, the 7 dropped, КПР), town-level
values (published or synthetic), classification by development potential (default spec, composite engine).

Service API: `load_monotowns(con)`, `list_monotowns(con)`, `build_synthetic_monotown_data(con, seed)`,
`classify_monotowns(con)`, `show_monotown(con, town=None)`. Pure: `aimaq.monotowns.synthetic.generate`,
`aimaq.monotowns.classify.classify`."""

from aimaq.monotowns.service import (
    build_synthetic_monotown_data,
    classify_monotowns,
    list_monotowns,
    load_monotowns,
    monotown_registry,
    show_monotown,
)
from aimaq.monotowns.spec import ClassificationSpec, load_classification

__all__ = ["ClassificationSpec", "build_synthetic_monotown_data", "classify_monotowns", "list_monotowns",
           "load_classification", "load_monotowns", "monotown_registry", "show_monotown"]
