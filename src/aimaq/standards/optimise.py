"""Budget prioritisation: which missing items to build where, for a budget, solved exactly with HiGHS.

A project closes one missing item j in one settlement s at cost fixed_mln + per_capita_kzt × population / 1e6
(million tenge, from the catalogue). A facility built for a within-km item also serves the other settlements
missing that item within its distance (straight line × detour), so projects cover sets of (settlement, item)
gaps: the problem is a budgeted maximum coverage, written as an integer program:

    max  Σ_k w_k y_k                     (objective "popweighted": w = pop_t × 100 / n_applicable_t / P_total,
                                          the gain in population-weighted mean coverage, pp)
    or   Σ_t z_t                         (objective "threshold": settlements lifted to ≥ threshold %)
    s.t. Σ_p cost_p x_p ≤ budget
         y_k ≤ Σ_{p covers k} x_p         (a gap counts as closed only if a chosen project covers it)
         need_t z_t ≤ Σ_{k of t} y_k      (threshold: enough gaps of t closed)
         x, z ∈ {0, 1};  0 ≤ y ≤ 1
A greedy plan (best marginal gain per tenge first) is computed beside it for comparison.

The popweighted objective is solved as a multiple-choice knapsack over the groups of projects linked by spillover
(`aimaq.standards.mckp`: Lagrangian bound, branching on the dearest fractional class, reduced-profit fixing, a
small core for HiGHS with identical projects aggregated), which proves optimality in seconds where the integer
program above ran out of time; the threshold objective keeps the integer program."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix, csc_matrix
from scipy.spatial import cKDTree

from aimaq import progress
from aimaq.errors import ComputationError
from aimaq.i18n import _, format_number
from aimaq.standards.coverage import CoverageMatrix, road_graph, road_pairs_within
from aimaq.standards.geo import chord_from_km, to_unit_xyz
from aimaq.standards.spec import Catalogue


@dataclass
class Problem:
    projects: pl.DataFrame        # p: kato, item, cost_mln, settlement (row), item_idx
    gaps: pl.DataFrame            # k: settlement (row), item_idx, weight
    cover: csc_matrix             # (K, P) 1 where project p closes gap k
    need: np.ndarray              # per settlement: gaps to close to reach the threshold (0: already there)
    gap_settlement: np.ndarray    # (K,) settlement row of each gap
    n_settlements: int


def build_problem(cm: CoverageMatrix, settlements: pl.DataFrame, catalogue: Catalogue, *,
                  threshold_pct: float | None = None, spillover: bool = True,
                  candidates: np.ndarray | None = None, network: pl.DataFrame | None = None) -> Problem:
    """Projects for every missing applicable item (of `candidates` settlements if given, a boolean mask).
    Spillover of within-km items: straight-line distance × detour, or road distance when `network` (edges
    from_kato, to_kato, km) is given, as in coverage.evaluate."""
    pop = settlements["population"].to_numpy().astype(float)
    n_app = cm.n_applicable.astype(float)
    total_pop = pop.sum()
    if total_pop <= 0:
        raise ComputationError(_("total population is zero"))
    gap = cm.applies & ~cm.met
    if candidates is not None:
        gap &= candidates[:, None]
    gs, gj = np.nonzero(gap)
    weight = pop[gs] * 100.0 / n_app[gs] / total_pop
    fixed = np.array([i.cost.fixed_mln for i in catalogue.items])
    per_cap = np.array([i.cost.per_capita_kzt for i in catalogue.items])
    cost = fixed[gj] + per_cap[gj] * pop[gs] / 1e6
    P = len(gs)
    rows, cols = [np.arange(P)], [np.arange(P)]   # gap k == project k closes itself
    if spillover and P:
        xyz = to_unit_xyz(settlements["lat"].to_numpy(), settlements["lon"].to_numpy())
        graph = None
        if network is not None and network.height:
            graph = road_graph(pl.Series(cm.kato, dtype=pl.Utf8), network)[0]
        for j, item in enumerate(catalogue.items):
            if item.rule.kind != "within_km":
                continue
            idx = np.flatnonzero(gj == j)
            if len(idx) < 2:
                continue
            if graph is not None:
                pi, pk = road_pairs_within(graph, gs[idx], item.rule.km)
                rows.append(idx[pi])
                cols.append(idx[pk])
                continue
            bound = item.rule.km / (item.rule.detour or catalogue.detour_factor)
            tree = cKDTree(xyz[gs[idx]])
            pairs = tree.query_pairs(float(chord_from_km(bound)) * (1 + 1e-12), output_type="ndarray")
            if len(pairs):
                a, b = idx[pairs[:, 0]], idx[pairs[:, 1]]
                rows += [a, b]
                cols += [b, a]
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    cover = coo_matrix((np.ones(len(r)), (r, c)), shape=(P, P)).tocsc()
    cover.data[:] = 1.0
    need = np.zeros(cm.applies.shape[0], dtype=np.int64)
    if threshold_pct is not None:
        need = np.maximum(0, np.ceil(threshold_pct / 100.0 * n_app - 1e-9) - cm.n_met).astype(np.int64)
    projects = pl.DataFrame({"kato": cm.kato[gs], "item": np.array(cm.items)[gj], "cost_mln": cost,
                             "settlement": gs, "item_idx": gj, "gain_alone": weight})
    gaps = pl.DataFrame({"settlement": gs, "item_idx": gj, "weight": weight})
    return Problem(projects, gaps, cover, need, gs, cm.applies.shape[0])


@dataclass
class Plan:
    method: str
    objective: str
    selected: np.ndarray          # project rows chosen
    value: float                  # objective value (pp, or settlements lifted)
    cost_mln: float
    status: str
    mip_gap: float | None = None
    bound: float | None = None    # proven upper bound on the objective (ILP); gap = (bound − value) / value

    @property
    def gain_per_bn_tenge(self) -> float:
        return self.value / (self.cost_mln / 1000.0) if self.cost_mln > 0 else 0.0


def _new_highs(highspy):
    """A Highs instance without its start-up banner (printed by the C++ constructor on file descriptor 1, which
    would corrupt csv/json output)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def objective_value(problem: Problem, chosen: np.ndarray, objective: str) -> float:
    """Objective of a set of chosen projects (used for the greedy plan and brute-force checks)."""
    x = np.zeros(problem.cover.shape[1])
    x[chosen] = 1
    closed = (problem.cover @ x) > 0
    if objective == "popweighted":
        return float(problem.gaps["weight"].to_numpy()[closed].sum())
    counts = np.bincount(problem.gap_settlement[closed], minlength=problem.n_settlements)
    target = problem.need > 0
    return float((target & (counts >= problem.need)).sum())


