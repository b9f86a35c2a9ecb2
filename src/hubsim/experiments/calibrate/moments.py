"""Calibration moments: the packaged targets (`data/moments.csv`), what a run says of each, and
the distance between the two that `hubsim calibrate` minimises.

Two runs make one replication's moments: the 2000s spin-up (2000-01 to 2009-12, no programmes,
no caps), read at 2009-12 against the 2010 census; and a 2010 start with the recorded programmes
to 2018-12, read for the 2017-2018 policy responses. Nothing after 2019 is a target.

How each simulated moment is measured:
- `population_2010`, `college_plus_per_100k_2010`, `wage_2010`: the city's residents, its
  college-and-above residents per 100,000 (junior college and above, working-age agents scaled
  back to all ages by `educated_working_age_share`) and its mean nominal wage, at 2009-12.
- `chengdu_tier1_wage_ratio`: Chengdu's mean wage over the four tier-1 cities' mean, 2009-12.
- `unemployment_rate_2009`: the 13 cities' unemployed over their labour force, mean of 2009.
- `migration_elasticity`: measured from the simulated moves, not restated from the parameters
  (`gravity_elasticity`): a Poisson (PPML) gravity regression of the yearly moves between the
  13 cities over 2000-2009 on the destination's log mean wage and log rent, with origin x year
  and destination fixed effects; the coefficient on the log wage. It is identified by how each
  destination's moves change as its wage moves against the others', as in Tombe & Zhu's use of
  changes.
- `xian_registrations_increase_<year>`: bachelor-and-above people moving to Xi'an that year
  less in 2016. The model has no residents converting their hukou, so the reported increase in
  registrations bounds this from above: the table charges only an excess (`log_upper`).
- `wuhan_graduates_staying_2017`: bachelor-and-above graduates choosing Wuhan within a year of
  graduating, summed over 2017 (the reported count may include junior-college graduates).
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd

from hubsim.output import insample
from hubsim.scenario import CITY_KEYS, DEGREES, TALENT_DEGREE, Scenario

TIER1 = ("beijing", "shanghai", "shenzhen", "guangzhou")
SPINUP_MONTH = pd.Timestamp("2009-12-01")
POLICY_END = "2019-12"  # the 2010 start runs to the end of the last in-sample year
POLICY_MONTHS = 120
TALENT = DEGREES[TALENT_DEGREE:]


def load_moments(path=None) -> pd.DataFrame:
    """The moments table (packaged `moments.csv` unless `path`), with a `key` column."""
    if path is None:
        with resources.files("hubsim.data").joinpath("moments.csv").open(encoding="utf-8") as f:
            table = pd.read_csv(f, keep_default_na=False)
    else:
        table = pd.read_csv(path, keep_default_na=False)
    table["target"] = table["target"].astype(float)
    table["key"] = [key_of(m, c) for m, c in zip(table.moment, table.city, strict=True)]
    return table


def key_of(moment: str, city: str) -> str:
    """A moment's name in run records: `moment@city`, or `moment` for national ones."""
    return f"{moment}@{city}" if city else moment


