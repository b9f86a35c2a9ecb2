"""The 2010s in-sample moments, simulated side: pure functions over a run's tables.

Input: the tables of one replication of a run that starts by 2010-01 and reaches 2019-12, as
pandas frames keyed by name (`city_month`, `flows_year`, `pool_year`; see `output.tables`).
Output: `simulated_moments(tables)`, one row per (moment, city) with the simulated value, on
the keys of the moments table (national moments have city ""), which `load_table` reads. Each
function below says in its docstring what it measures; docs/calibration.md says the same.

No function reads the scenario or the packaged data except `simulated_moments`, which reads the
growth targets of the moments table for the rank correlation. A moment the run cannot give (a
month outside the run, a city without offices) is NaN.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from hubsim.scenario import CITY_KEYS, DEGREES, TALENT_DEGREE

TIER1 = ("beijing", "shanghai", "shenzhen", "guangzhou")
# The model's cities on MyCOS's 2016-2017 list of "new first-tier" cities (15 cities in all).
NEW_TIER1 = ("chengdu", "hangzhou", "wuhan", "nanjing", "suzhou", "xian")
CENSUS_MONTH = pd.Timestamp("2010-11-01")  # the 2010 census counted residents on 1 November
TALENT = DEGREES[TALENT_DEGREE:]
# MyCOS surveys bachelor and junior-college (vocational) graduates six months after graduating.
MYCOS_DEGREES = ("college", "bachelor")
LIEPIN_ORDER = ("hangzhou", "shenzhen", "shanghai", "beijing")  # highest net inflow first
# Programme starts whose response is measured: (moment, city, year before, year after).
RESPONSES = (
    ("did_graduates_staying_2017", "wuhan", 2016, 2017),
    ("did_talent_arrivals_2017", "xian", 2016, 2017),
    ("did_talent_arrivals_2018", "xian", 2016, 2018),
    ("did_talent_arrivals_2017", "chengdu", 2016, 2017),
    ("did_talent_arrivals_2018", "chengdu", 2016, 2018),
    ("did_talent_arrivals_2018", "nanjing", 2017, 2018),
    ("did_talent_arrivals_2016", "shenzhen", 2015, 2016),
)
# The names of the moments `measure` knows (each followed by years, a period or a city key).
PREFIXES = (
    "population_growth_since_census_",
    "population_growth_rank_rho_",
    "tier1_graduate_share_",
    "new_tier1_graduate_share_ratio_",
    "did_graduates_staying_",
    "did_talent_arrivals_",
    "liepin_net_inflow_wrong_pairs_",
    "office_vacancy_",
    "rent_growth_",
)
# Office-vacancy records are dated by a quarter, a half or a year end: the months they cover.
PERIOD_MONTHS = {
    "q1": (1, 2, 3),
    "q2": (4, 5, 6),
    "q3": (7, 8, 9),
    "q4": (10, 11, 12),
    "h1": (1, 2, 3, 4, 5, 6),
    "end": (12,),
    "year": tuple(range(1, 13)),
}


# --------------------------------------------------------------------------- helpers
def metric_series(city_month: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric of `city_month` as a (date x city) frame, mean over replications."""
    rows = city_month[city_month.metric == metric]
    return rows.pivot_table(index="date", columns="city", values="value", aggfunc="mean")


def value_at(series: pd.DataFrame, city: str, date: pd.Timestamp) -> float:
    """The value of `city` at `date`, NaN where the run has no such month or city."""
    if city not in series.columns or date not in series.index:
        return float("nan")
    return float(series.at[date, city])


def months_mean(series: pd.DataFrame, city: str, year: int, months: tuple[int, ...]) -> float:
    """The mean of `city` over the given months of `year` (NaN if none is in the run)."""
    if city not in series.columns:
        return float("nan")
    index = series.index
    picked = series.loc[(index.year == year) & index.month.isin(months), city]
    return float(picked.mean()) if len(picked) else float("nan")


