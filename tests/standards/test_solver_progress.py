"""The budget plan's live display (best plan and gap as HiGHS improves the knapsack's core problem) changes nothing:
solved twice in one process, with and without the display, the plans are identical — and a display that fails
inside the solver's callback cannot stop the solve."""

import numpy as np

from aimaq import progress
from aimaq.i18n import use_language
from aimaq.standards import mckp
from aimaq.standards.optimise import _new_highs, _watch_knapsack

from .test_standards_plan_exact import _instance

# instances whose core problem HiGHS must solve (the Lagrangian and branching bounds do not close them)
CASES = [(0, 500), (3, 800)]


class Recorder(progress.Reporter):
    def __init__(self, fail_after: int | None = None):
        self.notes, self.fail_after = [], fail_after

    def status(self, text):
        if self.fail_after is not None and len(self.notes) >= self.fail_after:
            raise RuntimeError("the display broke")
        self.notes.append(text)


def _solve_all(reporter=None):
    token = progress._current.set(reporter) if reporter else None
    try:
        with use_language("ru"):
            out = []
            for seed, budget in CASES:
                cover, cost, value = _instance(seed, n_small=400, n_groups=30)
                watch = _watch_knapsack if progress.is_active() else None
                out.append(mckp.solve(cover, cost, value, budget, new_highs=_new_highs, watch=watch))
            return out
    finally:
        if token is not None:
            progress._current.reset(token)


def _same(a, b):
    assert np.array_equal(np.sort(a.chosen), np.sort(b.chosen))
    assert a.value == b.value and a.status == b.status == "Optimal"


def test_the_display_shows_the_best_plan_and_changes_no_solve():
    before = _solve_all()
    recorder = Recorder()
    shown = _solve_all(recorder)
    after = _solve_all()
    for a, b, c in zip(before, shown, after):
        _same(a, b)
        _same(a, c)
    assert len(recorder.notes) >= 2 * len(CASES)  # the plan at the start of each core solve, then HiGHS's
    assert all(n.startswith("лучший план ") and " п.п., разрыв " in n for n in recorder.notes), recorder.notes
    # the last note of the last solve is its final plan, as the display writes numbers
    assert recorder.notes[-1].startswith(f"лучший план {shown[-1].value:.3f}".replace(".", ","))


def test_a_display_failing_inside_the_solver_cannot_stop_it():
    before = _solve_all()
    # the opening note is shown, every later one raises — inside HiGHS's improving-solution callback
    token = progress._current.set(Recorder(fail_after=1))
    try:
        cover, cost, value = _instance(CASES[0][0], n_small=400, n_groups=30)
        with use_language("ru"):
            sol = mckp.solve(cover, cost, value, CASES[0][1], new_highs=_new_highs, watch=_watch_knapsack)
    finally:
        progress._current.reset(token)
    _same(before[0], sol)
