"""Plain command-line values (text, paths, choices) converted without pydantic.

typer (≥ 0.2x) converts every parameter through a pydantic `TypeAdapter`; importing pydantic for that is about a
fifth of a second of a small command such as a 1-row `aimaq import`. For a parameter that is plain text, a plain
path or a choice, the same conversion is done here with typer's own helpers; whatever these cannot take for sure
(a value that is not one of the choices, a list, anything unusual) goes to typer's own conversion, so its messages
stay exactly typer's. Options of other types are left to typer untouched."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

_TYPER = object()  # "let typer convert it"


def _plain_kind(param) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", _TYPER) is not None:
        return None
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if descriptor.file_annotation is not None or descriptor.is_list or descriptor.is_tuple or info.parser is not None:
        return None
    if annotation is str:
        return "text"
    if annotation is bool:  # a flag arrives as a bool (typer converts nothing) or None (nothing to convert)
        return "flag"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "choice"
    if isinstance(annotation, type) and issubclass(annotation, Path) and info.path_type in (None, annotation):
        return "path"
    return None


def install(command) -> None:
    """Give every plain parameter of the click command tree the direct conversion (typer's is built lazily, so
    nothing is lost where it is replaced)."""
    try:
        from typer._coercion import RuntimeParam
    except ImportError:  # a typer without pydantic conversion: nothing to do
        return
    help_option = getattr(command, "_help_option", None)  # built apart from `params` (cli/texts.py)
    for param in [*getattr(command, "params", ()), *([help_option] if help_option else [])]:
        kind = _plain_kind(param)
        if kind is not None:
            param._runtime_param = _direct_class(RuntimeParam)(param.type_descriptor.parameter_info,
                                                                param.type_descriptor.annotation, kind)
    for sub in getattr(command, "commands", {}).values():
        install(sub)


_CLASS: list = []


def _direct_class(base):
    if _CLASS:
        return _CLASS[0]

    @dataclass(frozen=True)
    class DirectParam(base):
        kind: str

        def _coerce_value(self, value, param, ctx):
            result = self._direct(value, param, ctx)
            if result is _TYPER:
                from typer._coercion import build_runtime_param

                return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)
            return result

        def _direct(self, value, param, ctx):
            from typer._param_types import coerce_cli_choice, coerce_cli_path

            if self.kind == "flag":
                return _TYPER
            if self.kind == "text":
                return value if isinstance(value, str) else _TYPER
            if self.kind == "choice":
                try:
                    return coerce_cli_choice(value, choices=tuple(self.annotation),
                                             case_sensitive=self.parameter_info.case_sensitive, ctx=ctx)
                except ValueError:  # typer words the refusal
                    return _TYPER
            if isinstance(value, str):  # a path: typer's own checks (exists, file or folder …) on a Path
                return coerce_cli_path(self.annotation(value), self.parameter_info, path_type=self.annotation,
                                       param=param, ctx=ctx)
            return _TYPER

    _CLASS.append(DirectParam)
    return DirectParam
