import pytest

from aimaq import i18n, settings
from aimaq.cli.main import main


@pytest.fixture(autouse=True)
def _fresh_language_and_settings(monkeypatch):
    """Each test starts in the default language (Russian) and leaves no --lang/--db behind for other tests."""
    monkeypatch.delenv("AIMAQ_LANG", raising=False)
    monkeypatch.delenv("AIMAQ_DB", raising=False)
    yield
    i18n.set_language(None)
    settings.configure(None)


@pytest.fixture()
def aimaq(capsys):
    """Run the command line in this process: (exit status, stdout, stderr)."""

    def run(*args):
        with pytest.raises(SystemExit) as stop:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        code = stop.value.code
        return (0 if code is None else code), captured.out, captured.err

    return run
