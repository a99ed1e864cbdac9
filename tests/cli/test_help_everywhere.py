"""A mechanical guard against English help: every command and sub-command of the CLI, and each of its options,
explains itself in Russian (`--lang ru`). A new command or option whose help is not in the catalogue fails here."""

import re

from aimaq.cli.main import build_command
from aimaq.cli.texts import iter_commands

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _squeeze(text: str) -> str:
    """Text without spaces and the frame of rich's help panels, which wrap a help text anywhere."""
    return re.sub(r"[\s│]", "", text)


def test_every_command_and_option_has_russian_help(aimaq):
    commands = list(iter_commands(build_command(["--lang", "ru"])))
    assert len(commands) > 60  # the whole tree, not only the top level
    english = []
    for path, command in commands:
        code, out, err = aimaq("--lang", "ru", *path, "--help")
        assert code == 0, (path, err)
        if not CYRILLIC.search(command.help or command.short_help or ""):
            english.append(f"{' '.join(path) or 'aimaq'}: {command.help!r}")
        for param in command.params:
            if getattr(param, "help", None) is not None or getattr(param, "param_type_name", "") == "option":
                help_text = param.help or ""
                if not CYRILLIC.search(help_text):
                    english.append(f"{' '.join(path) or 'aimaq'} {param.name}: {help_text!r}")
                elif _squeeze(help_text)[:20] not in _squeeze(out):
                    english.append(f"{' '.join(path) or 'aimaq'} {param.name}: not shown in --help")
    assert not english, "\n".join(english)
