"""Write `src/hubsim/data/moments.csv`: what `hubsim calibrate` fits, each with its source.

Every target is a figure up to 2010, or one of the reported 2017-2018 policy responses
(the project's data notes; docs/data.md, copied here with their sources); nothing after 2019.

- 2010 census populations of the 13 cities (`census_2000_2010.csv`).
- 2010 college-and-above residents per 100,000 where a bulletin reports it or it is DERIVED
  from one (`education_2010_by_city.csv`); the ESTIMATE rows are listed with weight 0.
- 2010 average wages (`cities_2010.csv`); the ESTIMATE row (Shanghai) has weight 0.
- Chengdu's wage over the tier-1 average (Tech in Asia, 2018: 50-80 %), unemployment (4-5 %),
  the migration elasticity to real income (Tombe & Zhu: about 1.5).
- Xi'an's new hukou registrations in 2017 and 2018, as the increase over 2016's (2017's
  245,000 was +335.9 % on 2016, so 2016 had 245,000 / 4.359 = 56,206), and Wuhan's graduates
  employed in Wuhan in 2017 (282,900).

Tolerances and weights are ASSUMPTION (the `basis` column says so): a moment's error is
ln(simulated / target) / tolerance (`error: log`), the same counting only an excess
(`error: log_upper`, for a target that bounds the simulated quantity from above: Xi'an's
registrations count residents converting their hukou, which the model has not), or
(simulated - target) / tolerance (`error: abs`), and the calibration minimises the weighted
mean of squared errors. Each group's weights sum to one, so thirteen populations count as much
as one elasticity; the populations and the policy responses count three times (they are what
the done-when criterion names).

The 2010s in-sample moments (`insample_rows`; the simulated side is `hubsim.output.insample`,
docs/calibration.md says each definition) come from the data files packaged beside this table:
communique growth since the 2010 census under an undercount model, its rank correlation, the
MyCOS graduate shares, the programme responses as differences against the other cities, the
Liepin ordering, office vacancy and rents against the price index. They are rows of
`moments.csv` like the rest; a change to any row changes the calibration's study id, which asks
for a new fit.

Run `python tools/moments_table.py` after changing a rule; a test checks the packaged table is
what this script gives.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd

from hubsim.scenario import CITY_KEYS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "hubsim" / "data"
OUT = DATA / "moments.csv"
CITIES = list(CITY_KEYS)
COLUMNS = (
    "moment",
    "city",
    "target",
    "error",
    "tolerance",
    "weight",
    "unit",
    "sample",
    "basis",
    "source",
)
SPINUP = "2000s spin-up, at 2009-12"
POLICY = "2010 start with the recorded programmes"
XIAN_2016 = 245000 / 4.359  # 2017's registrations were +335.9 % on 2016's


def rows() -> list[dict]:
    out: list[dict] = []

    def add(moment, city, target, error, tolerance, weight, unit, sample, basis, source):
        out.append(
            dict(
                zip(
                    COLUMNS,
                    (moment, city, target, error, tolerance, weight, unit, sample, basis, source),
                    strict=True,
                )
            )
        )

    census = pd.read_csv(DATA / "census_2000_2010.csv").set_index("city")
    for city in CITIES:
        add(
            "population_2010",
            city,
            int(census.loc[city, "population_2010"]),
            "log",
            0.05,
            round(3 / 13, 6),
            "people",
            SPINUP,
            "census; tolerance and weight ASSUMPTION",
            "2010 census (src/hubsim/data/census_2000_2010.csv)",
        )
    education = pd.read_csv(DATA / "education_2010_by_city.csv").set_index("city")
    known = [c for c in CITIES if not str(education.loc[c, "basis"]).startswith("ESTIMATE")]
    for city in CITIES:
        basis = str(education.loc[city, "basis"]).split(" (")[0].split(":")[0]
        weight = 1 / len(known) if city in known else 0.0
        add(
            "college_plus_per_100k_2010",
            city,
            int(education.loc[city, "college_plus_per_100k"]),
            "log",
            0.10,
            round(weight, 6),
            "per 100,000 residents",
            SPINUP,
            f"{basis}; tolerance and weight ASSUMPTION" + ("" if weight else "; not fitted"),
            str(education.loc[city, "source"]),
        )
    cities = pd.read_csv(DATA / "cities_2010.csv").set_index("city")
    wages = [c for c in CITIES if not str(cities.loc[c, "wage_basis"]).startswith("ESTIMATE")]
    for city in CITIES:
        basis = str(cities.loc[city, "wage_basis"])
        weight = 1 / len(wages) if city in wages else 0.0
        add(
            "wage_2010",
            city,
            int(cities.loc[city, "avg_wage_2010_yuan"]),
            "log",
            0.10,
            round(weight, 6),
            "yuan/year",
            SPINUP,
            f"{basis}; tolerance and weight ASSUMPTION" + ("" if weight else "; not fitted"),
            str(cities.loc[city, "wage_source"]),
        )
    add(
        "chengdu_tier1_wage_ratio",
        "chengdu",
        0.65,
        "abs",
        0.15,
        1.0,
        "ratio",
        SPINUP,
        "middle of the reported 50-80 % band, which the tolerance spans; ASSUMPTION",
        "Tech in Asia 2018: Chengdu talent costs 50-80 % of tier-1",
    )
    add(
        "unemployment_rate_2009",
        "",
        0.045,
        "abs",
        0.01,
        1.0,
        "share",
        SPINUP,
        "middle of 4-5 %; tolerance and weight ASSUMPTION",
        "ESTIMATE: national urban unemployment around 4-5 %",
    )
    add(
        "migration_elasticity",
        "",
        1.5,
        "abs",
        0.3,
        1.0,
        "elasticity",
        SPINUP,
        "measured from simulated moves (README, Calibration); tolerance ASSUMPTION",
        "Tombe & Zhu, AER 2019",
    )
    add(
        "xian_registrations_increase_2017",
        "xian",
        round(245000 - XIAN_2016),
        "log_upper",
        0.25,
        1.5,
        "people",
        POLICY,
        "reported 245,000 less 2016's 56,206 (245,000 / 4.359, reported +335.9 %); an upper "
        "bound (registrations include residents converting); tolerance and weight ASSUMPTION",
        "Global Times (May 2018) citing Xi'an police, via suvaonline.com/world/8491.html",
    )
    add(
        "xian_registrations_increase_2018",
        "xian",
        round(750000 - XIAN_2016),
        "log_upper",
        0.25,
        1.5,
        "people",
        POLICY,
        "reported 'over 750,000 this year' (to 2018-12) less 2016's 56,206; an upper bound "
        "(registrations include residents converting); tolerance and weight ASSUMPTION",
        "China Daily 2018-12-12 chinadaily.com.cn/a/201812/12/WS5c10b4d6a310eff3032909db.html",
    )
    add(
        "wuhan_graduates_staying_2017",
        "wuhan",
        282900,
        "log",
        0.25,
        1.5,
        "people",
        POLICY,
        "reported graduates employed in Wuhan to 2017-12-15; tolerance and weight ASSUMPTION",
        "Xinhua photo caption 2018-01-18 (m.yinlong168.com/english/2018-01/18/c_136903622_3.htm)",
    )
    return out + insample_rows()


def table_text(table: list[dict] | None = None) -> str:
    """`table` (the rows of moments.csv unless given) as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows() if table is None else table)
    return buffer.getvalue()


