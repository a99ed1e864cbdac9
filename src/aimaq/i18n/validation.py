"""pydantic's validation errors in the user's language: one line per problem, `where: what`.

pydantic words its messages in English only; each error carries a type and its context (bounds, choices), so the
sentence is rebuilt here from the catalogue. A validator's own ValueError is already translated where raised."""

from __future__ import annotations

from aimaq.i18n import N_, _

# pydantic error type → message; `{…}` fields come from the error's context
_BY_TYPE = {
    "missing": N_("required field is missing"),
    "extra_forbidden": N_("unknown field"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "literal_error": N_("must be one of: {expected}"),
    "enum": N_("must be one of: {expected}"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "string_type": N_("must be text"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a mapping (key: value)"),
    "model_type": N_("must be a mapping (key: value)"),
    "model_attributes_type": N_("must be a mapping (key: value)"),
}


def validation_problems(exc) -> list[str]:
    """One translated line per error of a pydantic ValidationError: the field's path (`items.3.rule.km`), a colon,
    the reason."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())) or "—"
        context = error.get("ctx") or {}
        template = _BY_TYPE.get(error.get("type", ""))
        if error.get("type") == "value_error" and "error" in context:
            reason = str(context["error"])  # our validator's message, translated when raised
        elif template:
            reason = _(template, **{k: v for k, v in context.items() if isinstance(v, (str, int, float))})
        else:
            reason = error.get("msg", "")  # a type not listed: pydantic's own English words
        lines.append(f"{where}: {reason}")
    return lines
