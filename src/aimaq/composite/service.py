"""I/O around the engine: read spec + data, build, write stage CSVs, results, the methodology log, UA outputs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

from aimaq.composite import audit as audit_mod
from aimaq.composite.coinr import asem_dir, asem_spec_path
from aimaq.composite.data import Data, read_data
from aimaq.composite.index import CompositeIndex, fingerprint
from aimaq.composite.spec import IndexSpec, load_spec
from aimaq.composite.uncertainty import UncertaintyResult, run_uncertainty
from aimaq.errors import SpecError
from aimaq.i18n import _

STAGES = ("Denominated", "Imputed", "Screened", "Treated", "Transformed", "Normalised", "Aggregated")


def load_data_for(spec: IndexSpec, path: str | Path) -> Data:
    dens = sorted({n.denominator for n in spec.nodes.values() if n.denominator})
    return read_data(path, spec.indicators, spec.groups, dens)


def build_index(spec_path: str | Path, data_path: str | Path) -> CompositeIndex:
    spec = load_spec(spec_path)
    data = load_data_for(spec, data_path)
    ix = CompositeIndex.build(spec, data)
    ix.data_source = {"path": str(data_path), "sha256": fingerprint(data)}
    return ix


def write_outputs(ix: CompositeIndex, out: str | Path, with_audit: bool = False) -> list[Path]:
    """DIR/<Stage>.csv for every stage computed (uCode first, then one column per code), DIR/results.csv
    (uCode, Index, Rank) and DIR/methodology.yaml (the log the result regenerates from)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for rec in ix.log:
        p = out / f"{rec.stage}.csv"
        ix.stage(rec.stage).write_csv(p)
        written.append(p)
    res = ix.results()
    if ix.spec.root != "Index":
        res = res.rename({ix.spec.root: "Index"}) if "Index" not in res.columns else res
    p = out / "results.csv"
    res.write_csv(p)
    written.append(p)
    p = out / "methodology.yaml"
    p.write_text(ix.log_yaml(), encoding="utf-8")
    written.append(p)
    if with_audit:
        adir = out / "audit"
        adir.mkdir(exist_ok=True)
        for name, frame in audit_mod.audit(ix).items():
            q = adir / f"{name}.csv"
            frame.write_csv(q)
            written.append(q)
    return written


def write_uncertainty(res: UncertaintyResult, out: str | Path) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    p = out / "rank_stats.csv"
    info = {k: v for k, v in res.info.items()}
    (out / "uncertainty.yaml").write_text(yaml.safe_dump(info, sort_keys=False, allow_unicode=True), encoding="utf-8")
    if res.sensitivity is not None:
        from aimaq.composite.uncertainty import ab_rows

        n = res.info["n"]
        d = len(res.info["inputs"])
        res.rank_stats(ab_rows(n, d)).write_csv(p)
        res.sensitivity.write_csv(out / "sensitivity.csv")
        res.sensitivity_units.write_csv(out / "sensitivity_units.csv")
        return [p, out / "sensitivity.csv", out / "sensitivity_units.csv"]
    res.rank_stats().write_csv(p)
    return [p]


def uncertainty_for(ix: CompositeIndex, n: int, seed: int | None = None, sensitivity: bool = False,
                    sampling: str | None = None, respondents: pl.DataFrame | None = None,
                    respondent_weight: str | None = None) -> UncertaintyResult:
    """Run the spec's `uncertainty` section (inputs, sampling, seed) with n draws."""
    u = ix.spec.uncertainty
    if not u or not u.get("inputs"):
        raise SpecError(_("the spec has no `uncertainty: inputs:` section"))
    return run_uncertainty(ix, u["inputs"], n=n, sampling=sampling or u.get("sampling", "random"),
                           sensitivity=sensitivity, seed=u.get("seed", 1) if seed is None else seed,
                           respondents=respondents, respondent_weight=respondent_weight)