# --------------------------------------------------------------------------- 2010s, in sample
INSAMPLE = "2010 start with the recorded programmes, to 2019-12"
DRIFT_YEARS = 9 + 2 / 12  # from the 2000 census (1 November) to the end of 2009
TIER1_SHARES = (2013, 2017, 2018)  # MyCOS, as reported (2014 is DERIVED with a doubt: left out)
# Office-vacancy records read as city-wide grade-A / prime vacancy (submarkets left out):
# (city, year, quantity, period of PERIOD_MONTHS).
VACANCY = (
    ("beijing", 2017, "grade_a_vacancy_q3", "q3"),
    ("beijing", 2018, "grade_a_vacancy_q2", "q2"),
    ("beijing", 2019, "office_vacancy_h1", "h1"),
    ("shanghai", 2019, "office_vacancy_h1", "h1"),
    ("shenzhen", 2019, "grade_a_vacancy_h1", "h1"),
    ("guangzhou", 2015, "grade_a_vacancy", "year"),
    ("hangzhou", 2015, "grade_a_vacancy_q2", "q2"),
    ("hangzhou", 2017, "grade_a_vacancy_end", "end"),
    ("nanjing", 2015, "grade_a_vacancy_q2", "q2"),
    ("wuhan", 2014, "grade_a_availability_q3", "q3"),
    ("wuhan", 2017, "prime_office_vacancy_q1", "q1"),
    ("chengdu", 2013, "prime_office_vacancy_q3", "q3"),
    ("chengdu", 2015, "office_vacancy_end", "end"),
    ("chengdu", 2018, "grade_a_vacancy_q1", "q1"),
    ("xian", 2014, "grade_a_vacancy", "q2"),
    ("xiamen", 2014, "grade_a_vacancy_h1", "h1"),
    ("xiamen", 2015, "grade_a_vacancy_end", "end"),
    ("xiamen", 2016, "grade_a_vacancy_q3", "q3"),
    ("xiamen", 2017, "grade_a_vacancy_q1", "q1"),
)


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv", keep_default_na=False)