# --------------------------------------------------------------------------- measured in a run
def spinup_moments(scenario: Scenario, part: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The in-sample 2010 moments of one spin-up replication (2000-01 start)."""
    cm = part["city_month"]
    if cm.date.max() < SPINUP_MONTH:
        raise ValueError("the spin-up must run to 2009-12 (start 2000-01, months 120)")
    at = cm[cm.date == SPINUP_MONTH].pivot_table(index="city", columns="metric", values="value")
    share = scenario.behaviour.demography.educated_working_age_share
    values: dict[str, float] = {}
    for city in CITY_KEYS:
        row = at.loc[city]
        values[f"population_2010@{city}"] = float(row["population"])
        educated = (row["college"] + row["talent"]) / share
        values[f"college_plus_per_100k_2010@{city}"] = float(1e5 * educated / row["population"])
        values[f"wage_2010@{city}"] = float(row["wage_mean"])
    wage = at["wage_mean"]
    values[key_of("chengdu_tier1_wage_ratio", "chengdu")] = float(
        wage["chengdu"] / wage[list(TIER1)].mean()
    )
    year = cm[(cm.date.dt.year == 2009) & cm.city.isin(CITY_KEYS)]
    totals = year.groupby("metric")["value"].sum()
    values["unemployment_rate_2009"] = float(
        totals["unemployed"] / (totals["unemployed"] + totals["employed"])
    )
    values["migration_elasticity"] = gravity_elasticity(part["flows_year"], cm)
    return values


def policy_moments(scenario: Scenario, part: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The 2010s moments of one replication of a 2010 start (to 2019-12): the 2017-2018 policy
    responses above and every in-sample moment `hubsim.output.insample` measures."""
    cm, flows = part["city_month"], part["flows_year"]
    if cm.date.max() < pd.Timestamp(POLICY_END + "-01"):
        raise ValueError(
            f"the policy run must reach {POLICY_END} (start 2010-01, months {POLICY_MONTHS})"
        )
    into_xian = flows[(flows.destination == "xian") & flows.degree.isin(TALENT)]
    movers = into_xian.groupby("year")["movers"].sum().reindex([2016, 2017, 2018], fill_value=0)
    staying = cm[(cm.city == "wuhan") & (cm.metric == "graduate_newcomers_1y")]
    values = {
        key_of("xian_registrations_increase_2017", "xian"): float(movers[2017] - movers[2016]),
        key_of("xian_registrations_increase_2018", "xian"): float(movers[2018] - movers[2016]),
        key_of("wuhan_graduates_staying_2017", "wuhan"): float(
            staying[staying.date.dt.year == 2017].value.sum()
        ),
    }
    measured = insample.simulated_moments(part, _insample_rows())
    for moment, city, value in measured.itertuples(index=False):
        values[key_of(moment, city)] = float(value)
    return values


@functools.cache
def _insample_rows() -> pd.DataFrame:
    """The packaged table's 2010s rows, read once per process (not once per replication)."""
    table = load_moments()
    return table[table.key.isin(insample_keys(table))]


def insample_keys(table: pd.DataFrame) -> set[str]:
    """The keys of the moments table measured from the 2010 start (`policy_moments`)."""
    return set(table.key[table["sample"].str.startswith("2010 start")])


def gravity_elasticity(flows: pd.DataFrame, city_month: pd.DataFrame) -> float:
    """PPML coefficient of yearly moves between the 13 cities on the destination's log wage
    (with its log rent, origin x year and destination fixed effects); NaN if it cannot be
    estimated (no moves, or no variation left)."""
    cm = city_month[city_month.city.isin(CITY_KEYS) & city_month.metric.isin(["wage_mean", "rent"])]
    yearly = cm.groupby([cm.date.dt.year.rename("year"), "city", "metric"])["value"].mean()
    prices = yearly.unstack("metric")
    years = sorted(set(prices.index.get_level_values("year")))
    moves = flows[flows.origin.isin(CITY_KEYS) & flows.destination.isin(CITY_KEYS)]
    moves = moves.groupby(["year", "origin", "destination"])["movers"].sum()
    cities = list(CITY_KEYS)
    grid = pd.MultiIndex.from_tuples(
        [(y, o, d) for y in years for o in cities for d in cities if o != d],
        names=["year", "origin", "destination"],
    )
    y = moves.reindex(grid, fill_value=0.0).to_numpy(float)
    if y.sum() <= 0:
        return float("nan")
    year = grid.get_level_values("year").to_numpy()
    origin = grid.get_level_values("origin")
    dest = grid.get_level_values("destination")
    key = pd.MultiIndex.from_arrays([year, dest])
    log_wage = np.log(prices["wage_mean"].reindex(key).to_numpy(float))
    log_rent = np.log(prices["rent"].reindex(key).to_numpy(float))
    origin_year = pd.factorize(pd.MultiIndex.from_arrays([year, origin]))[0]
    destination = pd.factorize(dest)[0]
    columns = [log_wage, log_rent]
    fixed = [
        np.eye(origin_year.max() + 1)[origin_year],
        np.eye(destination.max() + 1)[destination][:, 1:],
    ]
    x = np.column_stack([*columns, *fixed])
    beta = _ppml(y, x)
    return float(beta[0]) if beta is not None else float("nan")


def _ppml(y: np.ndarray, x: np.ndarray, iterations: int = 100) -> np.ndarray | None:
    """Poisson pseudo-maximum likelihood by iteratively reweighted least squares (normal
    equations: the design is a few hundred columns at most)."""
    mu = np.full(len(y), max(y.mean(), 1e-9))
    beta = None
    for _ in range(iterations):
        z = np.log(mu) + (y - mu) / mu
        weighted = x * mu[:, None]
        try:
            solution = np.linalg.solve(x.T @ weighted, weighted.T @ z)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(solution)):
            return None
        mu = np.exp(np.clip(x @ solution, -50.0, 50.0))
        if beta is not None and np.max(np.abs(solution - beta)) < 1e-7:
            return solution
        beta = solution
    return beta


