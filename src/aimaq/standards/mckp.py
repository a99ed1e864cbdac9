"""The budget plan (objective "popweighted") solved exactly as a multiple-choice knapsack.

Projects interact only through spillover: a facility for a within-km item also closes the same gap in settlements
near it. Projects linked that way form small groups (at most a few dozen on real and demo data); every other project
is a group of its own. Within a group the value of a set of projects is the weight of the gaps they close, so a group
is one choice among its subsets ("options": 2^s − 1 of them, enumerated vectorised by group size) or nothing, and the
plan is a multiple-choice knapsack:

    max Σ v_o z_o   s.t.   Σ c_o z_o ≤ B,   Σ_{o of g} z_o ≤ 1 for every group g,   z ∈ {0, 1}.

Solved exactly in three moves:
1. the Lagrangian bound L(λ) = λB + Σ_g max(0, max_o (v_o − λ c_o)), minimised over λ by bisection on its
   subgradient (it equals the LP relaxation's bound); the choice at the λ just above the optimum is feasible and is
   the first incumbent;
2. reduced-profit fixing: an option whose reduced profit v_o − λ c_o falls short of its group's best by more than
   L − incumbent cannot be part of any better plan, so it is dropped; groups left with one choice are fixed;
3. the few groups left (the "core") go to HiGHS as a small integer program, identical singleton projects (same cost
   and value) aggregated into one integer variable with their count as its bound; HiGHS starts from the incumbent.
The bound reported is HiGHS's bound on the core plus the fixed part: a proof for the whole problem, because every
dropped option is bounded below the incumbent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

MAX_GROUP = 20  # 2^20 options would be too many to enumerate; real spillover groups are far smaller


@dataclass
class Options:
    group: np.ndarray     # (O,) group of each option
    mask: np.ndarray      # (O,) which of the group's projects (bit j = its j-th project)
    cost: np.ndarray      # (O,)
    value: np.ndarray     # (O,)
    projects: np.ndarray  # (G, largest group) each group's projects, −1 padded
    loc: np.ndarray       # (P,) a project's position in its group
    label: np.ndarray     # (P,) a project's group
    n_groups: int
    singleton: np.ndarray  # (G,) bool: the group is one project without spillover

    def members(self, opts: np.ndarray) -> np.ndarray:
        """The projects of the options `opts`, sorted."""
        opts = np.asarray(opts, dtype=np.int64)
        if not len(opts):
            return np.array([], dtype=np.int64)
        width = self.projects.shape[1]
        on = ((self.mask[opts][:, None] >> np.arange(width)[None, :]) & 1).astype(bool)
        return np.sort(self.projects[self.group[opts]][on])

    def choice_of(self, chosen: np.ndarray) -> np.ndarray:
        """The option per group (−1: nothing) that selects exactly the projects `chosen`."""
        want = np.zeros(self.n_groups, dtype=np.int64)
        np.bitwise_or.at(want, self.label[chosen], np.left_shift(1, self.loc[chosen]).astype(np.int64))
        key = self.group * (1 << MAX_GROUP) + self.mask
        order = np.argsort(key)
        g = np.flatnonzero(want)
        pos = np.searchsorted(key[order], g * (1 << MAX_GROUP) + want[g])
        out = np.full(self.n_groups, -1)
        out[g] = order[pos]
        return out


def options(cover: csr_matrix, cost: np.ndarray, weight: np.ndarray) -> Options:
    """Groups of projects linked by spillover and every option of each group (cover: (P, P), gap k = project k)."""
    P = cover.shape[0]
    adj = cover + cover.T
    n, lab = connected_components(adj, directed=False)
    size = np.bincount(lab, minlength=n)
    if size.max(initial=0) > MAX_GROUP:
        from aimaq.errors import ComputationError

        raise ComputationError(f"a spillover group of {size.max()} projects is too large to enumerate")
    order = np.lexsort((np.arange(P), lab))          # projects grouped, in index order within a group
    start = np.concatenate([[0], np.cumsum(size)])
    loc = np.empty(P, dtype=np.int64)
    loc[order] = np.arange(P) - start[lab[order]]
    # bitmask of the group's projects that close gap k
    coo = cover.tocoo()
    bits = np.zeros(P, dtype=np.int64)
    np.bitwise_or.at(bits, coo.row, np.left_shift(1, loc[coo.col]).astype(np.int64))
    groups, costs, values, opt_masks = [], [], [], []
    width = int(size.max(initial=1))
    group_proj = np.full((n, width), -1, dtype=np.int64)
    group_proj[lab[order], loc[order]] = order
    for s in np.unique(size):
        gs = np.flatnonzero(size == s)                                 # groups of this size
        proj = order[(start[gs][:, None] + np.arange(s)[None, :])]      # (K, s) their projects
        masks = np.arange(1, 2 ** s, dtype=np.int64)                    # (M,) non-empty subsets
        take = ((masks[:, None] >> np.arange(s)[None, :]) & 1).astype(float)   # (M, s)
        c = take @ cost[proj].T                                         # (M, K)
        closed = (masks[:, None, None] & bits[proj][None, :, :]) != 0   # (M, K, s)
        v = (closed * weight[proj][None, :, :]).sum(axis=-1)            # (M, K)
        groups.append(np.repeat(gs[None, :], len(masks), axis=0).ravel())
        costs.append(c.ravel())
        values.append(v.ravel())
        opt_masks.append(np.repeat(masks[:, None], len(gs), axis=1).ravel())
    g, m, c, v = (np.concatenate(a) for a in (groups, opt_masks, costs, values))
    o = np.lexsort((m, c, g))              # by group, then cost: the cheapest of tied options comes first
    return Options(g[o], m[o], c[o], v[o], group_proj, loc, lab, n, size == 1)


def lagrangian(opt: Options, budget: float, active: np.ndarray | None = None,
               iters: int = 200) -> tuple[float, float, np.ndarray]:
    """min over λ of L(λ) over the `active` options (all by default): the bound, λ, and the feasible choice (option
    index per group or −1) at the λ just above the optimum. A lone project's group is its own option, so only the
    groups linked by spillover need per-group maxima (one reduceat: options are sorted by group)."""
    if budget < 0:
        return -np.inf, 0.0, np.full(opt.n_groups, -1)
    act = np.ones(len(opt.cost), dtype=bool) if active is None else active
    lone = opt.singleton[opt.group]
    s_idx = np.flatnonzero(lone & act)
    m_idx = np.flatnonzero(~lone & act)
    vs, cs = opt.value[s_idx], opt.cost[s_idx]
    vm, cm, gm = opt.value[m_idx], opt.cost[m_idx], opt.group[m_idx]
    starts = np.flatnonzero(np.r_[True, gm[1:] != gm[:-1]]) if len(m_idx) else np.array([], dtype=np.int64)

    def choose(lam):
        """(bound part Σ max(0, best), chosen lone options, chosen linked options)"""
        rs = vs - lam * cs
        take_s = rs > 0
        total = rs[take_s].sum()
        if not len(m_idx):
            return total, s_idx[take_s], m_idx[:0]
        rm = vm - lam * cm
        best = np.maximum(np.maximum.reduceat(rm, starts), 0.0)
        total += best.sum()
        grp_best = np.repeat(best, np.diff(np.r_[starts, len(rm)]))
        cand = np.flatnonzero((rm >= grp_best) & (rm > 0))
        first = cand[np.r_[True, gm[cand][1:] != gm[cand][:-1]]] if len(cand) else cand
        return total, s_idx[take_s], m_idx[first]

    def spent(chosen):
        return opt.cost[chosen[1]].sum() + opt.cost[chosen[2]].sum()

    def as_pick(chosen):
        pick = np.full(opt.n_groups, -1)
        for part in chosen[1:]:
            pick[opt.group[part]] = part
        return pick

    c0 = choose(0.0)
    if spent(c0) <= budget:               # everything worth doing fits: the plan is the unconstrained optimum
        return float(c0[0]), 0.0, as_pick(c0)
    ok = act & (opt.cost > 0)
    lo, hi = 0.0, float(np.max(opt.value[ok] / opt.cost[ok], initial=0.0)) * 2 + 1.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if spent(choose(mid)) > budget:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(hi, 1e-300):
            break
    bounds = [lam * budget + choose(lam)[0] for lam in (lo, hi)]
    lam = (lo, hi)[int(np.argmin(bounds))]
    return float(min(bounds)), lam, as_pick(choose(hi))


def shortfall(opt: Options, lam: float, active: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per option, how far its reduced profit v − λc falls short of its group's best (inf if inactive); per group,
    the best (>= 0: choosing nothing)."""
    r = opt.value - lam * opt.cost
    if active is not None:
        r = np.where(active, r, -np.inf)
    starts = np.flatnonzero(np.r_[True, opt.group[1:] != opt.group[:-1]])
    best = np.zeros(opt.n_groups)
    best[opt.group[starts]] = np.maximum(np.maximum.reduceat(r, starts), 0.0)
    return best[opt.group] - r, best


