"""Signs of life for long computations: services announce steps and counted loops here; by default nothing is shown.

A service calls `progress.step("…")` around a stage, `progress.track("…", total)` around a counted loop (it yields
an `advance(n)` function) and `progress.status("…")` for a live line such as a solver's best value and gap. The
calls cost nothing unless the command line has switched a reporter on with `reporting(True)` (a terminal on stderr
and no `--quiet`): computation stays pure and silent in tests and when the output is piped.
Descriptions are shown as given: callers translate them with `_()`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator


class Reporter:
    """The silent default: every call does nothing."""

    @contextlib.contextmanager
    def step(self, description: str) -> Iterator[None]:
        yield

    @contextlib.contextmanager
    def track(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        yield _ignore

    def status(self, text: str) -> None:
        pass


def _ignore(n: int = 1) -> None:
    pass


_current: contextvars.ContextVar[Reporter] = contextvars.ContextVar("aimaq_progress", default=Reporter())


def step(description: str):
    """`with progress.step(_("Loading the registry")):` — one line, ticked with its time when the block ends."""
    return _current.get().step(description)


def track(description: str, total: int):
    """`with progress.track(_("Draws"), n) as advance:` … `advance(k)` — a bar of `total` units."""
    return _current.get().track(description, total)


def status(text: str) -> None:
    """Replace the live note of the innermost running step or bar (e.g. «лучший план 12,3; разрыв 4,1%»)."""
    _current.get().status(text)


def is_active() -> bool:
    """Whether anything is shown (lets a caller skip work done only for the display, such as solver callbacks)."""
    return type(_current.get()) is not Reporter


def _CountedOnly(column):
    """A rich column drawn for bars (track) only: a step is a ticked line without a bar or a count."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountedOnly(ProgressColumn):
        def render(self, task):
            return column.render(task) if task.fields.get("counted") else Text("")

    return CountedOnly()


class RichReporter(Reporter):
    """Steps and bars drawn by rich on a console (stderr). The display runs only while a step or bar is open, so
    results printed afterwards come below the finished list, not under a live area."""

    def __init__(self, console):
        self.console = console
        self._display = None
        self._open: list[int] = []   # task ids of the running steps and bars, innermost last

    def _start(self):
        if self._display is None:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)

            # the time first: a long description on a narrow terminal is cut at its end, never the time
            self._display = Progress(SpinnerColumn(finished_text="[green]✓"), TimeElapsedColumn(),
                                     TextColumn("{task.description}{task.fields[note]}"), _CountedOnly(BarColumn()),
                                     _CountedOnly(MofNCompleteColumn()),
                                     console=self.console, transient=False, redirect_stdout=False,
                                     redirect_stderr=False)
            self._display.start()
        return self._display

    def _fit(self, text: str, others: int) -> str:
        """The description cut to what the terminal leaves beside the other columns (rich would drop them)."""
        room = max(self.console.width - others, 10)
        return text if len(text) <= room else text[:room - 1] + "…"

    def _finish(self, task_id: int) -> None:
        self._open.remove(task_id)
        if not self._open and self._display is not None:
            self._display.stop()
            self._display = None

    @contextlib.contextmanager
    def step(self, description: str) -> Iterator[None]:
        display = self._start()
        task_id = display.add_task(self._fit(description, 12), total=1, note="", counted=False)
        self._open.append(task_id)
        try:
            yield
            display.update(task_id, completed=1)
        finally:
            self._finish(task_id)

    @contextlib.contextmanager
    def track(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        display = self._start()
        task_id = display.add_task(self._fit(description, 40), total=max(int(total), 1), note="", counted=True)
        self._open.append(task_id)

        def advance(n: int = 1) -> None:
            display.advance(task_id, n)

        try:
            yield advance
            display.update(task_id, completed=max(int(total), 1))
        finally:
            self._finish(task_id)

    def status(self, text: str) -> None:
        """The note goes on a line of its own under the task's description, so a narrow terminal still shows it."""
        if self._display is not None and self._open:
            task = self._open[-1]
            self._display.update(task, note="\n" + " " * 10 + self._fit(text, 12))


@contextlib.contextmanager
def reporting(enabled: bool = True, console=None) -> Iterator[Reporter]:
    """Within the block, steps and bars are drawn on `console` (default: stderr) when `enabled`."""
    if not enabled:
        yield _current.get()
        return
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)
    reporter = RichReporter(console)
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        if reporter._display is not None:
            reporter._display.stop()
        _current.reset(token)


def wanted(quiet: bool) -> bool:
    """Progress is drawn on a terminal only: never with --quiet or when stderr goes to a pipe or a file."""
    if quiet:
        return False
    import os
    import sys

    if not sys.stderr.isatty() and not os.environ.get("FORCE_COLOR") and not os.environ.get("TTY_COMPATIBLE"):
        return False  # what rich would say, without importing it (a tenth of a second of a small import)
    from rich.console import Console

    return Console(stderr=True).is_terminal

