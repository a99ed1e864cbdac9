"""Generic composite-indicator engine (COINr-compatible), public API.

An index is an `IndexSpec` (YAML): an indicator tree of any depth (indicators -> factors -> ... -> one root), each
node with a weight, each indicator with direction, unit, optional target / goalposts / denominator and per-node
overrides of the pipeline steps, plus the ordered pipeline. See docs/composite.md for the YAML format.

Build and query::

    from aimaq.composite import IndexSpec, CompositeIndex, data_from_frame, load_spec, read_data

    spec = load_spec("src/aimaq/specs/composite/asem/v1.yaml")       # or IndexSpec.from_dict({...})
    data = read_data("ASEM_iData.csv", spec.indicators, spec.groups, ["Area", "GDP", "Population", "Energy"])
    ix = CompositeIndex.build(spec, data)                             # runs spec.pipeline
    ix.results()                     # polars: uCode, [Time], <root>, Rank (1 = best, ties share the best rank)
    ix.stage("Normalised")           # polars: uCode + one column per indicator (COINr layout)
    ix.scores("Physical")            # numpy values of any node
    ix.with_weights({"Conn": 2})     # user's weights at query time: only aggregation is redone
    ix.regenerate(edits={"treat": {"winmax": 3}})  # replay from the edited step
    CompositeIndex.from_log(ix.to_log(), data).equals(ix)             # a result regenerates from its log

Steps (sklearn-style: params unchanged in __init__, fit() sets attributes ending in _, transform returns Data):
`Denominate`, `Impute`, `Screen`, `Treat`, `Transform`, `Normalise`, `Aggregate`; kernels in `aimaq.composite.kernels`.

Audit: `aimaq.composite.audit` (indicator_stats, availability, correlations, factor_consistency (Cronbach's alpha,
PCA), effective_weights, leave_one_out, audit); `run_audit(ix)` = audit.audit.

Uncertainty / sensitivity: `run_uncertainty(ix, inputs, n, sampling="random"|"sobol", sensitivity=False, seed=1,
respondents=None)` -> `UncertaintyResult` (scores, ranks (draws x units), rank_stats(), sensitivity,
sensitivity_units). Vectorised over draws; a failed replication raises ComputationError.

Errors: SpecError for a bad spec or parameter, ComputationError where no trustworthy number exists (constant or
empty indicator under min-max/z-score, zeros under a geometric mean, a unit with no data left, a failed draw).
"""

from aimaq.composite.audit import audit as run_audit
from aimaq.composite.audit import (
    availability,
    correlations,
    effective_weights,
    factor_consistency,
    indicator_stats,
    leave_one_out,
)
from aimaq.composite.data import Data, data_from_frame, read_data
from aimaq.composite.index import CompositeIndex, StepRecord, fingerprint
from aimaq.composite.spec import IndexSpec, Node, load_spec
from aimaq.composite.steps import (
    Aggregate,
    Denominate,
    Impute,
    Normalise,
    Screen,
    Transform,
    Treat,
    ahp_for_spec,
    make_step,
    pca_weights,
)
from aimaq.composite.uncertainty import UncertainInput, UncertaintyResult, replicate_draw, run_uncertainty

__all__ = [
    "Aggregate", "CompositeIndex", "Data", "Denominate", "Impute", "IndexSpec", "Node", "Normalise", "Screen",
    "StepRecord", "Transform", "Treat", "ahp_for_spec", "UncertainInput", "UncertaintyResult", "availability", "correlations",
    "data_from_frame", "effective_weights", "factor_consistency", "fingerprint", "indicator_stats", "leave_one_out",
    "load_spec", "make_step", "pca_weights", "read_data", "replicate_draw", "run_audit", "run_uncertainty",
]
