"""Real data through the engine: the ranking of Kazakhstan's regions published by open-data-kazakhstan
(city-ranking-main, PDDL 1.0), reproduced from its YAML spec, and the same data under Aimaq's recommended method.

Pure computation apart from reading the shipped CSVs: `peer()` and `recommended()` build indices, `compare()` says
where the two rankings differ and which indicator moves each region most; the service writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from aimaq.composite.data import Data, data_from_frame
from aimaq.composite.index import CompositeIndex, fingerprint
from aimaq.composite.kernels import rank_min
from aimaq.composite.spec import IndexSpec, load_spec
from aimaq.data import data_path
from aimaq.errors import SpecError
from aimaq.i18n import N_, _

SPEC_DIR = Path(__file__).resolve().parents[1] / "specs" / "composite" / "odk_regions"


def data_dir() -> Path:
    return data_path("composite", "odk_regions")


def spec_path(which: str) -> Path:
    return SPEC_DIR / {"peer": "peer_v1.yaml", "recommended": "recommended_v1.yaml"}[which]


def load_source(spec: IndexSpec, folder: Path | None = None) -> Data:
    """The raw data of a spec's `source:` section: the CSV's columns renamed to the indicator codes, the unit
    column as uCode, auxiliary columns (denominators, imputation features) kept under their own names."""
    src = spec.extra.get("source") or {}
    if not src.get("file") or not src.get("columns"):
        raise SpecError(_("the spec needs a source: section with file and columns"))
    path = (folder or data_dir()) / src["file"]
    frame = pl.read_csv(path, null_values=["NA", ""], infer_schema_length=10000)
    unknown = [c for c in list(src["columns"].values()) + list(src.get("auxiliary") or []) if c not in frame.columns]
    if unknown:
        raise SpecError(_("{file}: no columns {columns}", file=path.name, columns=", ".join(map(str, unknown))))
    cols = [pl.col(src.get("unit_column", "uCode")).alias("uCode")]
    cols += [pl.col(raw).alias(code) for code, raw in src["columns"].items() if code in spec.indicators]
    aux = list(src.get("auxiliary") or [])
    cols += [pl.col(a) for a in aux]
    frame = frame.select(cols)
    missing = [c for c in spec.indicators if c not in frame.columns]
    if missing:
        raise SpecError(_("the spec's indicators {codes} have no source column", codes=", ".join(map(str, missing))))
    return data_from_frame(frame, spec.indicators, spec.groups, aux)


def build(which: str) -> CompositeIndex:
    spec = load_spec(spec_path(which))
    data = load_source(spec)
    ix = CompositeIndex.build(spec, data)
    ix.data_source = {"path": f"aimaq/data/composite/odk_regions/{spec.extra['source']['file']}",
                      "sha256": fingerprint(data)}
    return ix


def normalised(ix: CompositeIndex) -> pl.DataFrame:
    """region, then the scaled indicators in the spec's order (the peer's names)."""
    frame = ix.stage("Normalised")
    return frame.rename({"uCode": "region"}).select(["region"] + [c for c in ix.spec.indicators if c in frame.columns])


def results(ix: CompositeIndex) -> pl.DataFrame:
    """region, score, rank (1 = best), best first."""
    return ix.results().select(pl.col("uCode").alias("region"), pl.col(ix.spec.root).alias("score"),
                               pl.col("Rank").alias("rank"))


def weights(ix: CompositeIndex) -> pl.DataFrame:
    """Every node's weight among its siblings and each indicator's global weight (its share of the index)."""
    agg = next(s for s, r in zip(ix.steps, ix.log) if r.name == "aggregate")
    spec = ix.spec
    w = agg.weights_
    glob = spec.effective_weights({c: v for c, v in w.items() if c in spec.nodes})
    rows = []
    for code, node in spec.nodes.items():
        if code not in w:
            continue
        sib = [c for c in spec.children(node.parent)] if node.parent else [code]
        total = sum(w.get(c, 0.0) for c in sib)
        rows.append({"code": code, "parent": node.parent, "kind": node.kind,
                     "weight": w[code] / total if total else 0.0, "global_weight": glob.get(code)})
    return pl.DataFrame(rows, schema_overrides={"global_weight": pl.Float64})


def ahp_table(ix: CompositeIndex) -> pl.DataFrame | None:
    rec = next(r for r in ix.log if r.name == "aggregate")
    ahp = rec.fitted.get("ahp_")
    if not ahp:
        return None
    return pl.DataFrame([{"aggregate": code, "n": len(a["weights"]), "lambda_max": a["lambda_max"], "ci": a["ci"],
                          "cr": a["cr"], "consistent": a["consistent"]} for code, a in ahp.items()])


def check_against_published(ix: CompositeIndex, folder: Path | None = None) -> dict[str, float]:
    """Largest absolute difference from the peer's published scaled indicators and score (shipped copies)."""
    folder = folder or data_dir()
    pub = pl.read_csv(folder / "published_scaled.csv")
    ours = normalised(ix)
    if pub["region"].to_list() != ours["region"].to_list():
        raise SpecError(_("the regions differ from the published ones"))
    scaled = max(float(np.max(np.abs(ours[c].to_numpy() - pub[c].to_numpy()))) for c in pub.columns[1:])
    score_pub = pl.read_csv(folder / "published_scores.csv")
    both = results(ix).join(score_pub, on="region", how="inner")
    if both.height != score_pub.height:
        raise SpecError(_("the regions differ from the published scores"))
    score = float(np.max(np.abs(both["score"].to_numpy() - both["sustainability_score"].to_numpy())))
    return {"scaled_max_abs_diff": scaled, "score_max_abs_diff": score}


