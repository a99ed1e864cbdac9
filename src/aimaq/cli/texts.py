"""Help texts and the command-line library's own words (click, typer) in the user's language.

Help texts are written in English and marked with `N_()`; `translate_tree` replaces them by their translation
when the command tree is built. click and typer word their usage errors and help headings through the standard
`gettext` module; `translate_library_messages` points those modules at our catalogue, whose entries for them are
listed in LIBRARY_MESSAGES (so the catalogue test requires them in every language)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import re
import sys

import click

from aimaq.i18n import N_, _, get_language, translations

# click's and typer's messages that a user meets (usage errors, help headings), as those libraries spell them
LIBRARY_MESSAGES = [
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Arguments"), N_("Error"), N_("Aborted!"), N_("Aborted."),
    N_("Show this message and exit."), N_("Error: {message}"), N_("Try '{command} {option}' for help."),
    N_("Try [blue]'{command_path} {help_option}'[/] for help."), N_("Missing argument"), N_("Missing option"),
    N_("Missing parameter"), N_("Missing command."), N_("No such option {name!r}."), N_("No such command {name!r}."),
    N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"),
    N_("{value!r} is not a valid {number_type}."), N_("integer"), N_("float"), N_("[default: {}]"),
    N_("[required]"), N_("[env var: {}]"), N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."), N_("file"), N_("path"), N_("directory"),
]


def ngettext(singular: str, plural: str, n: int = 1) -> tuple[str, str]:
    """Marks a plural message of click for the catalogue (the extractor reads calls named ngettext)."""
    return singular, plural


LIBRARY_PLURALS = [
    ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
]
_TYPER_CONSTANTS = {"DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
                    "REQUIRED_LONG_STRING": "[required]", "ARGUMENTS_PANEL_TITLE": "Arguments",
                    "OPTIONS_PANEL_TITLE": "Options", "COMMANDS_PANEL_TITLE": "Commands",
                    "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
                    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help."}


def _lookup(message: str) -> str:
    """gettext for the libraries: the translation without filling fields (the library fills them itself)."""
    return translations(get_language()).gettext(message)


def _nlookup(singular: str, plural: str, n: int) -> str:
    return translations(get_language()).ngettext(singular, plural, n)


def translate_library_messages() -> None:
    """Make click and typer speak the current language (their modules bound `gettext` at import)."""
    for name in ("click.core", "click.exceptions", "click.types", "click.parser", "click.decorators",
                 "click.formatting", "click.termui", "typer.core"):
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _lookup
        if hasattr(module, "ngettext"):
            module.ngettext = _nlookup
    _patch_vendored_click()
    # typer imports its rich help (≈1 s: rich's markdown) only to show help or an error: patch it when it comes
    if "typer.rich_utils" in sys.modules:
        _patch_rich_utils(sys.modules["typer.rich_utils"])
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


def _patch_rich_utils(rich_utils) -> None:
    for constant, message in _TYPER_CONSTANTS.items():
        if hasattr(rich_utils, constant):
            setattr(rich_utils, constant, _lookup(message))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds typer.rich_utils as usual and translates its constants right after the module runs."""

    def find_spec(self, name, path, target=None):
        if name != "typer.rich_utils":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch_rich_utils(module)

        spec.loader.exec_module = exec_module
        return spec


# typer ≥ 0.20 carries its own copy of click whose messages are plain English f-strings: their fixed phrases are
# replaced by the catalogue's translation when an error is shown
_PHRASES = [N_("Missing argument"), N_("Missing option"), N_("Missing parameter"), N_("No such option"),
            N_("Invalid value for"), N_("Invalid value"), N_("Got unexpected extra argument(s)"),
            N_("Possible options"), N_("is not a valid"), N_("is not one of"), N_("Value"), N_("Choose from"),
            N_("does not take a value"), N_("requires an argument"), N_("No such command"), N_("Did you mean"),
            # typer checks values with pydantic, whose messages come through as they are
            N_("Value error"), N_("Input should be a valid integer"), N_("Input should be a valid number"),
            N_("unable to parse string as an integer"), N_("unable to parse string as a number"),
            N_("Input should be a valid date"), N_("Input should be a valid boolean")]
_PHRASE_PATTERN = re.compile("|".join(re.escape(p) for p in sorted(_PHRASES, key=len, reverse=True)))


def translate_library_text(text: str) -> str:
    """An English message of click/typer with its fixed phrases in the current language."""
    return _PHRASE_PATTERN.sub(lambda m: _lookup(m.group(0)), text)


def _patch_vendored_click() -> None:
    try:
        from typer._click import exceptions, formatting
    except ImportError:
        return
    for cls in vars(exceptions).values():
        if isinstance(cls, type) and "format_message" in vars(cls) and not hasattr(cls.format_message, "aimaq"):
            cls.format_message = _translated(cls.format_message)
    write_usage = formatting.HelpFormatter.write_usage
    if not hasattr(write_usage, "aimaq"):
        def translated_usage(self, prog, args="", prefix=None):
            return write_usage(self, prog, args, _lookup("Usage:") + " " if prefix is None else prefix)

        translated_usage.aimaq = True
        formatting.HelpFormatter.write_usage = translated_usage


def _translated(format_message):
    def wrapper(self):
        return translate_library_text(format_message(self))

    wrapper.aimaq = True
    return wrapper


def translate_tree(command) -> None:
    """Every help text of the tree in the current language; every choice option case-insensitive (`-f CSV`)."""
    for attr in ("help", "short_help", "epilog"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, _(text))
    _translate_help_option(command)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _(param.help)
        _case_insensitive(param)
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)


def _case_insensitive(param) -> None:
    if isinstance(getattr(param, "type", None), click.Choice):  # plain click
        param.type.case_sensitive = False
    descriptor = getattr(param, "type_descriptor", None)  # typer ≥ 0.20 describes choices itself
    if descriptor is not None and getattr(descriptor, "is_choice", False) and descriptor.case_sensitive:
        descriptor.parameter_info.case_sensitive = False  # the descriptor reads it from the option's declaration
        if hasattr(param, "_runtime_param"):
            param._runtime_param = None  # rebuilt lazily from it


def _translate_help_option(command) -> None:
    """typer builds --help lazily with an English text: build it now (as typer would) and translate its text."""
    if getattr(command, "_help_option", False) is not None or not getattr(command, "add_help_option", False):
        return
    try:
        from typer._click.decorators import help_option
    except ImportError:  # older typer: click's own help option, translated through click's gettext
        return
    help_option(["--help"])(command)
    option = command.params.pop()
    option.help = _(option.help)
    command._help_option = option


# help texts of options defined outside the command modules (cli/output.py's --format)
OTHER_HELP = [N_("table, csv or json")]

# words the commands put into messages by value: territory levels, population areas
VALUE_WORDS = [N_("region"), N_("total"), N_("urban"), N_("rural"), N_("sphere"), N_("year")]
# a territory's level in a sentence («Аягоз» — это населённый пункт)
LEVEL_WORDS = {"country": N_("the country"), "region": N_("a region"), "district": N_("a district"),
               "okrug": N_("a rural district"), "settlement": N_("a settlement")}