@dataclass
class Solution:
    chosen: np.ndarray    # project indices
    value: float
    bound: float
    status: str
    core_groups: int
    core_columns: int




def solve(cover: csr_matrix, cost: np.ndarray, weight: np.ndarray, budget: float, *, incumbent=None,
          time_limit_s: float = 60.0, mip_rel_gap: float = 0.0, new_highs=None, watch=None,
          trace: list | None = None) -> Solution:
    """The exact plan (see the module docstring). `incumbent`: project indices of a known feasible plan (e.g. the
    greedy one), used if better than the Lagrangian one topped up (`fill`). `watch(h, offset, best, bound)`: called
    on the core problem's fresh Highs before it runs (offset: the value of the options fixed outside the core;
    best, bound: the plan so far and its bound); it returns the function that detaches it after the run."""
    import time

    t0 = time.perf_counter()
    opt = options(cover, cost, weight)
    bound, lam, pick = lagrangian(opt, budget)
    best_choice = fill(opt, pick, budget)
    lb = float(opt.value[best_choice[best_choice >= 0]].sum())
    if incumbent is not None and len(incumbent):
        inc_val = _plan_value(cover, weight, incumbent)
        if inc_val > lb and cost[incumbent].sum() <= budget + 1e-9:
            best_choice, lb = opt.choice_of(np.asarray(incumbent)), inc_val
    tol = 1e-9 * max(1.0, abs(bound))
    if bound - lb <= tol:
        return Solution(opt.members(best_choice[best_choice >= 0]), lb, bound, "Optimal", 0, 0)
    if trace is not None:
        trace.append(("after the Lagrangian", bound, lb, time.perf_counter() - t0))
    # phase 2: a sharper bound by branching on the options the LP takes fractionally, then reduced-profit fixing
    # against the best plan so far in every branch
    bound, keep, empty_ok, lb, better = _branch_and_fix(opt, budget, lam, pick, bound, lb, tol)
    if better is not None:
        best_choice = better
    if bound - lb <= tol:
        return Solution(opt.members(best_choice[best_choice >= 0]), lb, bound, "Optimal", 0, 0)
    n_keep = np.bincount(opt.group[keep], minlength=opt.n_groups)
    n_choices = n_keep + empty_ok
    fixed_in = (n_choices == 1) & (n_keep == 1)
    fixed_opts = np.flatnonzero(keep & fixed_in[opt.group])
    core = np.flatnonzero(keep & (n_choices > 1)[opt.group])
    if trace is not None:
        trace.append(("after branching", bound, lb, int(keep.sum()), int(empty_ok.sum()), len(core),
                      time.perf_counter() - t0))
    left = max(0.5, time_limit_s - (time.perf_counter() - t0))
    sol = _core_mip(opt, core, fixed_opts, budget, empty_ok, best_choice, left, mip_rel_gap * lb, new_highs,
                    None if watch is None else (lambda h, offset: watch(h, offset, lb, bound)))
    n_core_groups = len(np.unique(opt.group[core]))
    if sol is None or sol[0] < lb - tol:        # no plan from HiGHS, or a worse one: keep the incumbent
        status = sol[2] if sol is not None else "no solution"
        core_bound = sol[3] if sol is not None else np.inf
        return Solution(opt.members(best_choice[best_choice >= 0]), lb, max(lb, min(bound, core_bound)), status,
                        n_core_groups, sol[4] if sol is not None else 0)
    value, chosen_opts, status, total_bound, n_col = sol
    return Solution(opt.members(chosen_opts), value, max(value, min(bound, total_bound)), status, n_core_groups, n_col)