# --- the two methods compared ---------------------------------------------------------------------------------
# why each indicator's contribution changed between the peer's method and the recommended one; message ids are
# marked here and translated where shown
CHANGES = {
    "crime_rate": N_("more crime now lowers the score (the peer's double inversion scored it higher)"),
    "population": N_("population size is left out: a region's size is not its quality of life"),
    "air_pollution": N_("air pollution weighs {new} of the index instead of {old}"),
    "gdp": N_("GRP per capita imputed from neighbours on standardised indicators, not raw scales"),
    "_weight": N_("weight {old} → {new}: equal weights within equal criteria instead of the pairwise comparisons"),
}


@dataclass
class Comparison:
    table: pl.DataFrame           # one row per region
    spearman: float               # rank correlation over the regions both rank
    only_recommended: list[str]   # regions the peer left out


def _contributions(ix: CompositeIndex) -> tuple[list[str], dict[str, np.ndarray], dict[str, float]]:
    """Units, each indicator's contribution to the score on a 0-1 scale (global weight × scaled value / range), the
    global weights."""
    frame = ix.frames["Normalised"]
    w = weights(ix)
    glob = {r["code"]: r["global_weight"] for r in w.iter_rows(named=True) if r["kind"] == "indicator"}
    scale = max(1.0, float(np.nanmax(np.abs(frame.X))))  # 0-1 (peer) or 0-100 (recommended)
    scale = 100.0 if scale > 1.0 + 1e-9 else 1.0
    contrib = {c: glob.get(c, 0.0) * frame.column(c) / scale for c in frame.icodes}
    return [str(u) for u in frame.units], contrib, glob


def compare(peer_ix: CompositeIndex, rec_ix: CompositeIndex) -> Comparison:
    """Ranks of both methods side by side; for each region the indicator whose contribution (on a 0-1 scale, relative
    to the average region) changed most, and why it changed."""
    pu, pc, pw = _contributions(peer_ix)
    ru, rc, rw = _contributions(rec_ix)
    common = [u for u in pu if u in ru]
    pi = [pu.index(u) for u in common]
    ri = [ru.index(u) for u in common]
    p_score = peer_ix.scores()[pi]
    r_all = rec_ix.scores()
    r_score = r_all[ri]
    p_rank = rank_min(p_score, descending=True)
    r_rank = rank_min(r_score, descending=True)
    r_rank_all = rank_min(r_all, descending=True)
    codes = sorted(set(pc) | set(rc))
    delta = np.column_stack([(rc[c][ri] if c in rc else 0.0) - (pc[c][pi] if c in pc else 0.0) for c in codes])
    rel = delta - delta.mean(axis=0, keepdims=True)
    order = np.argsort(-np.abs(rel), axis=1, kind="stable")
    rows = []
    for k, u in enumerate(common):
        c, c2 = codes[order[k, 0]], codes[order[k, 1]]
        rows.append({
            "region": u, "rank_peer": int(p_rank[k]), "rank_recommended": int(r_rank[k]),
            "rank_recommended_all": int(r_rank_all[ri[k]]), "rank_change": int(p_rank[k] - r_rank[k]),
            "score_peer": float(p_score[k]), "score_recommended": float(r_score[k]),
            "main_driver": c, "driver_effect": float(rel[k, order[k, 0]]), "reason": reason(c, pw, rw),
            "second_driver": c2, "second_effect": float(rel[k, order[k, 1]]),
        })
    only = [u for u in ru if u not in pu]
    for u in only:
        rows.append({"region": u, "rank_peer": None, "rank_recommended": None,
                     "rank_recommended_all": int(r_rank_all[ru.index(u)]), "rank_change": None, "score_peer": None,
                     "score_recommended": float(r_all[ru.index(u)]), "main_driver": None, "driver_effect": None,
                     "reason": _("left out by the peer (its script drops the file's last row)"),
                     "second_driver": None, "second_effect": None})
    table = pl.DataFrame(rows, schema_overrides={"rank_peer": pl.Int64, "rank_recommended": pl.Int64,
                                                 "rank_change": pl.Int64, "score_peer": pl.Float64,
                                                 "driver_effect": pl.Float64, "main_driver": pl.Utf8,
                                                 "second_driver": pl.Utf8, "second_effect": pl.Float64})
    rho = float(np.corrcoef(p_rank, r_rank)[0, 1])
    return Comparison(table.sort("rank_recommended_all"), rho, only)


