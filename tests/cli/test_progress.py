"""Progress on a terminal (rich), nothing when piped or with --quiet; services call a silent default."""

import io
import shutil
import subprocess
import sys

import numpy as np
import pytest
from rich.console import Console

from aimaq import i18n, progress


def _terminal():
    buffer = io.StringIO()
    return buffer, Console(file=buffer, force_terminal=True, width=100)


def test_steps_and_bars_are_drawn_on_a_terminal():
    buffer, console = _terminal()
    with progress.reporting(True, console=console):
        with progress.step("реестр территорий"):
            progress.status("лучший план 1,5")
        with progress.track("траектории", 3) as advance:
            advance(1)
            advance(2)
    shown = buffer.getvalue()
    assert "✓" in shown and "реестр территорий" in shown and "лучший план 1,5" in shown
    assert "траектории" in shown and "3/3" in shown


def test_the_default_is_silent_and_costs_nothing(capsys):
    assert not progress.is_active()
    with progress.step("ничего"):
        progress.status("не видно")
    with progress.track("ничего", 5) as advance:
        advance(5)
    assert capsys.readouterr() == ("", "")
    assert not progress.wanted(quiet=True)
    assert not progress.wanted(quiet=False)  # pytest captures stderr: not a terminal


def test_disabled_reporting_draws_nothing():
    buffer, console = _terminal()
    with progress.reporting(False, console=console):
        with progress.step("шаг"):
            pass
    assert buffer.getvalue() == ""


class Recorder(progress.Reporter):
    def __init__(self):
        self.notes = []

    def status(self, text):
        self.notes.append(text)


_HIGHS_PROGRESS = """
import numpy as np, highspy
from aimaq import i18n, progress
from aimaq.standards.optimise import _new_highs, _show_solver_progress

class Recorder:
    def __init__(self):
        self.notes = []
    def status(self, text):
        self.notes.append(text)

rng = np.random.default_rng(0)
n = 60  # a knapsack HiGHS must branch on
weight, value = rng.integers(1, 50, n).astype(float), rng.integers(1, 50, n).astype(float)
lp = highspy.HighsLp()
lp.num_col_, lp.num_row_ = n, 1
lp.col_cost_, lp.col_lower_, lp.col_upper_ = value, np.zeros(n), np.ones(n)
lp.row_lower_, lp.row_upper_ = np.array([-highspy.kHighsInf]), np.array([weight.sum() / 3])
lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = np.arange(n + 1), np.zeros(n, np.int32), weight
lp.sense_ = highspy.ObjSense.kMaximize
lp.integrality_ = [highspy.HighsVarType.kInteger] * n
h = _new_highs(highspy)
h.setOptionValue("output_flag", False)
h.passModel(lp)
recorder = Recorder()
progress._current.set(recorder)
with i18n.use_language("ru"):
    _show_solver_progress(h, "threshold")
    h.run()
print(recorder.notes[0] if recorder.notes else "")
"""


def test_the_integer_program_reports_its_best_plan_and_gap():
    # in its own process: a HiGHS callback subscription outlives its solve and would change later solves here
    done = subprocess.run([sys.executable, "-c", _HIGHS_PROGRESS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    note = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert note.startswith("лучший план ") and "населённых пунктов, разрыв " in note, done.stdout


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) from util-linux for a terminal")
def test_a_command_shows_its_steps_on_a_terminal_and_nothing_when_piped_or_quiet(tmp_path):
    command = [sys.executable, "-m", "aimaq.cli.main", "composite", "example", "asem", "--out", str(tmp_path), "-f",
               "csv"]
    on_terminal = subprocess.run(["script", "-q", "-e", "-c", " ".join(command), "/dev/null"], capture_output=True,
                                 text=True)
    assert on_terminal.returncode == 0, on_terminal.stdout
    assert "пример ASEM" in on_terminal.stdout and "✓" in on_terminal.stdout
    quiet = subprocess.run(["script", "-q", "-e", "-c", " ".join(command[:3] + ["--quiet"] + command[3:]),
                            "/dev/null"], capture_output=True, text=True)
    assert quiet.returncode == 0 and "пример ASEM" not in quiet.stdout and "uCode,Index,Rank" in quiet.stdout
    piped = subprocess.run(command, capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout.startswith("uCode,Index,Rank")