MAX_BRANCHES = 40


def fill(opt: Options, choice: np.ndarray, budget: float, active: np.ndarray | None = None) -> np.ndarray:
    """The choice with the budget left over filled by singleton projects not yet chosen, best value per tenge first,
    each taken if it still fits (rounds of prefix sums, not one project at a time)."""
    choice = choice.copy()
    left = budget - opt.cost[choice[choice >= 0]].sum()
    cand = np.flatnonzero(opt.singleton[opt.group] & (choice[opt.group] < 0) & (opt.cost > 0)
                          & (active if active is not None else True))
    cand = cand[np.argsort(-opt.value[cand] / opt.cost[cand], kind="stable")]
    while len(cand) and left > 0:
        cand = cand[opt.cost[cand] <= left + 1e-9]
        if not len(cand):
            break
        fits = np.cumsum(opt.cost[cand]) <= left + 1e-9
        n = int(np.argmin(fits)) if not fits.all() else len(cand)
        take = cand[:max(n, 1)]
        choice[opt.group[take]] = take
        left -= opt.cost[take].sum()
        cand = cand[max(n, 1):]
    return choice
HIGHS_OPTIONS: dict = {}   # extra HiGHS options for the core (measured in benchmarks/bench_plan.py)


def _branch_and_fix(opt: Options, budget: float, lam: float, pick: np.ndarray, bound: float, lb: float, tol: float):
    """The bound and which options (and which groups' empty choice) may still beat `lb`.

    Among the options tied with their group's best at λ but not in the feasible choice (what the LP takes in part),
    the dearest class of identical ones - a city's 300 mln road, say - is what keeps the LP bound loose. Every plan
    takes k = 0, 1, ..., m of its m copies: one branch per k (k copies forced, the others switched off), each with its
    own Lagrangian bound. The bound is the largest of them, and an option survives if some branch that allows it can
    still beat `lb`."""
    short, best = shortfall(opt, lam)
    idx = np.arange(len(short))
    tied = np.flatnonzero((short <= 1e-12 * max(1.0, bound)) & (opt.value - lam * opt.cost >= -tol)
                          & (pick[opt.group] != idx))
    if not len(tied):
        keep = short <= bound - lb + tol
        return bound, keep, best <= bound - lb + tol, lb, None
    t = tied[np.argmax(opt.cost[tied])]
    if opt.singleton[opt.group[t]]:
        same = opt.singleton[opt.group[tied]] & (np.abs(opt.cost[tied] - opt.cost[t]) <= 1e-9) \
            & (np.abs(opt.value[tied] - opt.value[t]) <= 1e-15)
        members = tied[same][:MAX_BRANCHES]
    else:
        members = np.array([t])
    groups_c = opt.group[members]
    is_member = np.zeros(len(short), dtype=bool)
    is_member[members] = True
    # k = 0: the copies switched off (their groups may choose anything else); k >= 1: k copies' groups fixed to them
    act_none = ~is_member
    act_some = ~np.isin(opt.group, groups_c)
    branches = []
    for k in range(len(members) + 1):
        act = act_none if k == 0 else act_some
        uk, lk, pk = lagrangian(opt, budget - k * opt.cost[t], active=act)
        pk = pk.copy()
        pk[groups_c[:k]] = members[:k]                 # a feasible plan of this branch, topped up
        pk = fill(opt, pk, budget, act)
        branches.append((k, uk + k * opt.value[t], lk, pk, act))
    # the branches' feasible plans may beat the incumbent
    better = None
    for _k, _uk, _lk, pk, _act in branches:
        v = float(opt.value[pk[pk >= 0]].sum())
        if v > lb + tol and opt.cost[pk[pk >= 0]].sum() <= budget + 1e-9:
            lb, better = v, pk
    keep = np.zeros(len(short), dtype=bool)
    empty_ok = np.zeros(opt.n_groups, dtype=bool)
    bounds = []
    for k, uk, lk, _pk, act in branches:
        bounds.append(uk)
        if uk < lb - tol:
            continue
        sk, bk = shortfall(opt, lk, active=act)
        keep |= act & (sk <= uk - lb + tol)
        if k == 0:
            empty_ok |= bk <= uk - lb + tol
            continue
        keep[members] = True
        others = np.ones(opt.n_groups, dtype=bool)
        others[groups_c] = False
        empty_ok |= others & (bk <= uk - lb + tol)
        if k < len(members):                           # some copies stay out: their groups choose nothing
            empty_ok[groups_c] = True
    return min(bound, max(bounds)), keep, empty_ok, lb, better


