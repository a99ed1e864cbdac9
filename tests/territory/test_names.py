import datetime as dt

import pytest

from aimaq.errors import AmbiguousNameError, UnknownNameError
from aimaq.territory.repository import load_name_index


@pytest.fixture()
def index(db):
    return load_name_index(db)


@pytest.mark.parametrize("name, kato", [
    ("ВКО", "630000000"), ("Восточно-Казахстанская", "630000000"), ("Шығыс Қазақстан облысы", "630000000"),
    ("East Kazakhstan", "630000000"), ("Shygys Kazakhstan", "630000000"),
    ("Конаев", "191000000"), ("Қонаев", "191000000"), ("Капшагай", "191000000"),
    ("г. Алматы", "750000000"), ("Алматы", "750000000"), ("Almaty city", "750000000"), ("Алматы қаласы", "750000000"),
    ("Алматинская", "190000000"), ("Алматинская область", "190000000"), ("Алматы облысы", "190000000"),
    ("Almaty region", "190000000"),
    ("Aqmola", "110000000"), ("Akmola", "110000000"), ("Qyzylorda", "430000000"), ("Jambyl", "310000000"),
    ("Ulutay", "620000000"), ("Ұлытау", "620000000"), ("Qaraganda", "350000000"), ("Kostanai", "390000000"),
    ("Солтүстiк Қазақстан", "590000000"),  # Latin i inside a Cyrillic word
    ("СКО", "590000000"), ("ЗКО", "270000000"), ("Туркестанская 1", "610000000"),  # footnote digit
    ("город Нур-Султан", "710000000"), ("Чимкент", "790000000"), ("г. Шымкент", "790000000"),
    ("Абай", "100000000"), ("область Абай", "100000000"), ("Жетісу", "330000000"), ("Жетысуская", "330000000"),
    ("Казахстан", "000000000"), ("Республика Казахстан ", "000000000"),
    ("г. Алатау", "191800000"), ("Косшы", "111600000"), ("Мақаншы", "104500000"), ("Үлкен Нарын", "635500000"),
])
def test_names_resolve_as_real_tables_write_them(index, name, kato):
    assert index.resolve(name).kato == kato


def test_ambiguous_names_are_errors_that_list_candidates(index):
    with pytest.raises(AmbiguousNameError) as err:
        index.resolve("Алатау")  # the new town vs the city district of Almaty
    assert "191800000" in str(err.value) and "751210000" in str(err.value)
    with pytest.raises(AmbiguousNameError):
        index.resolve("Абайский район")  # three districts of that name


def test_within_narrows_an_ambiguous_name(index):
    assert index.resolve("Абайский район", within="350000000").kato == "353200000"
    assert index.resolve("Алатау", within="750000000").kato == "751210000"


def test_unknown_name_suggests_nearest(index):
    with pytest.raises(UnknownNameError) as err:
        index.resolve("Карагандинская губерния")
    assert "Карагандинская" in " ".join(err.value.suggestions)
    assert "похожие известные" in str(err.value)  # Russian by default
    with pytest.raises(UnknownNameError) as err:
        index.resolve("Атлантида")
    assert err.value.suggestions  # always some nearest names


def test_validity_picks_the_version_of_the_date(index):
    old = index.resolve("ВКО", at=dt.date(2015, 1, 1))
    new = index.resolve("ВКО", at=dt.date(2023, 1, 1))
    assert old.kato == new.kato == "630000000"
    assert old.valid_to == dt.date(2022, 6, 7) and new.valid_to is None
    assert index.resolve("ЮКО", at=dt.date(2010, 1, 1)).kato == "510000000"