def reason(code: str, old_w: dict[str, float], new_w: dict[str, float]) -> str:
    """Why an indicator's contribution differs between the two methods."""
    def pct(v):
        return f"{100 * v:.1f}%"

    if code in ("crime_rate", "population", "gdp"):
        return _(CHANGES[code])
    if code == "air_pollution":
        return _(CHANGES[code], new=pct(new_w.get(code, 0.0)), old=pct(old_w.get(code, 0.0)))
    return _(CHANGES["_weight"], old=pct(old_w.get(code, 0.0)), new=pct(new_w.get(code, 0.0)))


# --- from the peer's method to the recommended one, one change at a time -------------------------------------------
LADDER = (
    ("equal_weights", N_("equal weights within four equal criteria instead of the pairwise comparisons")),
    ("crime_as_harm", N_("crime per 100,000 scored as harm (direction -1)")),
    ("population_out", N_("population size left out of the index")),
    ("knn_standardised", N_("neighbours for imputation found on standardised indicators")),
    ("minmax_0_100", N_("every indicator min-max 0-100 (life expectancy too), air pollution piecewise × 100")),
    ("shymkent_in", N_("Shymkent kept: 20 regions")),
)


def ladder_specs() -> list[tuple[str, IndexSpec]]:
    """The peer's spec, then one more change of the recommended method at each rung (the last rung is the
    recommended method itself, up to its uncertainty section)."""
    import copy

    d = load_spec(spec_path("peer")).to_dict()
    out = [("peer", IndexSpec.from_dict(d))]
    for key, _label in LADDER:
        d = copy.deepcopy(d)
        inds = {i["code"]: i for i in d["indicators"]}
        if key == "equal_weights":
            for a in d["aggregates"]:
                a.pop("ahp", None)
            for st in d["pipeline"]:
                if st["step"] == "aggregate":
                    st["weights"] = "spec"
        elif key == "crime_as_harm":
            inds["crime_rate"]["direction"] = -1
        elif key == "population_out":
            d["indicators"] = [i for i in d["indicators"] if i["code"] != "population"]
            d["source"]["columns"].pop("population")
            for st in d["pipeline"]:
                if st["step"] == "impute":
                    st["features"] = ["Population" if f == "population" else f for f in st["features"]]
        elif key == "knn_standardised":
            d["source"]["auxiliary"] = ["Population"]
            for st in d["pipeline"]:
                if st["step"] == "impute":
                    st.pop("features")
                    st["standardise"] = True
        elif key == "minmax_0_100":
            inds["life_expectancy"].pop("normalise")
            inds["life_expectancy"].pop("goalposts")
            inds["air_pollution"]["normalise"]["params"]["scale"] = 100
            for st in d["pipeline"]:
                if st["step"] == "normalise":
                    st["params"] = {"range": [0, 100]}
        elif key == "shymkent_in":
            d["pipeline"] = [st for st in d["pipeline"] if st["step"] != "screen"]
        out.append((key, IndexSpec.from_dict(d)))
    return out


def ladder() -> tuple[pl.DataFrame, list[CompositeIndex]]:
    """For each rung: the change, Spearman's rho with the previous rung's ranks and the mean absolute rank shift
    over the regions both rank, and the region that moved most. Returns the table and the built indices."""
    built = []
    for key, spec in ladder_specs():
        data = load_source(spec)
        built.append((key, CompositeIndex.build(spec, data)))
    labels = dict(LADDER)
    rows = []
    for (k0, a), (k1, b) in zip(built, built[1:]):
        ra, rb = results(a), results(b)
        common = ra.join(rb, on="region", how="inner", suffix="_new")
        # ranks among the common regions, so that a region joining does not shift everyone by one
        r0 = rank_min(common["score"].to_numpy(), descending=True)
        r1 = rank_min(common["score_new"].to_numpy(), descending=True)
        shift = r0 - r1
        top = int(np.argmax(np.abs(shift)))
        rows.append({"change": k1, "what": _(labels[k1]), "spearman": float(np.corrcoef(r0, r1)[0, 1]),
                     "mean_abs_rank_shift": float(np.abs(shift).mean()),
                     "most_moved": common["region"][top], "its_shift": int(shift[top])})
    return pl.DataFrame(rows), [ix for _k, ix in built]