def _core_mip(opt: Options, core: np.ndarray, fixed_opts: np.ndarray, budget: float, empty_ok: np.ndarray,
              start_choice: np.ndarray, time_limit_s: float, abs_gap: float, new_highs, watch=None):
    """Solve the choice among the `core` options (their groups: at most one, exactly one where not `empty_ok`)
    with the `fixed_opts` taken, under the budget. Returns (value, chosen options incl. fixed, status, bound on
    the total value, columns) or None when HiGHS has no solution."""
    import highspy
    from scipy.sparse import csc_matrix

    fixed_cost = float(opt.cost[fixed_opts].sum())
    fixed_value = float(opt.value[fixed_opts].sum())
    if not len(core):
        return fixed_value, fixed_opts, "Optimal", fixed_value, 0
    single = opt.singleton[opt.group[core]]
    # identical singleton options (same cost and value) become one integer column bounded by their count
    agg_key = np.where(single, 0, 1 + np.arange(len(core)))
    _, col_of, counts = np.unique(np.stack([agg_key, np.round(opt.cost[core], 9), np.round(opt.value[core], 15)]),
                                  axis=1, return_inverse=True, return_counts=True)
    col_of = col_of.reshape(-1)
    n_col = len(counts)
    first = np.zeros(n_col, dtype=np.int64)
    first[col_of[::-1]] = np.arange(len(core))[::-1]
    col_ub = np.where(single[first], counts, 1).astype(float)
    groups = np.unique(opt.group[core])
    row_of_group = np.full(opt.n_groups, -1)
    row_of_group[groups] = 1 + np.arange(len(groups))
    A = csc_matrix((np.concatenate([opt.cost[core[first]], np.ones(n_col)]),
                    (np.concatenate([np.zeros(n_col, dtype=np.int64), row_of_group[opt.group[core[first]]]]),
                     np.concatenate([np.arange(n_col), np.arange(n_col)]))), shape=(1 + len(groups), n_col))
    row_lower = np.full(A.shape[0], -np.inf)
    row_upper = np.concatenate([[budget - fixed_cost], np.where(opt.singleton[groups], np.inf, 1.0)])
    row_lower[1:][~empty_ok[groups]] = 1.0
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = opt.value[core[first]]
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = col_ub
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_col
    h = new_highs(highspy) if new_highs else highspy.Highs()
    # the gap is asked of the whole plan's value, not of the core's share of it
    for k, v in (("output_flag", False), ("time_limit", float(time_limit_s)), ("mip_rel_gap", 0.0),
                 ("mip_abs_gap", float(abs_gap)), ("random_seed", 0), ("threads", 1), *HIGHS_OPTIONS.items()):
        h.setOptionValue(k, v)
    h.passModel(lp)
    # the starting plan's choices in the core (HiGHS checks the start and ignores it if infeasible)
    start = np.zeros(n_col)
    inc = start_choice[start_choice >= 0]
    inc = inc[np.isin(inc, core)]
    np.add.at(start, col_of[np.searchsorted(core, inc)], 1.0)
    warm = highspy.HighsSolution()
    warm.col_value = list(start)
    warm.value_valid = True
    h.setSolution(warm)
    detach = watch(h, fixed_value) if watch is not None else None
    try:
        h.run()
    finally:
        if detach is not None:
            detach()
    status = h.modelStatusToString(h.getModelStatus())
    sol = np.asarray(h.getSolution().col_value)
    if sol.size != n_col:
        return None
    take = np.rint(sol).astype(np.int64)
    # each column's count expands to that many of its identical options (the first ones: a deterministic plan)
    order = np.argsort(col_of, kind="stable")
    rank_in_col = np.empty(len(core), dtype=np.int64)
    rank_in_col[order] = np.arange(len(core)) - np.searchsorted(col_of[order], col_of[order])
    chosen_core = core[rank_in_col < take[col_of]]
    value = fixed_value + float(opt.value[chosen_core].sum())
    core_bound = float(getattr(h.getInfo(), "mip_dual_bound", np.nan))
    total_bound = fixed_value + core_bound if np.isfinite(core_bound) else np.inf
    return value, np.concatenate([fixed_opts, chosen_core]), status, total_bound, n_col


def _plan_value(cover: csr_matrix, weight: np.ndarray, chosen: np.ndarray) -> float:
    x = np.zeros(cover.shape[1])
    x[chosen] = 1
    return float(weight[(cover @ x) > 0].sum())
