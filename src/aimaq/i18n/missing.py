"""Which messages of the code are missing from a catalogue: `python -m aimaq.i18n.missing` lists them
(and `--stub DOMAIN` appends empty entries for them to that domain's .po of every language, to fill in).

Messages are found the way gettext tools find them: `_()`, `ngettext()`, `N_()` in Python files and
`{{ _("…") }}` in the Jinja templates of the package."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from aimaq.i18n import LANGUAGES, LOCALES

PACKAGE = Path(__file__).resolve().parents[1]
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**/templates/**.j2", "jinja2.ext:babel_extract"),
           ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
_FIELD = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}")


def code_messages() -> dict[str | tuple[str, str], list[str]]:
    """msgid (or (singular, plural)) → where it is used."""
    found: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            PACKAGE, METHODS, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True):
        if filename.startswith("i18n/missing"):
            continue
        if isinstance(message, tuple):
            message = tuple(m for m in message if m is not None)
            message = message[0] if len(message) == 1 else message[:2]
        if not message:
            continue
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def load_catalogues(lang: str) -> dict:
    """msgid → (msgstr or tuple of plural msgstrs, domain file); a msgid twice with different text is reported."""
    entries: dict = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=LOCALES[lang].split("_")[0])
        for message in catalog:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else tuple(message.id)
            text = message.string if isinstance(message.string, str) else tuple(message.string)
            if key in entries and entries[key][0] != text:
                entries.setdefault(("__conflict__", key), (text, po.name))
            entries.setdefault(key, (text, po.name))
    return entries


def _fields(text: str) -> set[str]:
    return set(_FIELD.findall(text))


def problems() -> list[str]:
    """Every message missing or untranslated in some language, every placeholder mismatch, every conflict."""
    messages = code_messages()
    out = []
    for lang in LANGUAGES:
        entries = load_catalogues(lang)
        for key, (text, file) in entries.items():
            if isinstance(key, tuple) and key and key[0] == "__conflict__":
                out.append(f"{lang}: {key[1]!r} translated differently in two files ({file})")
        for message, where in messages.items():
            entry = entries.get(message)
            if entry is None or not entry[0] or (isinstance(entry[0], tuple) and not all(entry[0])):
                out.append(f"{lang}: missing {message!r} (used at {where[0]})")
                continue
            singular = message if isinstance(message, str) else message[0]
            texts = entry[0] if isinstance(entry[0], tuple) else (entry[0],)
            wanted = _fields(singular) | (_fields(message[1]) if isinstance(message, tuple) else set())
            for text in texts:
                extra = _fields(text) - wanted
                if extra:
                    out.append(f"{lang}: {singular!r} translation has fields the code does not fill: {sorted(extra)}")
    return out


def stub(domain: str) -> int:
    """Append an empty entry for each message missing in each language to `<lang>/LC_MESSAGES/<domain>.po`."""
    from babel.messages.pofile import escape

    messages = code_messages()
    added = 0
    for lang in LANGUAGES:
        entries = load_catalogues(lang)
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
        if not path.exists():
            path.write_text(f'# Aimaq messages ({lang}), domain {domain}. Message ids are English.\nmsgid ""\n'
                            f'msgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: {lang}\\n"\n\n',
                            encoding="utf-8")
        lines = []
        for message in messages:
            if message in entries:
                continue
            if isinstance(message, tuple):
                lines.append(f"msgid {escape(message[0])}\nmsgid_plural {escape(message[1])}\n"
                             + "".join(f'msgstr[{i}] ""\n' for i in range(3 if lang == "ru" else 2)) + "\n")
            else:
                lines.append(f"msgid {escape(message)}\nmsgstr \"\"\n\n")
            added += 1
        if lines:
            with path.open("a", encoding="utf-8") as handle:
                handle.write("".join(lines))
    return added


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--stub":
        print(f"{stub(sys.argv[2])} empty entries appended; fill in their msgstr")
    found = problems()
    print("\n".join(found) if found else "every message is in every catalogue")
    sys.exit(1 if found else 0)
