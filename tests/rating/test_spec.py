import pytest

from aimaq.errors import SpecError
from aimaq.rating.spec import RatingSpec, available_years, load_rating_spec


def test_shipped_specs_have_the_reviews_structure():
    assert available_years() == [2022, 2023, 2024]
    s24 = load_rating_spec(2024)
    # «110 показателей (70 статистических и 40 опросных)»
    assert (len(s24.statistical), len(s24.survey), len(s24.indicators)) == (70, 40, 110)
    assert [f.code for f in s24.factors] == ["econ", "human", "infra", "eco"]
    assert [f.name_ru for f in s24.factors][-1] == "Экология и безопасность"
    assert len(s24.riskmap_items) == 44  # Table 3 lists 44 items; 4 of them are outside the index
    for y in (2022, 2023):
        s = load_rating_spec(y)
        assert [f.code for f in s.factors] == ["econ", "human", "infra"]
        assert (len(s.statistical), len(s.survey)) == (66, 40)
    # Ecology and safety is split off Infrastructure: its indicators sat in infra before 2024
    s23 = load_rating_spec(2023)
    eco = next(f for f in s24.factors if f.code == "eco")
    assert {s23.factor_of(c) for c in eco.survey} == {"infra"}
    assert {s23.factor_of(c) for c in eco.statistical if c in s23.statistical} == {"infra"}
    assert [c for c in eco.statistical if c not in s23.statistical] == ["k09", "k10", "k11", "k12"]


def test_engine_spec_tree_and_weights():
    s = load_rating_spec(2024)
    ix = s.index_spec()
    assert ix.root == "qol"
    assert ix.levels["qol"] == 4 and ix.levels["eco"] == 3 and ix.levels["eco_srv"] == 2
    eff = ix.effective_weights()
    assert sum(eff.values()) == pytest.approx(1.0)
    # each factor weighs 1/4, each block 1/2 of it: a statistical indicator of eco (12 of them) has 1/96
    assert eff["k01"] == pytest.approx(1 / 4 / 2 / 12)
    assert load_rating_spec(2023).index_spec().effective_weights()["k01"] == pytest.approx(1 / 3 / 2 / 26)


def test_spec_hash_changes_with_method():
    a, b, c = (load_rating_spec(y) for y in (2022, 2023, 2024))
    assert len({a.sha256, b.sha256, c.sha256}) == 3
    assert a.sha256 == load_rating_spec(2022).sha256


def test_invalid_specs_are_reported_together():
    cat = load_rating_spec(2024).catalogue
    bad = {"year": 2030, "factors": [
        {"code": "f1", "statistical": ["e01", "zz9"], "survey": ["e02"]},
        {"code": "f2", "statistical": ["e01"]},
    ]}
    with pytest.raises(SpecError) as err:
        RatingSpec.from_dict(bad, cat)
    msg = str(err.value)
    assert "zz9" in msg and "e02: указан как вопрос опроса" in msg and "e01: входит в факторы f1 и f2" in msg
    with pytest.raises(SpecError):
        load_rating_spec(1999)


def test_survey_bootstrap_is_weighted_by_the_survey_weights():
    for y in available_years():
        s = load_rating_spec(y)
        boot = [i for i in s.uncertainty["inputs"] if i["type"] == "bootstrap"]
        assert [i.get("weight") for i in boot] == ["weight"], y
        assert s.version == f"{y}.1"  # .1: the bootstrap names its weights (2024 → 2024.1)
    d = dict(load_rating_spec(2024).raw)
    d["uncertainty"] = {"inputs": [{"name": "b", "type": "bootstrap", "n_sets": 10, "weight": "w_design"}]}
    with pytest.raises(SpecError, match="weight: weight"):  # the spec's own words, in any language
        RatingSpec.from_dict(d, load_rating_spec(2024).catalogue)
