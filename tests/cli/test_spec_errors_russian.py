"""A broken methodology spec is reported in the user's language (Russian by default), every problem on its own
line, with exit status 4 — pydantic's and the loaders' English never reaches the screen."""

import re

import pytest

from aimaq import i18n
from aimaq.errors import SpecError

LATIN_WORDS = re.compile(r"\b(?:must|needs|missing|unknown|duplicate|Input|should|Field|required|permitted)\b")


def _russian(text: str) -> bool:
    return bool(re.search("[а-яё]", text, re.IGNORECASE)) and not LATIN_WORDS.search(text)


def test_a_broken_standards_catalogue_in_russian_on_the_command_line(aimaq, tmp_path):
    spec = tmp_path / "catalogue.yaml"
    spec.write_text("name: test\nedition: x\nversion: 1\nstatus: draft\ndetour_factor: 0.5\ncategories: []\n"
                    "directions: []\nitems:\n  - code: a\n    direction: d\n    categories: []\n    mandatory: maybe\n"
                    "    name_ru: А\n    rule: {kind: within_km, facility: school}\n    cost: {fixed_mln: -1}\n"
                    "    colour: red\n", encoding="utf-8")
    code, out, err = aimaq("standards", "catalogue", "--edition", spec)
    assert code == 4 and out == ""
    assert err.startswith(f"Ошибка: ошибки в каталоге {spec}:")
    lines = err.splitlines()[1:]
    for expected in ("detour_factor: должно быть не меньше 1", "items.0.mandatory: должно быть true или false",
                     "items.0.cost.fixed_mln: должно быть не меньше 0", "items.0.colour: неизвестное поле",
                     "items.0.rule: правилу within_km нужен `km`"):
        assert any(expected in line for line in lines), (expected, err)
    assert all(_russian(line.split(":", 1)[1]) for line in lines), err


def test_a_broken_index_spec_in_russian_and_in_kazakh(aimaq, tmp_path):
    spec = tmp_path / "index.yaml"
    spec.write_text("indicators:\n  - {code: a, parent: top, weight: -1}\n  - {code: b, parent: a, direction: 2}\n"
                    "aggregates:\n  - {code: top}\n  - {code: empty, parent: top}\n", encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("uCode,a,b\nX,1,2\nY,3,4\n", encoding="utf-8")
    code, _, err = aimaq("composite", "run", spec, data, "--out", tmp_path / "out")
    assert code == 4
    for expected in ("Ошибка: ошибки в спецификации индекса:", "a: вес должен быть не меньше 0 (указано -1.0)",
                     "b: направление должно быть 1 или -1 (указано 2)", "b: родитель «a» — показатель, а не агрегат",
                     "у агрегата empty нет дочерних узлов"):
        assert expected in err, (expected, err)
    assert not (tmp_path / "out" / "results.csv").exists()
    code, _, err = aimaq("--lang", "kk", "composite", "run", spec, data, "--out", tmp_path / "out")
    assert code == 4 and "Қате: индекс спецификациясында қателер бар:" in err and "салмақ 0-ден кем" in err


@pytest.mark.parametrize("loader, text, expected", [
    ("rating", "year: x\nfactors: [{code: f, weight: -2}]\n", ["year: нужен год — целое число",
                                                                 "фактор f: нет показателей"]),
    ("villages", "name: v\nversion: 1\n", ["нет обязательного поля", "ошибки в критериях"]),
    ("monotowns", "name: m\nthresholds: {high: 40, medium: 60}\n", ["нет ключа «version»", "нет ключа «index»"]),
    ("programmes", "name: p\nversion: 1\nprogrammes:\n  - {code: a, name_ru: А, match: [], roles: {plan: maybe},"
                   " indicators: [{code: i, polarity: 0}]}\n",
     ["programmes[0]: роль «maybe» не входит в fact, plan, target", "полярность «i» должна быть 1 или -1",
      "match должен быть непустым списком"]),
])
def test_every_spec_loader_speaks_russian(tmp_path, loader, text, expected):
    from aimaq.monotowns.spec import load_classification
    from aimaq.programmes.spec import load_kpi_spec
    from aimaq.rating.spec import load_rating_spec
    from aimaq.rural.spec import load_criteria

    path = tmp_path / f"{loader}.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "catalogue.yaml").write_text("statistical: []\nsurvey: []\n", encoding="utf-8")
    load = {"rating": load_rating_spec, "villages": load_criteria, "monotowns": load_classification,
            "programmes": load_kpi_spec}[loader]
    with i18n.use_language("ru"), pytest.raises(SpecError) as raised:
        load(path)
    message = str(raised.value)
    for part in expected:
        assert part in message, (part, message)
    assert _russian(message.replace(str(path), "")), message