def _resolve_sources(table: pd.DataFrame) -> pd.DataFrame:
    """The data files say "same as above" for a row sourced as the one before: spell it out."""
    sources, last = [], ""
    for source in table.source:
        last = last if str(source).lower().startswith("same") else str(source)
        sources.append(last)
    return table.assign(source=sources)


def undercount_drift() -> dict[str, float]:
    """Per year, how far the year-end estimates of the 2000s fell behind the residents: ln(2010
    census / 2009 year-end estimate) less the census growth of the 10 months between them,
    over the 9 years 2 months from the 2000 census to the end of 2009 (log points a year)."""
    census = pd.read_csv(DATA / "census_2000_2010.csv").set_index("city")
    estimates = _csv("population_2009_estimates")
    estimates = estimates[
        (estimates.year == 2009) & (estimates.quantity == "resident_pop_yearend")
        & (estimates.unit == "10k persons")
    ]  # fmt: skip
    drift = {}
    for city, value in estimates.groupby("city").value.first().items():
        c2000, c2010 = census.loc[city, ["population_2000", "population_2010"]].astype(float)
        yearly = math.log(c2010 / c2000) / 10
        drift[city] = (math.log(c2010 / (value * 1e4)) - yearly * 10 / 12) / DRIFT_YEARS
    return drift


def insample_rows() -> list[dict]:
    """The 2010s in-sample moments (see the module docstring and docs/calibration.md)."""
    rows = (
        _growth_rows() + _mycos_rows() + _response_rows() + _liepin_rows()
        + _vacancy_rows() + _rent_rows()
    )  # fmt: skip
    return rows


def _row(moment, city, target, error, tolerance, weight, unit, basis, source) -> dict:
    values = (
        moment,
        city,
        target,
        error,
        tolerance,
        round(weight, 6),
        unit,
        INSAMPLE,
        basis,
        source,
    )
    return dict(zip(COLUMNS, values, strict=True))