# --------------------------------------------------------------------------- distance
ERROR_KINDS = ("log", "log_upper", "abs")


def errors(table: pd.DataFrame, simulated: pd.Series) -> pd.Series:
    """Each moment's standardised error, by its `error` kind:

    - `log`: ln(sim / target) / tolerance;
    - `log_upper`: the same, but only an excess counts (0 below the target): the target bounds
      the simulated quantity from above, as Xi'an's registrations, which count residents
      converting their hukou, bound the simulated arrivals;
    - `abs`: (sim - target) / tolerance.
    """
    sim = simulated.reindex(table.key).to_numpy(float)
    target = table.target.to_numpy(float)
    tolerance = table.tolerance.to_numpy(float)
    # A simulated count at or below zero (a response the noise cancels) reads as a twentieth
    # of its target, so that the distance stays finite and still says how far off it is.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_error = np.log(np.maximum(sim, target / 20) / target) / tolerance
    kind = table.error.to_numpy()
    error = np.where(kind == "abs", (sim - target) / tolerance, log_error)
    error = np.where(kind == "log_upper", np.maximum(error, 0.0), error)
    return pd.Series(error, index=table.key)


def distance(table: pd.DataFrame, simulated: pd.Series) -> float:
    """The weighted mean of squared standardised errors (inf where a weighted moment is NaN)."""
    z = errors(table, simulated).to_numpy()
    w = table.weight.to_numpy(float)
    used = w > 0
    if not np.all(np.isfinite(z[used])):
        return float("inf")
    return float((w[used] * z[used] ** 2).sum() / w[used].sum())


def fit_table(table: pd.DataFrame, by_replication: pd.DataFrame) -> pd.DataFrame:
    """The moments table: simulated mean and spread over replications beside target and error."""
    sim = by_replication.reindex(columns=table.key)
    columns = ["moment", "city", "target", "error", "tolerance", "weight", "unit", "sample"]
    out = table[[*columns, "source"]].copy()
    out["simulated"] = sim.mean().to_numpy()
    out["simulated_sd"] = sim.std(ddof=1).to_numpy() if len(sim) > 1 else np.nan
    out["error_pct"] = 100.0 * (out.simulated / out.target - 1.0)
    out["z"] = errors(table, sim.mean()).to_numpy()
    within = (np.abs(out.z) <= 1.0) & out.simulated.notna()
    # Rows shown but not fitted (weight 0, ESTIMATE targets) are not judged: left empty.
    out["within_tolerance"] = pd.Series(within, dtype="boolean").where(out.weight > 0)
    return out