# --------------------------------------------------------------------------- 1. populations
def population_growth(city_month: pd.DataFrame, city: str, year: int) -> float:
    """Residents at the end of `year` (December) over residents at the 2010 census (2010-11).

    The target is a communique's year-end figure over the census, raised by the undercount
    model of the moments table (the simulated side counts every resident)."""
    population = metric_series(city_month, "population")
    end = value_at(population, city, pd.Timestamp(f"{year}-12-01"))
    return end / value_at(population, city, CENSUS_MONTH)


def annual_growth(ratio: float, year: int) -> float:
    """A growth ratio from the census (2010-11) to the end of `year`, per year (log points)."""
    return float(np.log(ratio) / (year + 1 - (2010 + 10 / 12)))


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation over the labels both series hold (NaN below 3)."""
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    if len(both) < 3:
        return float("nan")
    ranks = both.rank()
    return float(np.corrcoef(ranks.iloc[:, 0], ranks.iloc[:, 1])[0, 1])


# --------------------------------------------------------------------------- 2. MyCOS shares
def cohort_share(
    pool_year: pd.DataFrame, cities: tuple[str, ...], year: int, degrees=MYCOS_DEGREES
) -> float:
    """The share of `year`'s July graduates (of `degrees`) located in `cities` right after
    their first choice, out of the whole cohort (the 13 cities and the rest of China)."""
    went = _cohort(pool_year, year, degrees)
    total = went.value.sum()
    if total <= 0:
        return float("nan")
    return float(went[went.node.isin(cities)].value.sum() / total)


def cohort_share_6m(
    city_month: pd.DataFrame, pool_year: pd.DataFrame, cities: tuple[str, ...], year: int
) -> float:
    """MyCOS's share: of `year`'s July junior-college and bachelor graduates, those living in
    `cities` six months on (the metric `cohort_6m` of the next January), over the cohort.

    A run without `cohort_6m` (recorded since the 2010s moments) falls back on the share
    right after the first choice (`cohort_share`)."""
    if not (city_month.metric == "cohort_6m").any():
        return cohort_share(pool_year, cities, year)
    total = _cohort(pool_year, year, MYCOS_DEGREES).value.sum()
    january = metric_series(city_month, "cohort_6m")
    date = pd.Timestamp(f"{year + 1}-01-01")
    if total <= 0 or date not in january.index:
        return float("nan")
    return float(january.loc[date, [c for c in cities if c in january.columns]].sum() / total)


def _cohort(pool_year: pd.DataFrame, year: int, degrees) -> pd.DataFrame:
    return pool_year[
        (pool_year.quantity == "cohort_went")
        & (pool_year.year == year)
        & pool_year.degree.isin(degrees)
    ]


# --------------------------------------------------------------------------- 3. responses
def graduates_staying(city_month: pd.DataFrame) -> pd.DataFrame:
    """Bachelor-and-above graduates choosing each city within a year of graduating (staying
    or moving in), summed per calendar year: a (year x city) frame."""
    monthly = metric_series(city_month, "graduate_newcomers_1y")
    return monthly.groupby(monthly.index.year).sum()


def talent_arrivals(flows_year: pd.DataFrame) -> pd.DataFrame:
    """Bachelor-and-above people moving into each city per calendar year (from another city
    or the rest of China): a (year x city) frame."""
    moves = flows_year[
        flows_year.degree.isin(TALENT) & (flows_year.origin != flows_year.destination)
    ]
    return moves.pivot_table(
        index="year", columns="destination", values="movers", aggfunc="sum", fill_value=0.0
    )


def diff_in_diff(outcome: pd.DataFrame, city: str, before: int, after: int) -> float:
    """ln(city's outcome after / before) less the same for the other 12 cities summed, in the
    same years: the programme's response against the other cities (NaN if a count is 0)."""
    others = [c for c in CITY_KEYS if c != city and c in outcome.columns]
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            own = outcome.at[after, city] / outcome.at[before, city]
            rest = outcome.loc[after, others].sum() / outcome.loc[before, others].sum()
            value = np.log(own) - np.log(rest)
    except KeyError:
        return float("nan")
    return float(value) if np.isfinite(value) else float("nan")


# --------------------------------------------------------------------------- 4. Nanjing
def residents_by_degree(city_month: pd.DataFrame, city: str, date: str) -> dict[str, float]:
    """Working-age residents of `city` at `date` with a bachelor's degree or more (`talent`)
    and with junior college as highest degree (`college`), in people."""
    return {
        metric: value_at(metric_series(city_month, metric), city, pd.Timestamp(date))
        for metric in ("talent", "college")
    }


# --------------------------------------------------------------------------- 5. Liepin order
# Liepin's window for its 2017 ordering: 2016Q4 to 2018Q1.
LIEPIN_WINDOW = {2017: ("2016-10-01", "2018-03-01")}


def experienced_net_inflow_rate(city_month: pd.DataFrame, year: int) -> pd.Series | None:
    """Each city's net inflow rate of experienced talent over Liepin's window for `year` (the
    calendar year where none is set), (in - out) / (in + out), from the monthly
    `talent_inflow_experienced` and `talent_outflow_experienced` (bachelor and above, a year
    or more past graduating: Liepin's mid/high-end talent, not new graduates' first choices);
    None for a run recorded before those metrics existed."""
    first, last = LIEPIN_WINDOW.get(year, (f"{year}-01-01", f"{year}-12-01"))
    dates = pd.to_datetime(city_month.date)
    rows = city_month[
        city_month.metric.isin(("talent_inflow_experienced", "talent_outflow_experienced"))
        & (dates >= pd.Timestamp(first))
        & (dates <= pd.Timestamp(last))
    ]
    if rows.empty:
        return None
    sums = rows.groupby(["metric", "city"]).value.sum().unstack("metric")
    sums = sums.reindex(CITY_KEYS, fill_value=0.0)
    into, out = sums["talent_inflow_experienced"], sums["talent_outflow_experienced"]
    gross = into + out
    return (into - out) / gross.where(gross > 0)


def net_inflow_rate(flows_year: pd.DataFrame, year: int) -> pd.Series:
    """Each city's bachelor-and-above net inflow over its gross flow, (in - out) / (in + out),
    in `year` (moves with the other cities and the rest of China)."""
    moves = flows_year[
        (flows_year.year == year)
        & flows_year.degree.isin(TALENT)
        & (flows_year.origin != flows_year.destination)
    ]
    into = moves.groupby("destination").movers.sum().reindex(CITY_KEYS, fill_value=0.0)
    out = moves.groupby("origin").movers.sum().reindex(CITY_KEYS, fill_value=0.0)
    gross = into + out
    return (into - out) / gross.where(gross > 0)


def wrong_pairs(values: pd.Series, order: tuple[str, ...]) -> int:
    """How many pairs of `order` (highest first) `values` rank the other way (ties count
    as wrong; a missing value makes every pair it is in wrong)."""
    count = 0
    for i, high in enumerate(order):
        for low in order[i + 1 :]:
            if not values.get(high, np.nan) > values.get(low, np.nan):
                count += 1
    return count


def kendall_tau(values: pd.Series, order: tuple[str, ...]) -> float:
    """Kendall's tau between `values` and the ranking `order`: 1 - 2 x wrong / pairs."""
    pairs = len(order) * (len(order) - 1) // 2
    return 1.0 - 2.0 * wrong_pairs(values, order) / pairs


# --------------------------------------------------------------------------- 6. vacancy
def office_vacancy(city_month: pd.DataFrame) -> pd.DataFrame:
    """Empty office seats over seats, a (date x city) frame: the metric `office_vacancy`
    where the run records it, else 1 - `office_occupancy`."""
    if (city_month.metric == "office_vacancy").any():
        return metric_series(city_month, "office_vacancy")
    return 1.0 - metric_series(city_month, "office_occupancy")


def vacancy_in(city_month: pd.DataFrame, city: str, year: int, period: str) -> float:
    """Mean office vacancy of `city` over the months of `period` (PERIOD_MONTHS) of `year`."""
    return months_mean(office_vacancy(city_month), city, year, PERIOD_MONTHS[period])


# --------------------------------------------------------------------------- 7. rents
def rent_growth(city_month: pd.DataFrame, city: str, base_year: int, to: str) -> float:
    """Mean nominal rent in month `to` over the mean of `base_year` (the price index's base
    is a year's average)."""
    rent = metric_series(city_month, "rent")
    base = months_mean(rent, city, base_year, PERIOD_MONTHS["year"])
    return value_at(rent, city, pd.Timestamp(to + "-01")) / base


# --------------------------------------------------------------------------- all of them
def simulated_moments(
    tables: dict[str, pd.DataFrame], moments: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every in-sample moment of `moments` (the packaged table unless given) that this module
    measures, as rows (moment, city, simulated); rows of other moments are left out."""
    if moments is None:
        moments = load_table()
    rows = []
    for moment, city in zip(moments.moment, moments.city, strict=True):
        value = measure(tables, moments, moment, city)
        if value is not None:
            rows.append((moment, city, value))
    for moment, city, before, after in RESPONSES:  # the responses the data lack a target for
        if not ((moments.moment == moment) & (moments.city == city)).any():
            rows.append((moment, city, _response(tables, moment, city, before, after)))
    return pd.DataFrame(rows, columns=["moment", "city", "simulated"])


def measure(tables, moments: pd.DataFrame, moment: str, city: str) -> float | None:
    """The simulated value of one row of the moments table, None if not an in-sample moment."""
    cm = tables.get("city_month")
    parts = moment.split("_")
    if moment.startswith("population_growth_since_census_"):
        return population_growth(cm, city, int(parts[-1]))
    if moment == "population_growth_rank_rho_2018":
        return growth_rho(cm, moments)
    pool = tables.get("pool_year")
    if moment.startswith("tier1_graduate_share_change_"):
        first, last = int(parts[-2]), int(parts[-1])
        return cohort_share_6m(cm, pool, TIER1, last) - cohort_share_6m(cm, pool, TIER1, first)
    if moment.startswith("tier1_graduate_share_"):
        return cohort_share_6m(cm, pool, TIER1, int(parts[-1]))
    if moment.startswith("new_tier1_graduate_share_ratio_"):
        first, last = int(parts[-2]), int(parts[-1])
        return cohort_share_6m(cm, pool, NEW_TIER1, last) / cohort_share_6m(
            cm, pool, NEW_TIER1, first
        )
    if moment.startswith("did_"):
        for name, c, before, after in RESPONSES:
            if name == moment and c == city:
                return _response(tables, moment, city, before, after)
        return float("nan")
    if moment.startswith("liepin_net_inflow_wrong_pairs_"):
        year = int(parts[-1])
        rates = experienced_net_inflow_rate(cm, year)
        if rates is None:
            rates = net_inflow_rate(tables["flows_year"], year)
        return float(wrong_pairs(rates, LIEPIN_ORDER))
    if moment.startswith("office_vacancy_"):
        return vacancy_in(cm, city, int(parts[-2]), parts[-1])
    if moment.startswith("rent_growth_"):  # rent_growth_<base>_<year>_<month>
        return rent_growth(cm, city, int(parts[2]), f"{parts[3]}-{parts[4]}")
    return None


def _response(tables, moment: str, city: str, before: int, after: int) -> float:
    if moment.startswith("did_graduates_staying_"):
        outcome = graduates_staying(tables["city_month"])
    else:
        outcome = talent_arrivals(tables["flows_year"])
    return diff_in_diff(outcome, city, before, after)


def growth_rho(city_month: pd.DataFrame, moments: pd.DataFrame) -> float:
    """Spearman's rho between simulated and target annual growth from the census to each
    city's last communique year in the table (after the undercount model)."""
    rows = moments[moments.moment.str.startswith("population_growth_since_census_")]
    last = rows.assign(year=rows.moment.str[-4:].astype(int)).sort_values("year")
    last = last.groupby("city").tail(1)
    target, simulated = {}, {}
    for city, year, ratio in zip(last.city, last.year, last.target, strict=True):
        target[city] = annual_growth(float(ratio), year)
        simulated[city] = annual_growth(population_growth(city_month, city, year), year)
    return spearman(pd.Series(simulated), pd.Series(target))


def load_table() -> pd.DataFrame:
    """The packaged moments (moment, city, target, ...; city "" for national rows)."""
    with resources.files("hubsim.data").joinpath("moments.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, keep_default_na=False)
