import pytest

from aimaq import i18n


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The tests read messages by their English ids; a few tests check the Russian default on purpose."""
    monkeypatch.setenv("AIMAQ_LANG", "en")
    with i18n.use_language("en"):
        yield
    i18n.set_language(None)  # a CLI run inside the test set the process language from AIMAQ_LANG