def _growth_rows() -> list[dict]:
    """Year-end residents over the 2010 census, raised by the undercount model.

    Undercount model (ESTIMATE): the year-end figures drift below the residents at the rate
    the 2000s measured (`undercount_drift`) from the census on; a city without a 2009
    estimate takes the median drift. The target is the published ratio x exp(drift x years
    since the census); the tolerance is 0.02 plus half the correction (ASSUMPTION: the
    drift of the 2000s may not have held). Chengdu's figures (from 2016, with Jianyang) and
    Xi'an's from 2017 (with Xixian) are on other borders than the census: left out."""
    census = pd.read_csv(DATA / "census_2000_2010.csv").set_index("city")
    published = _csv("population_2011_2018")
    published = published[
        ~((published.city == "chengdu") & (published.year >= 2016))
        & ~((published.city == "xian") & (published.year >= 2017))
    ]
    drift = undercount_drift()
    median = float(pd.Series(drift).median())
    rows = []
    weight = 3 / len(published)
    for city, year, value, basis, source in zip(
        published.city, published.year, published.value, published.basis, published.source,
        strict=True,
    ):  # fmt: skip
        years = year + 1 - (2010 + 10 / 12)
        rate = drift.get(city, median)
        correction = rate * years
        ratio = float(value) / float(census.loc[city, "population_2010"]) * math.exp(correction)
        how = "measured from its 2009 estimate" if city in drift else "median of the seven measured"
        rows.append(
            _row(
                f"population_growth_since_census_{year}", city, round(ratio, 5), "log",
                round(0.02 + correction / 2, 4), weight, "ratio to the 2010 census",
                f"year-end {int(value)} over the 2010 census, x exp({rate:.4f} x {years:.2f}) "
                f"(undercount drift {how}; ESTIMATE); {basis}; tolerance and weight ASSUMPTION",
                f"{source}; 2010 census; year-end 2009 estimates (population_2009_estimates.csv)",
            )
        )  # fmt: skip
    rows.append(
        _row(
            "population_growth_rank_rho_2018", "", 1.0, "abs", 0.2, 1.0, "Spearman rho",
            "rank correlation of annual growth from the census to each city's last communique "
            "year above (after the undercount model); within tolerance when rho >= 0.8 (the "
            "criterion); ASSUMPTION",
            "year-end communiques 2011-2018 (population_2011_2018.csv) and the 2010 census",
        )
    )  # fmt: skip
    return rows


def _mycos_rows() -> list[dict]:
    data = _resolve_sources(_csv("graduate_destinations"))
    tier1 = data[data.quantity == "share_grads_working_in_tier1"].set_index("year")
    rows = [
        _row(
            f"tier1_graduate_share_{year}", "", float(tier1.loc[year, "value"]), "abs", 0.03,
            1 / len(TIER1_SHARES), "share of the cohort",
            f"MyCOS, {tier1.loc[year, 'basis']}; tolerance and weight ASSUMPTION",
            str(tier1.loc[year, "source"]),
        )
        for year in TIER1_SHARES
    ]  # fmt: skip
    change = float(tier1.loc[2018, "value"] - tier1.loc[2013, "value"])
    rows.append(
        _row(
            "tier1_graduate_share_change_2013_2018", "", round(change, 4), "abs", 0.015, 1.0,
            "share points",
            "DERIVED: MyCOS 2018 share less 2013 share; the tolerance spans a 5.7-8.7 point "
            "fall; ASSUMPTION",
            f"{tier1.loc[2013, 'source']}; {tier1.loc[2018, 'source']}",
        )
    )  # fmt: skip
    new = data[data.quantity == "share_grads_working_in_new_tier1"].set_index("year")
    rows.append(
        _row(
            "new_tier1_graduate_share_ratio_2015_2017", "",
            round(float(new.loc[2017, "value"] / new.loc[2015, "value"]), 5), "log", 0.1, 1.0,
            "ratio of shares",
            "DERIVED: MyCOS 2017 share over 2015 share (35.6 % / 28.2 %) of the 15 new "
            "first-tier cities; the model has 6 of them, so the rise, not the level, is the "
            "moment (ASSUMPTION: the six rose as the fifteen); tolerance and weight ASSUMPTION",
            str(new.loc[2015, "source"]),
        )
    )  # fmt: skip
    return rows


def _national_bachelor_growth(before: int, after: int) -> float:
    grads = pd.read_csv(DATA / "graduates_by_level.csv")
    bachelor = grads[grads.level == "bachelor_program(本科)"].set_index("year").graduates
    return math.log(float(bachelor[after]) / float(bachelor[before]))


