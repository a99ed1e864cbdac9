"""One message catalogue: every message the code shows is translated in ru, kk and en."""

import pytest

from aimaq import i18n
from aimaq.i18n.missing import code_messages, problems


def test_every_message_is_in_every_catalogue():
    found = problems()
    assert not found, "\n".join(found[:50]) + "\n(python -m aimaq.i18n.missing --stub DOMAIN adds stubs to fill)"


def test_extraction_sees_the_code():
    assert "yes" in code_messages()


@pytest.mark.parametrize("lang, expected", [("ru", "да"), ("kk", "иә"), ("en", "yes")])
def test_language_switch(lang, expected):
    with i18n.use_language(lang):
        assert i18n._("yes") == expected
        assert i18n.format_bool(True) == expected


def test_russian_plurals_and_numbers():
    with i18n.use_language("ru"):
        assert i18n.ngettext("{n} problem found; nothing was written", "{n} problems found; nothing was written",
                             1).startswith("Найдена 1 ошибка")
        assert "3 ошибки" in i18n.ngettext("{n} problem found; nothing was written",
                                           "{n} problems found; nothing was written", 3)
        assert "11 ошибок" in i18n.ngettext("{n} problem found; nothing was written",
                                            "{n} problems found; nothing was written", 11)
        assert i18n.format_number(19765004).replace("\u00a0", " ") == "19 765 004"
        assert i18n.format_number(64.7, 1) == "64,7"
    with i18n.use_language("en"):
        assert i18n.format_number(64.7, 1) == "64.7"


def test_language_names_are_forgiving_and_bad_ones_named():
    assert i18n.normalise_language("RU") == "ru"
    assert i18n.normalise_language("kk-KZ") == "kk"
    with pytest.raises(Exception, match="de"):
        i18n.normalise_language("de")
