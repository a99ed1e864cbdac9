"""One message catalogue for every screen: gettext catalogues (Babel) in `locale/<lang>/LC_MESSAGES/<domain>.po`.

Message ids are English; Russian is the default language, Kazakh and English are chosen with `--lang ru|kk|en`,
`AIMAQ_LANG`, or per web request (`use_language`). Every domain file of a language is merged into one translation
table, so a caller never names a domain: `_("Unknown territory {name}", name=n)`.

The `.po` files are the source; they are compiled to `.mo` once per process and language, through a per-user cache
named by each `.po`'s content, so no build step can leave a stale binary behind. `tests/i18n` fails on any message missing from a catalogue.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
import io
import os
from importlib import resources
from pathlib import Path

LANGUAGES = ("ru", "kk", "en")
DEFAULT_LANGUAGE = "ru"
# Babel/CLDR locale for each language: number and date formats
LOCALES = {"ru": "ru_RU", "kk": "kk_KZ", "en": "en_US"}

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("aimaq_language", default=None)
_process_default: str | None = None


def normalise_language(value: str | None) -> str:
    """'RU', 'kk_KZ', 'en-US' → 'ru', 'kk', 'en'; anything else is an error naming the choices."""
    text = (value or "").strip().lower().replace("-", "_").split("_")[0]
    if text == "kz":  # a common way to write Kazakh
        text = "kk"
    if text not in LANGUAGES:
        from aimaq.errors import AimaqError

        raise AimaqError(_("Unknown language {value!r}; choose one of: {choices}", value=value,
                           choices=", ".join(LANGUAGES)))
    return text


def set_language(value: str | None) -> str:
    """The process-wide language (the CLI's --lang); None falls back to $AIMAQ_LANG, then Russian."""
    global _process_default
    _process_default = normalise_language(value) if value else None
    return get_language()


def get_language() -> str:
    lang = _current.get() or _process_default
    if lang:
        return lang
    env = os.environ.get("AIMAQ_LANG")
    if env:
        try:
            return normalise_language(env)
        except Exception:  # a bad AIMAQ_LANG must not break every message; the CLI reports it
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@contextlib.contextmanager
def use_language(lang: str | None):
    """Within the block (one web request, one report edition) messages are in `lang`."""
    token = _current.set(normalise_language(lang) if lang else None)
    try:
        yield get_language()
    finally:
        _current.reset(token)


def catalogue_files(lang: str) -> list:
    folder = resources.files("aimaq.i18n") / "locale" / lang / "LC_MESSAGES"
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """Every domain of `lang` merged into one GNUTranslations (compiled from the .po sources)."""
    merged = None
    for po in catalogue_files(lang):
        table = _gettext.GNUTranslations(io.BytesIO(_compiled(po, lang)))
        if merged is None:
            merged = table
        else:
            merged.add_fallback(table)
    return merged or _gettext.NullTranslations()


def _compiled(po, lang: str) -> bytes:
    """The .mo of one .po. Babel's parser takes a fifth of a second for every catalogue, so the result is kept in a
    per-user cache named by the .po's content (and Babel's version): an edited .po is compiled afresh, never stale.
    Without a writable cache it is compiled in memory each time."""
    import hashlib

    import babel

    source = po.read_bytes()
    digest = hashlib.sha256(source + babel.__version__.encode()).hexdigest()[:20]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aimaq" / "i18n"
    cached = cache / f"{lang}-{po.name[:-3]}-{digest}.mo"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    write_mo(buffer, read_po(io.BytesIO(source), locale=LOCALES[lang].split("_")[0]))
    compiled = buffer.getvalue()
    try:  # written aside and renamed: a process reading the cache never sees half a file
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f".{cached.name}.{os.getpid()}"
        partial.write_bytes(compiled)
        os.replace(partial, cached)
    except OSError:
        pass
    return compiled


def _format(text: str, kwargs: dict) -> str:
    return text.format(**kwargs) if kwargs else text


def _(message: str, /, **kwargs) -> str:
    """The message in the current language, with `{name}` fields filled from kwargs."""
    return _format(translations(get_language()).gettext(message), kwargs)


gettext = _


def ngettext(singular: str, plural: str, n: int, /, **kwargs) -> str:
    """Plural forms by the language's rule (Russian has three: 1 файл, 2 файла, 5 файлов); `{n}` is filled."""
    return _format(translations(get_language()).ngettext(singular, plural, n), {"n": n, **kwargs})


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined (a constant); translate it with `_()` where shown."""
    return message


def babel_locale(lang: str | None = None) -> str:
    return LOCALES[lang or get_language()]


def format_number(value, decimals: int | None = None, lang: str | None = None) -> str:
    """A number as the language writes it: ru/kk `19 765 004`, `64,7`; en `19,765,004`, `64.7`.
    `decimals` fixes the digits after the separator; None keeps what the value has (up to 3)."""
    from babel.numbers import format_decimal

    if value is None:
        return ""
    if decimals is None:
        return format_decimal(value, locale=babel_locale(lang), decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def format_bool(value: bool | None, lang: str | None = None) -> str:
    if value is None:
        return ""
    with use_language(lang) if lang else contextlib.nullcontext():
        return _("yes") if value else _("no")