def _response_rows() -> list[dict]:
    """Responses as differences against the other cities: ln(after / before) of the city's
    reported count less the same of the other cities, which no source counts: ASSUMPTION, the
    others moved as the national bachelor graduates (graduates_by_level.csv)."""
    rows = []
    control = _national_bachelor_growth(2016, 2017)
    rows.append(
        _row(
            "did_graduates_staying_2017", "wuhan", round(math.log(3.0) - control, 4), "abs",
            0.35, 1.5, "log points against the other cities",
            "reported 282,900 graduates found jobs in Wuhan to 2017-12-15, 'up nearly 200 "
            f"percent' (x3) on 2016; less national bachelor graduates' growth ({control:.3f}); "
            "tolerance ASSUMPTION (counts of 'nearly', all cohorts); weight ASSUMPTION",
            "Xinhua photo caption 2018-01-18 (m.yinlong168.com/english/2018-01/18/"
            "c_136903622_3.htm); MOE graduates (graduates_by_level.csv)",
        )
    )  # fmt: skip
    xian_2016 = 245000 / 4.359
    effects = _csv("policy_effects").set_index("quantity")
    for year, quantity in (
        (2017, "new_hukou_registrations_full_year"),
        (2018, "new_hukou_registrations_2018_to_2018-12"),
    ):
        count, source = int(effects.loc[quantity, "value"]), effects.loc[quantity, "source"]
        control = _national_bachelor_growth(2016, year)
        rows.append(
            _row(
                f"did_talent_arrivals_{year}", "xian",
                round(math.log(count / xian_2016) - control, 4), "abs", 0.7, 1.5,
                "log points against the other cities",
                f"new hukou registrations {count:,} in {year} over 2016's {xian_2016:,.0f} "
                f"(reported +335.9 % in 2017); less national bachelor graduates' growth "
                f"({control:.3f}); registrations also count residents converting their hukou "
                "(ASSUMPTION: in proportion to arrivals), hence the wide tolerance; weight "
                "ASSUMPTION",
                f"{source}; MOE graduates (graduates_by_level.csv)",
            )
        )  # fmt: skip
    return rows


def _liepin_rows() -> list[dict]:
    data = _csv("graduate_destinations")
    rates = data[data.quantity == "talent_net_inflow_rate"]
    order = ", ".join(f"{c} {v:.1%}" for c, v in zip(rates.city, rates.value, strict=True))
    return [
        _row(
            "liepin_net_inflow_wrong_pairs_2017", "", 0.0, "abs", 1.0, 1.0,
            "pairs in the wrong order (of 6)",
            f"Liepin net inflow rate of mid/high-end talent 2016Q4-2018Q1: {order} (Shenzhen, "
            "Shanghai, Beijing DERIVED from stated gaps); tolerance and weight ASSUMPTION",
            str(rates.source.iloc[0]),
        )
    ]  # fmt: skip


def _vacancy_rows() -> list[dict]:
    data = _resolve_sources(_csv("office_market")).set_index(["city", "year", "quantity"])
    rows = []
    for city, year, quantity, period in VACANCY:
        record = data.loc[(city, year, quantity)]
        rows.append(
            _row(
                f"office_vacancy_{year}_{period}", city, float(record.value), "abs", 0.08,
                1 / len(VACANCY), "share of office space",
                f"{record.unit}; {record.basis}; brokers' grade-A / prime space against the "
                "model's seats: tolerance and weight ASSUMPTION",
                str(record.source),
            )
        )  # fmt: skip
    return rows


def _rent_rows() -> list[dict]:
    data = _csv("city_house_prices")
    rows = []
    for quantity, base, period in (
        ("new_home_price_index_2010eq100", 2010, "2015-10"),
        ("new_home_price_index_2015eq100", 2015, "2019-04"),
    ):
        index = data[data.quantity == quantity]
        for city, value, source in zip(index.city, index.value, index.source, strict=True):
            rows.append(
                _row(
                    f"rent_growth_{base}_{period.replace('-', '_')}", city,
                    round(float(value) / 100, 4), "log", 0.15, 1 / (2 * len(index)),
                    f"ratio to the {base} mean",
                    f"70-city new-home price index {period} ({base} = 100) read as the growth "
                    "of rents (ASSUMPTION: rents moved as new-home prices); tolerance and "
                    "weight ASSUMPTION",
                    str(source),
                )
            )  # fmt: skip
    return rows


if __name__ == "__main__":
    OUT.write_text(table_text(), encoding="utf-8")
    print(f"wrote {OUT}")
