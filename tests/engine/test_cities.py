"""The packaged city tables and geography (engine.state.cities)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubsim.engine import cities
from hubsim.engine.cities import city_table


def test_great_circle_km():
    table = city_table()
    km = cities.great_circle_km(table["lat"].to_numpy(), table["lon"].to_numpy())
    keys = list(table.index)
    b, s = keys.index("beijing"), keys.index("shanghai")
    gz, sz = keys.index("guangzhou"), keys.index("shenzhen")
    assert km[b, s] == pytest.approx(1070, abs=20)  # about 1,068 km
    assert km[gz, sz] == pytest.approx(105, abs=15)  # about 104 km
    assert np.all(np.diag(km) == 0)
    np.testing.assert_allclose(km, km.T)
    # A quarter of the equator.
    quarter = cities.great_circle_km(np.array([0.0, 0.0]), np.array([0.0, 90.0]))[0, 1]
    assert quarter == pytest.approx(np.pi / 2 * 6371.0, rel=1e-12)


def test_the_packaged_sector_mix_is_what_its_stated_rule_gives():
    """data/sector_mix_2010.csv (ESTIMATE) is made by tools/sector_mix.py from the
    tech_specialisation column: the file and the rule must not drift apart."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("sector_mix", root / "tools" / "sector_mix.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    packaged = (root / "src" / "hubsim" / "data" / "sector_mix_2010.csv").read_text()
    assert packaged == tool.table_text()
    # The rule's effect: a city's named sectors hold more of its jobs than the base mix.
    from hubsim.engine.cities import sector_mix_2010
    from hubsim.scenario import CITY_KEYS, SECTORS

    mix = sector_mix_2010()
    guiyang, data = CITY_KEYS.index("guiyang"), SECTORS.index("data")
    assert mix[guiyang, data] > 2 * tool.BASE_MIX["data"]
    np.testing.assert_allclose(mix.sum(axis=1), 1.0, atol=1e-3)


# The brokers' figures the office table copies (city, month): m2, as the reports quote them.
RECORDED_OFFICE_STOCK = {
    ("chengdu", "2015-06"): 1_757_000,  # DTZ, mid-2015
    ("chengdu", "2018-03"): 3_200_000,  # Q1 2018
    ("xian", "2014-05"): 1_060_000,  # Savills, end-May 2014
    ("nanjing", "2015-06"): 1_600_000,  # DTZ, 2Q15
    ("hangzhou", "2015-06"): 2_200_000,  # DTZ, 2Q15
    ("wuhan", "2016-06"): 2_650_000,  # prime, H1 2016
    ("xiamen", "2016-12"): 4_830_000,  # Savills, expected end-2016
    ("xiamen", "2017-03"): 4_930_000,  # Savills, Q1 2017
}
# The derived rows, by the arithmetic their basis column states.
DERIVED_OFFICE_STOCK = {
    ("chengdu", "2015-12"): 1_757_000 + 500_000,
    ("nanjing", "2015-03"): 1_600_000 - 283_000,
    ("hangzhou", "2015-03"): 2_200_000 - 30_000,
    ("wuhan", "2015-12"): 2_650_000 - 204_000,
    ("xiamen", "2015-12"): round(4_830_000 / 1.37, -3),
    ("xiamen", "2014-12"): round(4_830_000 / 1.37, -3) - 385_475,
    ("xiamen", "2017-12"): 4_930_000 + 1_190_000,
}


def test_the_packaged_office_stock_copies_the_record_with_its_sources():
    table = cities.office_stock_table()
    assert table["source"].notna().all() and (table["source"].str.strip() != "").all()
    assert table["basis"].notna().all()
    assert set(table["kind"]) <= {"RECORD", "DERIVED", "ESTIMATE"}
    assert set(table["city"]) <= set(cities.CITY_KEYS)
    assert (table["as_of"].str[:4].astype(int) <= 2019).all()  # nothing after 2019
    value = {(r.city, r.as_of): r.stock_m2 for r in table.itertuples()}
    kind = {(r.city, r.as_of): r.kind for r in table.itertuples()}
    for key, m2 in RECORDED_OFFICE_STOCK.items():
        assert value[key] == m2 and kind[key] == "RECORD", key
    for key, m2 in DERIVED_OFFICE_STOCK.items():
        assert value[key] == pytest.approx(m2, abs=1000) and kind[key] == "DERIVED", key
    assert set(value) - set(RECORDED_OFFICE_STOCK) - set(DERIVED_OFFICE_STOCK) == {
        ("chengdu", "2019-06"),
        ("xian", "2019-12"),
    }  # the two ESTIMATE rows: pipelines taken as delivered
    for _city, rows in table.groupby("city"):  # every city's stock grows with time
        assert rows.sort_values("as_of")["stock_m2"].is_monotonic_increasing


def test_the_office_stock_path_grows_at_a_constant_rate_between_dates_and_outside():
    growth = 0.16
    stock = cities.office_stock_by_year_end(growth)
    years = list(cities.STOCK_YEAR_ENDS)
    chengdu = stock[cities.NODES.index("chengdu")]
    # End-2015 is a table date; end-2016 lies 12 of the 27 months to Q1 2018's 3.2 M, at
    # the same growth rate all the way.
    assert chengdu[years.index(2015)] == pytest.approx(2_257_000)
    assert chengdu[years.index(2016)] == pytest.approx(
        2_257_000 * (3_200_000 / 2_257_000) ** (12 / 27)
    )
    # Back-cast from mid-2015 at 16 % a year: end-2010 is 4.5 years earlier.
    assert chengdu[years.index(2010)] == pytest.approx(1_757_000 / 1.16**4.5)
    # Nanjing's last date is mid-2015: end-2019 is 4.5 years of growth after it.
    nanjing = stock[cities.NODES.index("nanjing")]
    assert nanjing[years.index(2019)] == pytest.approx(1_600_000 * 1.16**4.5)
    assert np.isnan(stock[cities.NODES.index("beijing")]).all()  # no record