def run_asem_example(out: str | Path, uncertainty: int | None = None, seed: int | None = None,
                     sensitivity: bool = False) -> tuple[CompositeIndex, UncertaintyResult | None]:
    """COINr's example pipeline on the ASEM reference data; writes stages, results and (optionally) rank_stats."""
    ix = build_index(asem_spec_path(), asem_dir() / "ASEM_iData.csv")
    write_outputs(ix, out)
    res = None
    if uncertainty:
        res = uncertainty_for(ix, uncertainty, seed=seed, sensitivity=sensitivity)
        write_uncertainty(res, out)
    return ix, res


def run_odk_example(out: str | Path, recommended: bool = False, uncertainty: int | None = None,
                    seed: int | None = None, sensitivity: bool = True) -> dict:
    """The ranking of Kazakhstan's regions by open-data-kazakhstan on its real data (shipped copy).

    Always: the peer's method from its spec -> DIR/normalised.csv (region + the 16 scaled indicators, the peer's
    names), DIR/results.csv (region, score, rank), DIR/weights.csv, DIR/ahp.csv (consistency), DIR/check.csv (largest
    difference from the peer's published figures), DIR/methodology.yaml and DIR/stages/*.csv.
    With `recommended`: Aimaq's method on the same data in DIR/recommended/ (the same files, rank_stats.csv with
    uncertainty, sensitivity.csv), DIR/comparison.csv (both ranks per region and the indicator that moved it most,
    with the reason) and DIR/ladder.csv (the peer's method changed one step at a time into the recommended one)."""
    from aimaq.composite import odk

    out = Path(out)
    peer = odk.build("peer")
    written = _write_odk(peer, out)
    check = odk.check_against_published(peer)
    pl.DataFrame([check]).write_csv(out / "check.csv")
    summary: dict = {"peer": peer, "check": check, "written": written}
    if not recommended:
        return summary
    rec = odk.build("recommended")
    rdir = out / "recommended"
    summary["written"] += _write_odk(rec, rdir)
    n = uncertainty or (rec.spec.uncertainty or {}).get("n", 1000)
    res = uncertainty_for(rec, n, seed=seed, sensitivity=sensitivity)
    summary["written"] += write_uncertainty(res, rdir)
    cmp = odk.compare(peer, rec)
    cmp.table.write_csv(out / "comparison.csv")
    lad, _ixs = odk.ladder()
    lad.write_csv(out / "ladder.csv")
    summary.update(recommended=rec, uncertainty=res, comparison=cmp, ladder=lad)
    return summary


def _write_odk(ix: CompositeIndex, out: Path) -> list[Path]:
    from aimaq.composite import odk

    out.mkdir(parents=True, exist_ok=True)
    stages = out / "stages"
    stages.mkdir(exist_ok=True)
    written = []
    for rec in ix.log:
        p = stages / f"{rec.stage}.csv"
        ix.stage(rec.stage).write_csv(p)
        written.append(p)
    frames = {"normalised.csv": odk.normalised(ix), "results.csv": odk.results(ix), "weights.csv": odk.weights(ix)}
    ahp = odk.ahp_table(ix)
    if ahp is not None:
        frames["ahp.csv"] = ahp
    for name, frame in frames.items():
        frame.write_csv(out / name, float_precision=None)
        written.append(out / name)
    (out / "methodology.yaml").write_text(ix.log_yaml(), encoding="utf-8")
    return written + [out / "methodology.yaml"]


def regenerate_from_log(log_path: str | Path, data_path: str | Path, *, new_data: bool = False,
                        refit: bool = False) -> CompositeIndex:
    """Rebuild an index from DIR/methodology.yaml and its raw data. The logged normalisation bounds and weights are
    replayed unless `refit`; `new_data` accepts data other than the logged ones (their fingerprint is recorded),
    e.g. a later year scored with the published base-year bounds."""
    from aimaq.composite.index import read_log

    log = read_log(Path(log_path))
    spec = IndexSpec.from_dict(log["spec"])
    data = load_data_for(spec, data_path)
    ix = CompositeIndex.from_log(log, data, refit=refit, check_data=not new_data)
    if new_data:
        ix.data_source = dict(ix.data_source, path=str(data_path))
    return ix


__all__ = ["STAGES", "build_index", "load_data_for", "write_outputs", "write_uncertainty", "uncertainty_for",
           "run_asem_example", "run_odk_example", "regenerate_from_log"]