def solve_ilp(problem: Problem, budget_mln: float, objective: str = "popweighted", *,
              time_limit_s: float = 120.0, mip_rel_gap: float = 1e-5, incumbent: Plan | None = None,
              formulation: str = "knapsack") -> Plan:
    """The exact optimum (within mip_rel_gap) with its proven bound; status and the final gap are reported.
    `incumbent`: a feasible plan to start from (the greedy one by default). `formulation`: "knapsack" (popweighted:
    the multiple-choice knapsack of aimaq.standards.mckp) or "mip" (the integer program above on every project;
    the threshold objective always uses it)."""
    import highspy

    if objective not in ("popweighted", "threshold"):
        raise ComputationError(_("unknown objective «{objective}»; expected popweighted or threshold",
                                 objective=objective))
    if formulation not in ("knapsack", "mip"):
        raise ComputationError(f"unknown formulation {formulation!r}")
    if objective == "popweighted" and formulation == "knapsack":
        return _solve_knapsack(problem, budget_mln, time_limit_s, mip_rel_gap, incumbent)
    P = problem.cover.shape[1]
    cost = problem.projects["cost_mln"].to_numpy()
    if P == 0:
        return Plan("ilp", objective, np.array([], dtype=np.int64), 0.0, 0.0, "nothing to do")
    targets = np.flatnonzero(problem.need > 0) if objective == "threshold" else np.array([], dtype=np.int64)
    T = len(targets)
    w = problem.gaps["weight"].to_numpy()
    cover_r = problem.cover.tocsr()
    per_gap = np.diff(cover_r.indptr)
    # a gap closed by exactly one project: y_k = x_p at the optimum, so y_k is substituted by x_p
    single = per_gap == 1
    p_of_single = cover_r.indices[cover_r.indptr[:-1][single]]
    multi = np.flatnonzero(~single)
    Km = len(multi)
    n_col = P + Km + T                                   # columns: x (P), y of multi-project gaps (Km), z (T)
    col_cost = np.zeros(n_col)
    if objective == "popweighted":
        col_cost[:P] = np.bincount(p_of_single, weights=w[single], minlength=P)
        col_cost[P:P + Km] = w[multi]
    else:
        col_cost[P + Km:] = 1.0
    lower = np.zeros(n_col)
    upper = np.ones(n_col)
    sub = cover_r[multi].tocoo()                         # rows: budget (1), cover of multi gaps (Km), threshold (T)
    r_parts = [np.zeros(P, dtype=np.int64), 1 + np.arange(Km), 1 + sub.row]
    c_parts = [np.arange(P), P + np.arange(Km), sub.col]
    v_parts = [cost, np.ones(Km), -np.ones(len(sub.row))]
    row_lower = [-np.inf] * (1 + Km)
    row_upper = [budget_mln] + [0.0] * Km
    if T:
        pos = np.full(problem.n_settlements, -1)
        pos[targets] = np.arange(T)
        k_t = pos[problem.gap_settlement]
        ok_single = (k_t >= 0) & single
        ok_multi = k_t[multi] >= 0
        r_parts += [1 + Km + np.arange(T), 1 + Km + k_t[ok_single], 1 + Km + k_t[multi][ok_multi]]
        c_parts += [P + Km + np.arange(T), cover_r.indices[cover_r.indptr[:-1][ok_single]],
                    P + np.flatnonzero(ok_multi)]
        v_parts += [problem.need[targets].astype(float), -np.ones(int(ok_single.sum())), -np.ones(int(ok_multi.sum()))]
        row_lower += [-np.inf] * T
        row_upper += [0.0] * T
    A = csc_matrix((np.concatenate(v_parts), (np.concatenate(r_parts), np.concatenate(c_parts))),
                   shape=(1 + Km + T, n_col))
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = col_cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(row_lower)
    lp.row_upper_ = np.array(row_upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    integrality = [highspy.HighsVarType.kInteger] * P + [highspy.HighsVarType.kContinuous] * Km
    integrality += [highspy.HighsVarType.kInteger] * T
    lp.integrality_ = integrality
    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    start_plan = incumbent or solve_greedy(problem, budget_mln, objective)   # warm start: never worse than greedy
    x0 = np.zeros(P)
    x0[start_plan.selected] = 1
    closed0 = np.minimum(1.0, problem.cover @ x0)
    z0 = np.zeros(T)
    if T:
        counts = np.bincount(problem.gap_settlement, weights=closed0, minlength=problem.n_settlements)
        z0 = (counts[targets] >= problem.need[targets]).astype(float)
    warm = highspy.HighsSolution()
    warm.col_value = list(np.concatenate([x0, closed0[multi], z0]))
    warm.value_valid = True
    h.setSolution(warm)
    detach = _show_solver_progress(h, objective) if progress.is_active() else None
    try:
        h.run()
    finally:
        if detach is not None:
            detach()
    status = h.modelStatusToString(h.getModelStatus())
    sol = np.asarray(h.getSolution().col_value)
    if sol.size != n_col:
        raise ComputationError(_("HiGHS found no solution: {status}", status=status))
    chosen = np.flatnonzero(sol[:P] > 0.5)
    info = h.getInfo()
    value = objective_value(problem, chosen, objective)
    return Plan("ilp", objective, chosen, value, float(cost[chosen].sum()), status,
                float(getattr(info, "mip_gap", np.nan)), float(getattr(info, "mip_dual_bound", np.nan)))


def _solve_knapsack(problem: Problem, budget_mln: float, time_limit_s: float, mip_rel_gap: float,
                    incumbent: Plan | None) -> Plan:
    from aimaq.standards import mckp

    cost = problem.projects["cost_mln"].to_numpy()
    if cost.size == 0:
        return Plan("ilp", "popweighted", np.array([], dtype=np.int64), 0.0, 0.0, "nothing to do", 0.0, 0.0)
    start = incumbent or solve_greedy(problem, budget_mln, "popweighted")
    sol = mckp.solve(problem.cover.tocsr(), cost, problem.gaps["weight"].to_numpy(), budget_mln,
                     incumbent=start.selected, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                     new_highs=_new_highs, watch=_watch_knapsack if progress.is_active() else None)
    value = objective_value(problem, sol.chosen, "popweighted")
    bound = max(sol.bound, value)
    gap = (bound - value) / abs(value) if value else (0.0 if bound <= 0 else np.inf)
    status = "Optimal" if gap <= max(mip_rel_gap, 1e-9) else sol.status
    return Plan("ilp", "popweighted", sol.chosen, value, float(cost[sol.chosen].sum()), status, float(gap), float(bound))


def _watch_knapsack(h, offset: float, best: float, bound: float):
    """Show the knapsack's best plan and gap as HiGHS improves its core problem: the plan's value is the options
    fixed outside the core (`offset`) plus the core's, its bound the lower of the branching bound and HiGHS's."""
    _show_plan(best, (bound - best) / abs(best) if best else np.inf, _("pp"))
    return _show_solver_progress(h, "popweighted", offset=offset, bound=bound)


def _show_plan(best: float, gap: float, unit: str) -> None:
    shown_gap = format_number(100 * gap, 2) if np.isfinite(gap) else "—"
    progress.status(_("best plan {value} {unit}, gap {gap}%", value=format_number(best, 3), unit=unit,
                      gap=shown_gap))


def _show_solver_progress(h, objective: str, offset: float = 0.0, bound: float = np.inf):
    """Show HiGHS's best plan and gap on each improving solution (at most five times a second); returns the
    function that detaches the display, to call when `h.run()` returns.

    Why so careful (issue 9): an exception raised inside a highspy callback ends the solve as «Solve error» with a
    worse plan (measured); interrupt callbacks run at every node, slowing a time-limited solve into a different
    plan, and an interrupt flag set on an instance outlives its run (HiGHS issue #1761). So: a fresh Highs per solve,
    the improving-solution event only, a callback that never raises, and every subscription removed after the run
    (`disableCallbacks` also drops the C++ side's reference to the Python callback)."""
    import time

    last = [0.0]
    unit = _("pp") if objective == "popweighted" else _("settlements")

    def report(event) -> None:
        try:
            now = time.monotonic()
            if now - last[0] < 0.2:
                return
            data = event.data_out
            best = offset + data.mip_primal_bound
            if not np.isfinite(best):
                return
            last[0] = now
            plan_bound = min(bound, offset + data.mip_dual_bound)
            _show_plan(best, (plan_bound - best) / abs(best) if best else np.inf, unit)
        except Exception:  # a display must never stop the solver
            return

    h.cbMipImprovingSolution.subscribe(report)

    def detach() -> None:
        h.cbMipImprovingSolution.unsubscribe(report)
        h.disableCallbacks()

    return detach


def solve_greedy(problem: Problem, budget_mln: float, objective: str = "popweighted") -> Plan:
    """Greedy: popweighted — best marginal gain per tenge first (lazy evaluation: gains only shrink);
    threshold — settlements in order of the cost of their cheapest `need` own projects."""
    cost = problem.projects["cost_mln"].to_numpy()
    P = len(cost)
    if objective == "threshold":
        proj = problem.projects.with_row_index("p").sort(["settlement", "cost_mln"])
        need = problem.need
        proj = proj.with_columns(rank=pl.int_range(pl.len()).over("settlement"),
                                 need=pl.Series(need[proj["settlement"].to_numpy()]))
        proj = proj.filter(pl.col("rank") < pl.col("need"))
        per_s = proj.group_by("settlement").agg(pl.col("p"), total=pl.col("cost_mln").sum(), n=pl.len(),
                                                need=pl.col("need").first())
        per_s = per_s.filter(pl.col("n") == pl.col("need"))
        per_s = per_s.sort(["total", "settlement"])
        chosen, spent = [], 0.0
        for ps, total in zip(per_s["p"].to_list(), per_s["total"].to_list()):
            if spent + total <= budget_mln + 1e-9:
                chosen += ps
                spent += total
        chosen = np.array(sorted(chosen), dtype=np.int64)
        return Plan("greedy", objective, chosen, objective_value(problem, chosen, objective),
                    float(cost[chosen].sum()), "heuristic")
    w = problem.gaps["weight"].to_numpy()
    cover = problem.cover.tocsc()
    closed = np.zeros(cover.shape[0], dtype=bool)
    gain0 = np.asarray(cover.T @ w).ravel()                 # every project's gain before anything is chosen
    # only a project that shares a gap with another one can lose gain as others are chosen
    shares = np.diff(cover.tocsr().indptr) > 1
    linked = np.zeros(P, dtype=bool)
    linked[cover.tocsr()[shares].indices] = True

    def gain(p):
        if not linked[p]:
            return gain0[p]
        ks = cover.indices[cover.indptr[p]:cover.indptr[p + 1]]
        return w[ks[~closed[ks]]].sum()

    ratio0 = gain0 / np.maximum(cost, 1e-12)
    heap = list(zip((-ratio0).tolist(), range(P)))
    heapq.heapify(heap)
    chosen, spent = [], 0.0
    while heap:
        neg, p = heapq.heappop(heap)
        if spent + cost[p] > budget_mln + 1e-9:
            continue
        g = gain(p)
        ratio = g / max(cost[p], 1e-12)
        if heap and ratio < -heap[0][0] - 1e-15:
            heapq.heappush(heap, (-ratio, p))
            continue
        if g <= 0:
            break
        chosen.append(p)
        spent += cost[p]
        ks = cover.indices[cover.indptr[p]:cover.indptr[p + 1]]
        closed[ks] = True
    chosen = np.array(sorted(chosen), dtype=np.int64)
    return Plan("greedy", objective, chosen, objective_value(problem, chosen, objective),
                float(cost[chosen].sum()), "heuristic")


def plan_table(problem: Problem, plan: Plan) -> pl.DataFrame:
    return problem.projects[plan.selected].select("kato", "item", "cost_mln", "gain_alone").with_columns(
        method=pl.lit(plan.method), gain_per_bn_tenge=pl.col("gain_alone") / (pl.col("cost_mln") / 1000.0))
