"""Errors the CLI turns into a message on stderr and a non-zero exit status. Messages are built with `_()` when the
error is raised, so they come in the language of the command (`--lang`, `AIMAQ_LANG`) or of the web request."""

from aimaq.i18n import N_, _

# «unknown X»/«ambiguous X» by kind of name: each language agrees the adjective with the noun its own way
_UNKNOWN = {
    "territory": N_("unknown territory «{name}»"),
    "region": N_("unknown region «{name}»"),
    "region code": N_("unknown region code «{name}»"),
    "district": N_("unknown district «{name}»"),
    "settlement": N_("unknown settlement «{name}»"),
    "indicator": N_("unknown indicator «{name}»"),
    "monotown": N_("unknown monotown «{name}»"),
    "programme": N_("unknown programme «{name}»"),
    "user": N_("unknown user «{name}»"),
}


class AimaqError(Exception):
    """Base of every error Aimaq reports to a user."""

    exit_code = 1


class UnknownNameError(AimaqError):
    """A territory or indicator name that resolves to nothing; carries the nearest known names."""

    exit_code = 3

    def __init__(self, kind: str, name: str, suggestions: list[str] | None = None, context: str = ""):
        self.kind, self.name, self.suggestions = kind, name, suggestions or []
        template = _UNKNOWN.get(kind)
        text = _(template, name=name) if template else _("unknown name «{name}» ({kind})", name=name, kind=kind)
        if context:
            text += f" ({context})"
        if self.suggestions:
            text += "; " + _("nearest known: {names}", names=", ".join(self.suggestions))
        super().__init__(text)


class AmbiguousNameError(AimaqError):
    """A name that matches several territories; the caller must say which."""

    exit_code = 3

    def __init__(self, kind: str, name: str, candidates: list[str]):
        self.kind, self.name, self.candidates = kind, name, candidates
        template = (N_("ambiguous territory «{name}»: could be {candidates}") if kind == "territory" else
                    N_("the name «{name}» is ambiguous: it may mean {candidates}"))
        super().__init__(_(template, name=name, candidates=", ".join(candidates)))


class ValidationFailed(AimaqError):
    """An import whose file has problems; nothing was written."""

    exit_code = 2

    def __init__(self, problems, total: int | None = None):
        from aimaq.i18n import ngettext

        self.problems = problems
        self.total = max(total or 0, len(problems))  # a long list is cut; `total` counts them all
        super().__init__(ngettext("{n} problem found; nothing was written", "{n} problems found; nothing was written",
                                  self.total))

    def details(self, limit: int | None = None) -> str:
        """One line per problem (file, sheet, row, column: reason), then how many more were not listed."""
        from aimaq.i18n import ngettext

        shown = self.problems if limit is None else self.problems[:limit]
        rest = self.total - len(shown)
        more = "\n  " + ngettext("… and {n} more problem", "… and {n} more problems", rest) if rest > 0 else ""
        return "\n".join(f"  {p}" for p in shown) + more


class DatabaseBusy(AimaqError):
    """Another process holds the database file longer than a command may wait; nothing was written."""

    exit_code = 75  # EX_TEMPFAIL: try again later


class SpecError(AimaqError):
    """A methodology spec that does not validate."""

    exit_code = 4

    @classmethod
    def listing(cls, heading: str, problems: list[str]) -> "SpecError":
        """One error for every problem of a spec file: the heading (which file, translated), one line each."""
        return cls(heading + ":\n  - " + "\n  - ".join(problems))


class ComputationError(AimaqError):
    """A computation that cannot give a trustworthy result (never a silent NA)."""

    exit_code = 5
