import numpy as np
import polars as pl
import pytest

from aimaq.standards.aggregate import add_change, aggregate_coverage, direction_table, flag_anomalies

R1, R2 = "110000000", "790000000"


def _cov():
    # region 11: city 90% (pop 100000), villages 60% (pop 1000) and 30% (pop 500); region 79: one city 80%
    return pl.DataFrame({
        "kato": ["c1", "v1", "v2", "c2"],
        "region_kato": [R1, R1, R1, R2],
        "district_kato": ["111000000", "112000000", "112000000", "791000000"],
        "population": [100000, 1000, 500, 1000000],
        "is_city": [True, False, False, True],
        "coverage_pct": [90.0, 60.0, 30.0, 80.0],
    })


def test_unweighted_and_popweighted_means_by_hand():
    reg = aggregate_coverage(_cov(), "region").sort("kato")
    assert reg["coverage_pct"].to_list() == pytest.approx([(90 + 60 + 30) / 3, 80.0])
    assert reg["coverage_pct_popweighted"][0] == pytest.approx((90 * 100000 + 60 * 1000 + 30 * 500) / 101500)
    country = aggregate_coverage(_cov(), "country", groups=("all", "cities", "villages"))
    got = {r["group"]: r for r in country.to_dicts()}
    assert got["all"]["coverage_pct"] == pytest.approx(65.0)
    assert got["cities"]["coverage_pct"] == pytest.approx(85.0)
    assert got["villages"]["coverage_pct"] == pytest.approx(45.0)
    assert got["all"]["kato"] == "000000000" and got["all"]["n_settlements"] == 4
    dist = aggregate_coverage(_cov(), "district")
    assert dist.filter(pl.col("kato") == "112000000")["coverage_pct"][0] == pytest.approx(45.0)


def test_reviews_national_figure_is_the_unweighted_mean_of_cities_and_villages():
    # ~90 towns at 88.6 and ~6,300 villages at 64.3: the mean over settlements is ~64.6-64.7, as published (64.7)
    n_city, n_vil = 90, 6300
    cov = pl.DataFrame({"kato": [str(i) for i in range(n_city + n_vil)], "region_kato": R1, "district_kato": "x",
                        "population": [1] * (n_city + n_vil), "is_city": [True] * n_city + [False] * n_vil,
                        "coverage_pct": [88.6] * n_city + [64.3] * n_vil})
    national = aggregate_coverage(cov, "country")["coverage_pct"][0]
    assert national == pytest.approx((90 * 88.6 + 6300 * 64.3) / 6390)
    assert round(national, 1) in (64.6, 64.7)


def test_direction_table():
    cov = _cov().head(2)
    applicable = np.array([[2, 1], [2, 0]])
    met = np.array([[1, 1], [2, 0]])
    t = direction_table(cov, ["education", "health"], applicable, met, "region")
    got = {r["direction"]: r for r in t.to_dicts()}
    assert got["education"]["coverage_pct"] == pytest.approx(75.0)   # (50 + 100) / 2
    assert got["health"]["coverage_pct"] == pytest.approx(100.0)     # only c1 has it
    assert got["health"]["n_settlements"] == 1


def test_change_and_shymkent_anomaly_from_published_figures():
    # the review's 2022 -> 2023 regional figures (section 1.8): only Shymkent's +28.9 pp must be flagged
    pub = {"Абай": (55.1, 56.9), "Акмолинская": (64.3, 65.7), "Актюбинская": (69.2, 69.3), "Алматинская": (60.0, 64.5),
           "Атырауская": (67.4, 70.3), "ВКО": (57.3, 58.5), "Жамбылская": (68.3, 69.3), "Жетісу": (59.1, 65.4),
           "ЗКО": (59.1, 60.2), "Карагандинская": (59.5, 62.3), "Костанайская": (66.4, 68.3),
           "Кызылординская": (66.3, 67.0), "Мангистауская": (72.6, 74.0), "Павлодарская": (65.5, 66.3),
           "СКО": (62.9, 64.3), "Туркестанская": (60.8, 64.1), "Ұлытау": (55.1, 58.0), "Астана": (85.6, 86.4),
           "Шымкент": (58.9, 87.8)}
    prev = pl.DataFrame({"level": "region", "kato": list(pub), "group": "all", "coverage_pct": [v[0] for v in pub.values()]})
    cur = pl.DataFrame({"level": "region", "kato": list(pub), "group": "all", "coverage_pct": [v[1] for v in pub.values()]})
    out = flag_anomalies(add_change(cur, prev))
    shym = out.filter(pl.col("kato") == "Шымкент")
    assert shym["change_pp"][0] == pytest.approx(28.9)
    assert out.filter(pl.col("anomaly"))["kato"].to_list() == ["Шымкент"]
    assert out.filter(pl.col("kato") == "Жетісу")["change_pp"][0] == pytest.approx(6.3)
    # the value is kept as published, not smoothed
    assert shym["coverage_pct"][0] == 87.8


def test_change_without_previous_year_is_null_not_zero():
    cur = pl.DataFrame({"level": "region", "kato": ["a"], "group": "all", "coverage_pct": [50.0]})
    out = add_change(cur, None)
    assert out["change_pp"].to_list() == [None]
