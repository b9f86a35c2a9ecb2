"""The scenario schema (pydantic): behaviour, cities, programmes, targets, ghost rule, shocks.

Every value carries its unit in its name or its description; unknown keys are errors. Every
number must be finite (NaN and infinity are errors); a description says "error" for bounds a
value cannot cross and "warning" where a value is possible but far outside the record
(`hubsim.scenario.records`: the run prints those and its manifest keeps them).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from hubsim.scenario.checking import MONTH_PATTERN, Strict, problem
from hubsim.scenario.records import (
    CALIBRATED_RANGES,
    FAR,
    FAR_FROM_CALIBRATION,
    NATIONAL_POPULATION_2010,
    largest_on_record,
    max_yuan_per_person,
)

# none, college (junior college, zhuanke), bachelor, master, phd; "talent" is bachelor and above.
DEGREES = ("none", "college", "bachelor", "master", "phd")
TALENT_DEGREE = DEGREES.index("bachelor")  # degree indices from this one up are talent
CITY_KEYS = (
    "beijing",
    "shanghai",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "chengdu",
    "nanjing",
    "suzhou",
    "wuhan",
    "xian",
    "xiamen",
    "fuzhou",
    "guiyang",
)
Degree = Literal["none", "college", "bachelor", "master", "phd"]
# One Literal, not `Degree | Literal["nobody"]`: a union would report each member's error apart.
HukouDegree = Literal["none", "college", "bachelor", "master", "phd", "nobody"]
MAX_GAIN_SHARE = 3.0  # a quadrupling: a larger share is almost surely a per cent written whole
LAST_START_YEAR = 2019  # the world is built from the 2010 census and the recorded 2010s
SPINUP_YEAR = 2000  # a start in 2000 is built from the 2000 census (the calibration spin-up)
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="YYYY-MM")]
MAX_WAGE_PREMIUM = 100.0  # a degree paid over 100 times its city's average wage is absurd
MAX_ELASTICITY = 10.0  # 10 % more for each 1 % more: far beyond any estimate, and it overflows
Elasticity = Annotated[float, Field(ge=0, le=MAX_ELASTICITY)]
ELASTICITY_BOUNDS = f"Error below 0 or above {MAX_ELASTICITY:g}"
MAX_LOG_SD = 5.0  # a log standard deviation beyond it spreads factors over e^10
YearlyGrowth = Annotated[float, Field(gt=-1, le=1)]  # -100 % empties; doubling yearly is absurd
MAX_REPLICATIONS = 10_000
MAX_FACTOR = 100.0  # a city or a shock multiplying productivity a hundredfold is absurd
WagePremium = Annotated[float, Field(gt=0, le=MAX_WAGE_PREMIUM)]
NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
PositiveShare = Annotated[float, Field(gt=0, le=1)]


def month_index(month: str) -> int:
    """Months since 0000-01 of a 'YYYY-MM' string (so differences are month counts)."""
    year, mon = (int(part) for part in month.split("-"))
    return year * 12 + mon - 1


def _calibrated(key: str, what: str) -> str:
    """A description ending with the warning range of a calibrated parameter."""
    low, high = CALIBRATED_RANGES[key]
    return (
        f"{what}; warning below {low / FAR_FROM_CALIBRATION:g} or above "
        f"{high * FAR_FROM_CALIBRATION:g} (the calibration searched {low:g} to {high:g})"
    )


def with_default_keys(model: type[Strict], field: str, given: Any) -> Any:
    """A mapping a file gives in part (some sectors, some degrees): the rest keep defaults."""
    if isinstance(given, dict):
        return {**model.model_fields[field].default_factory(), **given}
    return given


def _unknown_city(city: str) -> str:
    return f"{city!r} is not one of the 13 modelled cities; use one of {', '.join(CITY_KEYS)}"


class Hazards(Strict):
    """Yearly hazards of reconsidering one's city; a worker uses the largest that applies."""

    base_per_year: NonNeg = Field(
        0.02,
        description=_calibrated(
            "behaviour.migration.hazards.base_per_year",
            "settled workers over the young-age limit; error below 0",
        ),
    )
    young_per_year: NonNeg = Field(0.05, description="workers aged up to young_age_max")
    unemployed_per_year: NonNeg = Field(0.30, description="unemployed workers")
    new_graduate_per_year: NonNeg = Field(0.3, description="in the first year after graduating")
    young_age_max: int = Field(30, ge=16, le=80)
    outside_per_year: NonNeg = Field(
        0.004, description="working-age people in the outside node (rest of China)"
    )


class Migration(Strict):
    """Logit location choice V_ij (docs/model.md#migration), in utility units; lambda: 1/scale."""

    logit_scale: float = Field(1.0, gt=0, description="lambda: 1/scale of the Gumbel noise")
    b_w: float = Field(
        1.6,
        ge=0,
        description=_calibrated(
            "behaviour.migration.b_w",
            "weight of ln(expected wage, yuan/year); error below 0 (wages would repel); 0 "
            "switches wages off (the Rosen-Roback limit the tests check)",
        ),
    )
    b_r: float = Field(
        0.5, ge=0, description="weight of ln(rent, yuan/m2/month); error below 0 (rent would draw)"
    )
    b_h: float = Field(
        0.4,
        ge=0,
        description=_calibrated(
            "behaviour.migration.b_h",
            "value of holding or being able to get hukou; error below 0",
        ),
    )
    b_s_per_10k_yuan: float = Field(
        0.04,
        ge=0,
        description=_calibrated(
            "behaviour.migration.b_s_per_10k_yuan",
            "value of 10,000 yuan of subsidies one is eligible for; error below 0",
        ),
    )
    moving_cost_fixed: NonNeg = Field(2.0, description="utility cost of any move")
    moving_cost_per_1000km: NonNeg = Field(
        0.4,
        description=_calibrated(
            "behaviour.migration.moving_cost_per_1000km", "utility cost per 1,000 km; error below 0"
        ),
    )
    leaving_origin_cost: NonNeg = Field(0.6, description="extra cost of leaving one's home city")
    population_cap_cost: float = Field(
        1.0,
        ge=0,
        le=10,
        description="ASSUMPTION, to be fitted (search 0 to 10): the cap's strength, the utility "
        "cost of coming into a capped city standing at its cap. The cost is this times "
        "2 x^2 / (1 + x^2), x = (residents / cap - start share) / (1 - start share), 0 below "
        "the start share: smooth, the strength at the cap, never above twice it. Movers, "
        "graduates settling where they graduated and (as a share admitted) young entrants pay "
        "it; 0 switches caps off",
    )
    population_cap_talent_share: Share = Field(
        1.0,
        description="ASSUMPTION, to be fitted (search 0 to 1): the share of a cap's cost that "
        "a chooser with a bachelor's degree or more pays (those without a degree or with a "
        "junior-college one pay all of it). The capped cities' controls of the 2010s admitted "
        "by points and talent schemes that reward degrees, and cleared low-end trades and "
        "housing; 1 treats every degree alike, 0 exempts talent",
    )
    population_cap_start_share: float = Field(
        0.8,
        ge=0.5,
        le=0.99,
        description="ASSUMPTION: residents / cap at which a cap's cost begins (share, 0.5-0.99)",
    )
    population_cap_removal_per_year: Share = Field(
        0.0,
        description="ASSUMPTION: share of a city's residents displaced a year by housing "
        "removal while it stands above its cap (only residents without local hukou; they "
        "leave for the rest of China); 0 (the default) switches removal off: set it only in "
        "a scenario that dates a removal campaign",
    )
    hazards: Hazards = Hazards()


class Labour(Strict):
    matching_efficiency_per_month: NonNeg = Field(
        0.4,
        description=_calibrated(
            "behaviour.labour.matching_efficiency_per_month",
            "mu in m = mu U^a V^(1-a); error below 0",
        ),
    )
    matching_elasticity: Share = Field(0.5, description="a in m = mu U^a V^(1-a)")
    separation_rate_per_month: Share = Field(0.012, description="exogenous job endings")
    layoff_speed_per_month: Share = Field(0.1, description="share of excess staff laid off")
    wage_tightness_elasticity: NonNeg = Field(0.02, description="d ln wage / d ln(V/U) a month")
    wage_max_change_per_month: NonNeg = Field(0.01, description="bound on the monthly index move")
    nominal_wage_growth_by_year: dict[int, YearlyGrowth] = Field(
        default_factory=lambda: {2000: 0.148, 2010: 0.104, 2020: 0.06},
        description="national nominal wage growth a year, from each year given on: 2000-2009 "
        "DERIVED from national.csv (9,371 to 37,147 yuan, 14.8 % a year compound); 2010-2019 "
        "DERIVED from national.csv (37,147 to 90,501 yuan); from 2020 an ASSUMPTION. Error "
        "at -1 or below (wages would vanish) or above 1 (wages doubling every year; the "
        "record's fastest is 14.8 %)",
    )
    stable_tightness: float = Field(
        0.6, gt=0, description="vacancies per job seeker at which wage indices stand still"
    )
    initial_unemployment: float = Field(
        0.045,
        ge=0,
        lt=1,
        description="share of workers without a job in 2010; error below 0 or at 1 (no jobs to "
        "build firms from)",
    )
    initial_vacancy_rate: Share = Field(0.03, description="open jobs per job at the start")
    outside_employment_rate: Share = Field(0.95, description="e for the rest of China (fixed)")
    degree_wage_premium: dict[Degree, WagePremium] = Field(
        default_factory=lambda: {
            "none": 0.85,
            "college": 1.05,
            "bachelor": 1.3,
            "master": 1.6,
            "phd": 2.0,
        },
        description="ASSUMPTION: wage relative to the city's average wage at the start; error at "
        f"0 or below, or above {MAX_WAGE_PREMIUM:g} (an absurd pay gap)",
    )

    @field_validator("degree_wage_premium", mode="before")
    @classmethod
    def _defaults_for_degrees_not_given(cls, premia: Any) -> Any:
        return with_default_keys(cls, "degree_wage_premium", premia)


Sector = Literal[
    "internet",
    "games_media",
    "hardware",
    "mobility",
    "data",
    "finance",
    "manufacturing",
    "local_services",
]
# docs/model.md#the-world; local_services is the non-tradable one
SECTORS: tuple[str, ...] = Sector.__args__


class Firms(Strict):
    """Firms, their offices and the sectors (docs/model.md#firms-and-offices)."""

    labour_elasticity: float = Field(0.7, gt=0, lt=1, description="theta in L* formula")
    agglomeration_alpha: float = Field(
        0.05,
        ge=0,
        le=0.5,
        description="localisation: A_js grows as (talent in the city's sector / 2010)^alpha; "
        "China 0.02-0.08",
    )
    urbanisation_alpha: float = Field(
        0.03,
        ge=0,
        le=0.5,
        description="urbanisation: A_js grows as (city population / 2010)^alpha (ASSUMPTION)",
    )
    local_services_population_elasticity: Elasticity = Field(
        1.0,
        description="local services' jobs grow as (city population / start)^elasticity; 1: "
        "they employ a fixed share of residents (ASSUMPTION); 0 holds them fixed. "
        + ELASTICITY_BOUNDS,
    )
    sector_talent_share: dict[Sector, Share] = Field(
        default_factory=lambda: {
            "internet": 0.75,
            "games_media": 0.65,
            "hardware": 0.45,
            "mobility": 0.30,
            "data": 0.55,
            "finance": 0.60,
            "manufacturing": 0.10,
            "local_services": 0.10,
        },
        description="ASSUMPTION: share of a sector's jobs that need a bachelor's degree or more "
        "(the degree mix); each city's shares are shifted together (on the log-odds scale) so "
        "its 2010 talent jobs equal its employed talent",
    )
    mean_office_size_people: float = Field(
        5000, gt=0, description="people per office at start (firms per city and sector follow)"
    )
    productivity_pareto_shape: float = Field(
        5.0, gt=1, description="tail of firm productivity; size tail = shape x (1 - theta)"
    )
    office_opening_hazard_per_quarter: Share = Field(
        0.03, description="share of firms that review their offices each quarter"
    )
    office_opening_hurdle: float = Field(
        1.15, gt=0, description="open a branch where its profit beats the headquarters' by this"
    )
    office_closing_ratio: float = Field(
        0.6, gt=0, description="close a branch whose profit ratio to headquarters falls below"
    )
    branch_local_productivity_share: PositiveShare = Field(
        0.4,
        description="ASSUMPTION: omega, a branch's productivity is A_hq^(1-omega) A_local^omega: "
        "the rest of it the firm brings from headquarters. Error at 0 (branches would owe "
        "nothing to their city, and the start's city productivity could not be solved)",
    )
    coordination_cost_per_1000km: NonNeg = Field(
        0.25,
        description="ASSUMPTION: kappa, a branch loses exp(-kappa d) of its productivity at d "
        "thousand km from headquarters",
    )
    branch_fit_sigma: float = Field(
        0.15,
        ge=0,
        le=MAX_LOG_SD,
        description="ASSUMPTION: spread (log sd) of each firm's fit to each city, a lasting "
        "productivity factor of its branch there; 0 makes all firms of a city alike. Error "
        f"below 0 or above {MAX_LOG_SD:g} (one sd a factor of e^{MAX_LOG_SD:g}, about 150)",
    )
    entry_profit_elasticity: Elasticity = Field(
        1.0,
        description="ASSUMPTION: firm births in a city and sector rise as (expected profit / "
        "2010's)^elasticity; at 2010 conditions births replace exits. " + ELASTICITY_BOUNDS,
    )
    exit_hazard_per_year: Share = Field(0.05, description="births are calibrated to match")
    struggling_exit_multiplier: float = Field(
        3.0, ge=1, description="exit hazard factor for firms wanting under half their staff"
    )
    office_seat_cost_yuan: NonNeg = Field(
        100_000, description="ASSUMPTION: public cost of one office seat built by a programme"
    )
    office_m2_per_seat: float = Field(
        12.0,
        gt=0,
        le=1000,
        description="ASSUMPTION: gross floor area (m2) of grade-A office per seat (workstation, "
        "with its share of meeting rooms, corridors and cores); the recorded stock in m2 over "
        "it gives the seats",
    )
    office_grade_a_share: float = Field(
        0.15,
        gt=0,
        le=1,
        description="ESTIMATE: share of the talent jobs of tradable sectors that sit in the "
        "grade-A / prime offices the brokers count (the rest in factories, tech parks and older "
        "buildings); set so that the six recorded cities' occupied grade-A floor area of "
        "2014-2016 over office_m2_per_seat matches their simulated tradable talent jobs, all "
        "six pooled (docs/model.md#offices); error at 0",
    )
    office_natural_vacancy: float = Field(
        0.08,
        ge=0,
        lt=1,
        description="ESTIMATE: share of seats left free where developers build to demand (no "
        "stock recorded); about the grade-A vacancy of Beijing, Shanghai and Shenzhen in "
        "2015-2018 (below 10 %, Beijing 3.3-5.6 %); error at 1 or above",
    )
    office_stock_growth_per_year: YearlyGrowth = Field(
        0.16,
        description="DERIVED: yearly growth of a recorded city's grade-A stock before its first "
        "and after its last recorded date up to 2019: national prime new supply of Q1-Q3 2015 "
        "(5.54 M m2, 7.4 M a year) over the 20 major cities' grade-A stock of end-2015 "
        "(45.57 M m2); error at -1 or below or above 1",
    )
    office_absorption_per_year: float = Field(
        0.45,
        gt=0,
        le=1,
        description="DERIVED: share of the empty grade-A space let within a year (leasing takes "
        "time, so a delivery wave stays partly empty for years): Xiamen's 2015 take-up "
        "(393,507 m2) over its space empty at end-2014 (29.1 % of 3.14 M m2) is 0.43, Wuhan's "
        "Q3 2014 net absorption (36,442 m2) a year over its 13.9 % of about 2.0 M m2 is 0.52; "
        "error at 0 or below or above 1",
    )
    office_upgrading_per_year: float = Field(
        0.12,
        ge=0,
        le=1,
        description="ESTIMATE: yearly growth in 2010-2019 of the grade-A seats a tradable "
        "talent job takes (firms moving from older buildings into grade-A space; flat from "
        "2020, ASSUMPTION). The national 2017 net absorption (over 6.0 M m2, a lower bound) "
        "over the occupied grade-A space of the 20 major cities (45.57 M m2 at 83.2 % "
        "occupancy, end-2015) is at least 15.8 % a year; less the simulated growth of the "
        "13 cities' talent (8.2 % a year 2010-2017) that is at least 7 %; 0.12 within that "
        "bound, where the vacancy moments at the fitted point sit (docs/model.md#offices); "
        "error below 0 or above 1",
    )
    relocation_hazard_per_year: Share = Field(0.002)

    @field_validator("sector_talent_share", mode="before")
    @classmethod
    def _defaults_for_sectors_not_given(cls, shares: Any) -> Any:
        return with_default_keys(cls, "sector_talent_share", shares)


class Housing(Strict):
    rent_adjustment_per_month: Share = Field(0.05, description="partial adjustment speed")
    supply_elasticity_tier1: float = Field(0.6, gt=0, description="eta for tier-1 cities")
    supply_elasticity_tier2: float = Field(2.0, gt=0, description="eta for tier-2 cities")
    rent_yield_per_month: float = Field(
        0.0025, gt=0, description="ASSUMPTION: monthly rent per m2 / new-home price per m2"
    )


class Demography(Strict):
    retirement_age: int = Field(60, ge=40, le=80)
    working_age_share: PositiveShare = Field(
        0.7014,
        description="ages 15-59, 2010 census bulletin No. 1; agents are working-age (a start "
        "in 2010-2019); error at 0 (no agents)",
    )
    working_age_share_2000: PositiveShare = Field(
        0.6678,
        description="ages 15-59 at the 2000 census (a start in 2000): DERIVED from the 2010 "
        "census bulletin No. 1 (70.14 % in 2010, 3.36 points more than in 2000)",
    )
    educated_working_age_share: Share = Field(
        0.96,
        description="ESTIMATE: share of the 2010 census's college and bachelor-and-above "
        "residents (all ages) who were 15-59, the ages the agents stand for; a 2000 start "
        "uses it too (ASSUMPTION)",
    )
    graduate_growth_after_last_year: float = Field(
        0.0,
        description="yearly change of each level's cohort after the last year of "
        "graduates_by_level.csv (2023); ASSUMPTION: 0, held flat",
    )
    graduate_cohort_factor: NonNeg = Field(
        1.0, description="multiplies every cohort (0.5 halves them: the pool binds harder)"
    )
    graduate_decline_from_year: int | None = Field(None, description="year cohorts start to fall")
    graduate_decline_per_year: float = Field(0.0, ge=0, le=1)
    adult_degree_rate_per_year: Share = Field(
        0.0049,
        description="share of working-age residents without a degree who gain a junior-college "
        "or bachelor degree each year (adult and online education). DERIVED in the model's "
        "frame (2010-01 to 2015-12, population held level at the 2010 census's 1,339.7 M): the "
        "2015 1 % survey's 12,445 college-and-above per 100,000 against the 2010 census's 8,930 "
        "is 47.1 M more holders, 45.2 M of working age (x 0.96, educated_working_age_share); "
        "the regular junior-college and bachelor cohorts of 2010-2015 bring 37.9 M and 16.6 M "
        "working-age holders reach 60 (measured in the baseline without adult degrees), so "
        "45.2 - 37.9 + 16.6 = 23.9 M come from adult degrees, 4.0 M a year: 0.48 % of the "
        "824.8 M working-age residents without a degree in 2010 (939.7 M less 114.9 M holders), "
        "0.49 % as that base shrinks while degrees are gained",
    )
    adult_degree_bachelor_share: Share = Field(
        0.40,
        description="share of adult degrees that are bachelor degrees (the rest junior college). "
        "ESTIMATE: the 2010 census's bachelor holders among junior-college and bachelor "
        "holders, 45.63 M / (68.61 M + 45.63 M)",
    )
    graduate_home_share: Share = Field(
        0.4, description="ASSUMPTION: share of graduates whose home is their university city"
    )
    national_universities: int = Field(
        2631,
        gt=0,
        description="regular higher-education institutions, MOE list as of 31 May 2017",
    )
    national_working_age_people: float = Field(
        939_700_000,
        gt=0,
        le=NATIONAL_POPULATION_2010,
        description="1,339,724,852 x 0.7014 (2010 census). Error above the whole population, "
        "or at or below the 13 cities' working-age people (the rest of China would be empty)",
    )


class Switches(Strict):
    """Phases that can be turned off, to check the model against closed-form limits."""

    demography: bool = Field(True, description="graduates, young entrants and retirement")
    firm_dynamics: bool = Field(True, description="firm entry, exit, offices and relocation")
    labour_market: bool = Field(True, description="separations, matching and wage updates")
    housing: bool = Field(True, description="rents follow population")


class Behaviour(Strict):
    switches: Switches = Switches()
    migration: Migration = Migration()
    labour: Labour = Labour()
    firms: Firms = Firms()
    housing: Housing = Housing()
    demography: Demography = Demography()


class CityOverride(Strict):
    """Per-city parameters on top of the packaged data table."""

    amenity: float = Field(0.0, description="a_j, utility units")
    talent_share_2010: Share | None = Field(
        None,
        description="bachelor-and-above share of working-age residents in 2010; overrides the "
        "census stock (data/education_2010_by_city.csv), levels keep their proportions; "
        "a start in 2010-2019 only",
    )
    supply_elasticity: float | None = Field(None, gt=0, description="overrides the tier default")
    hukou_min_degree: HukouDegree | None = Field(
        None, description="lowest degree that gets hukou (default from hukou stringency 1-5)"
    )
    hukou_max_age: int = Field(99, ge=16, le=99)
    office_capacity_growth_per_year: YearlyGrowth = Field(
        0.0,
        description="ASSUMPTION: planned yearly growth of office seats where no stock is "
        "recorded (before 2010, after 2019, cities without a record), on top of what "
        "developers build to demand; error at -1 or below (the seats would vanish) or above 1 "
        "(doubling every year)",
    )
    productivity_factor: float = Field(
        1.0,
        gt=0,
        le=MAX_FACTOR,
        description=f"multiplies A0_j; error at 0 or below, or above {MAX_FACTOR:g}",
    )


class Eligibility(Strict):
    """Who a programme is for. Programmes always go to newcomers: people moving into the city
    and new graduates choosing their first city (residents who stay are never paid)."""

    min_degree: Degree = "bachelor"
    max_age: int = Field(99, ge=16, le=99)
    graduated_within_years: float | None = Field(None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _removed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "arrivals_only" in data:
            raise problem(
                "arrivals_only",
                "this key was removed: it was never read, and every programme goes to newcomers "
                "(people moving in and new graduates choosing their first city) whatever it said; "
                "delete the line",
            )
        return data


Instrument = Literal[
    "cash",
    "rent",
    "housing_discount",
    "hukou",
    "population_cap",
    "firm_grant",
    "office_capacity",
    "housing_supply",
]
UNITS = {
    "cash": "yuan one-off per person",
    "rent": "yuan per month per person, for `months` months",
    "housing_discount": "share below market rent (0-1)",
    "hukou": "no amount: opens hukou to the eligible group",
    "population_cap": "residents (people)",
    "firm_grant": "share of wage cost paid for offices in the city (0-1)",
    "office_capacity": "office seats (people) built, spread over `months` months",
    "housing_supply": "factor on the city's housing supply elasticity (2 doubles it)",
}


class Programme(Strict):
    """One incentive programme: a city, dates, an instrument, who gets it, how much."""

    city: str
    start: Month
    end: Month | None = None
    instrument: Instrument
    eligibility: Eligibility = Eligibility()
    amount: float = Field(
        0.0,
        ge=0,
        description="see hubsim.scenario.UNITS for the unit. Errors: below 0; any amount on a "
        "hukou programme (it has none); a share (housing_discount, firm_grant) above 1; a "
        "population cap of 0, or one or a build-out of office seats above China's 2010 "
        "population; a cash amount, or a rent amount times its months, above "
        f"{max_yuan_per_person():,.0f} yuan (a thousand years of the best-paid city's 2010 "
        f"average wage). Warning: a cash or monthly rent amount over {FAR:g} times the "
        "largest of its instrument on record (data/talent_policies_2016_2021.csv: "
        f"{largest_on_record()['cash']:,.0f} yuan once, {largest_on_record()['rent']:,.0f} "
        "yuan a month)",
    )
    amount_by_degree: dict[Degree, NonNeg] = Field(default_factory=dict)
    months: int = Field(1, ge=1, description="duration of rent payments or of a build-out")
    budget_yuan_per_year: float | None = Field(None, ge=0, description="None: unlimited")
    grant_offices: Literal["all", "branches"] = Field(
        "all",
        description="firm_grant: the offices it pays for: all tradable-sector offices in the "
        "city, or only branches (secondary offices of firms headquartered elsewhere)",
    )
    source: str = ""

    @field_validator("city")
    @classmethod
    def _known_city(cls, city: str) -> str:
        if city not in CITY_KEYS:
            raise ValueError(_unknown_city(city))
        return city

    @model_validator(mode="after")
    def _dates_and_amounts(self) -> Programme:
        if self.end is not None and month_index(self.end) < month_index(self.start):
            raise problem(
                "end",
                f"the programme ends ({self.end}) before it starts ({self.start}); "
                f"set end to {self.start} or later, or remove end for an open-ended programme",
            )
        if self.amount_by_degree and self.instrument not in ("cash", "rent"):
            raise problem(
                "amount_by_degree",
                f"amounts by degree are for cash and rent (yuan per person); {self.instrument} "
                f"programmes have one amount ({UNITS[self.instrument]}): give it as amount and "
                "remove amount_by_degree",
            )
        if self.grant_offices != "all" and self.instrument != "firm_grant":
            raise problem(
                "grant_offices",
                f"only firm grants pay for offices; a {self.instrument} programme has no "
                "grant_offices: remove the key",
            )
        shares = ("housing_discount", "firm_grant")
        if self.instrument in shares and self.amount > 1:
            raise problem(
                "amount",
                f"a {self.instrument} amount is a share between 0 and 1 (0.2 means 20 %), "
                f"not {self.amount:g}",
            )
        self._amount_within_meaning()
        return self

    def _amount_within_meaning(self) -> None:
        """Amounts an instrument cannot have: none for hukou, a cap above zero, no absurd sums."""
        if self.instrument == "hukou" and self.amount != 0:
            raise problem(
                "amount",
                f"a hukou programme has no amount (it opens hukou to the eligible group), but "
                f"it is {self.amount:g}; remove amount, or use a cash or rent programme to pay",
            )
        people = ("population_cap", "office_capacity")
        if self.instrument == "population_cap" and self.amount <= 0:
            raise problem(
                "amount",
                "a population cap is the residents (people) a city may hold and must be more "
                f"than 0, but it is {self.amount:g} (the city would have to empty); give the "
                "cap in people, e.g. 23000000, or remove the programme",
            )
        if self.instrument in people and self.amount > NATIONAL_POPULATION_2010:
            raise problem(
                "amount",
                f"a {self.instrument} amount is people ({UNITS[self.instrument]}), and "
                f"{self.amount:g} is more than China's population ({NATIONAL_POPULATION_2010:,}, "
                "2010 census); give it in people, e.g. 23000000",
            )
        if self.instrument in ("cash", "rent"):
            payments = self.months if self.instrument == "rent" else 1
            for key, amount in {"amount": self.amount, **self._by_degree_keys()}.items():
                if amount * payments > max_yuan_per_person():
                    per = f" a month for {self.months} months" if payments > 1 else ""
                    raise problem(
                        key,
                        f"{amount:g} yuan{per} is more than {max_yuan_per_person():,.0f} yuan "
                        "to one person, a thousand years of the best-paid city's 2010 average "
                        "wage (data/cities_2010.csv); give the amount in yuan "
                        f"({UNITS[self.instrument]})",
                    )

    def _by_degree_keys(self) -> dict[str, float]:
        return {f"amount_by_degree.{d}": a for d, a in self.amount_by_degree.items()}

    def amount_for(self, degree: str) -> float:
        return self.amount_by_degree.get(degree, self.amount)


# A target's amount, one per target; the keys each kind reads besides `by` and `source`.
TARGET_AMOUNTS = {
    "talent_people": (),
    "gain_people": ("base_year",),
    "gain_share": ("base_year",),
    "graduates_staying_people": ("start", "within_years"),
}
CENSUS_BASE_YEARS = (2010,)  # years with a census stock in data/ (education_2010_by_city.csv)
MAX_GHOST_YEARS = 10


class Target(Strict):
    """A city's talent goal in absolute terms (docs/scenarios.md#targets), with its source.

    Exactly one amount: `talent_people` (working-age residents of `measure` at `by`),
    `gain_people` or `gain_share` (a gain over the census stock of `base_year`, taken from
    data, never from the simulated path), or `graduates_staying_people` (new graduates who
    choose the city within `within_years` of graduating, counted from `start` to `by`).
    `goal`, `definition` and `mapping` say what the city published, what its count counts and
    how it becomes the model's number; `source` cites it, or says ASSUMPTION.
    """

    by: Month
    talent_people: float | None = Field(None, ge=0, description="people of `measure` at `by`")
    gain_people: float | None = Field(None, ge=0, description="people gained over base_year")
    gain_share: float | None = Field(
        None, ge=0, description="people gained over base_year, as a share of its stock"
    )
    graduates_staying_people: float | None = Field(
        None, ge=0, description="new graduates choosing the city from `start` to `by`"
    )
    measure: Literal["talent", "college_and_above"] = Field(
        "talent",
        description="what a talent or gain target counts: working-age people with a bachelor's "
        "degree or more (talent), or with junior college or more (college_and_above)",
    )
    base_year: int = Field(2010, description="census year of a gain's base (data, not model)")
    start: Month | None = Field(None, description="graduates_staying: first month counted")
    within_years: int = Field(
        1, ge=1, le=5, description="graduates_staying: years after graduating that count"
    )
    goal: str = Field("", description="the goal as the city published it (number, date, base)")
    definition: str = Field("", description="what the city's own count counts")
    mapping: str = Field("", description="how the published goal becomes the model's number")
    source: str = Field(
        "ASSUMPTION",
        description="where the goal was published (a data file and its source column), or "
        "ASSUMPTION and why; error when empty",
    )

    @field_validator("source")
    @classmethod
    def _has_source(cls, source: str) -> str:
        if not source.strip():
            raise ValueError(
                "a target's source is empty; cite where the goal was published (e.g. "
                "'talent_targets.csv: Xi'an talent plan 2010-2020, Xi'an Evening News "
                "2010-09-17'), or write ASSUMPTION and why there is none"
            )
        return source

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        given = [k for k in TARGET_AMOUNTS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a target needs exactly one of talent_people (talent at `by`), gain_people or "
                "gain_share (gain over the census stock of base_year) or graduates_staying_people "
                f"(new graduates choosing the city from `start` to `by`); it has "
                f"{', '.join(given) or 'none'}: keep one (with --set, set the others to null)"
            )
        if self.gain_share is not None and self.gain_share > MAX_GAIN_SHARE:
            raise problem(
                "gain_share",
                "a gain over the census stock of base_year as a share (0.3 means 30 %, 2 a "
                f"tripling) is at most {MAX_GAIN_SHARE:g}, but it is {self.gain_share:g}; write "
                f"{self.gain_share / 100:g} if you meant per cent, or give the goal in people "
                "with gain_people or talent_people instead",
            )
        if self.kind != "graduates_staying_people" and self.start is not None:
            raise problem(
                "start",
                f"a {self.kind} target is measured against data, not from a simulated start: "
                "remove start (gains are counted from base_year's census stock)",
            )
        if self.kind == "graduates_staying_people" and self.start is None:
            raise problem("start", "a graduates_staying_people target needs start (YYYY-MM)")
        if self.kind == "graduates_staying_people" and self.measure != "talent":
            raise problem(
                "measure",
                "a graduates_staying_people target counts bachelor-and-above graduates; remove "
                "measure (it is for talent and gain targets)",
            )
        if self.base_year not in CENSUS_BASE_YEARS:
            raise problem(
                "base_year",
                f"{self.base_year} has no census stock in the packaged data; use "
                f"{', '.join(map(str, CENSUS_BASE_YEARS))}",
            )
        if self.start is not None and month_index(self.by) < month_index(self.start):
            raise problem(
                "by", f"the target date ({self.by}) is before its start ({self.start}); fix either"
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in TARGET_AMOUNTS if getattr(self, k) is not None)

    @property
    def amount(self) -> float:
        return float(getattr(self, self.kind))

    @property
    def sourced(self) -> bool:
        """Whether the target cites a source (an unsourced one is an ASSUMPTION)."""
        return is_sourced(self.source)


def is_sourced(source: str) -> bool:
    """Whether a source cites something: not empty and not an ASSUMPTION."""
    text = str(source or "").strip()
    return bool(text) and not text.upper().startswith("ASSUMPTION")


class GhostRule(Strict):
    """A ghost hub (docs/model.md#targets-and-ghost-hubs): a city whose office space was built
    ahead of demand (a recorded stock that grew whether or not firms came, or seats from an
    office_capacity programme), that leaves more than `vacancy_above` of it empty in each of the
    last `empty_years` years of the run, and that misses its target. A city that built nothing
    ahead, or has no judged target, cannot be one."""

    vacancy_above: Share = Field(
        0.2,
        description="DERIVED from the 2013-2019 record (office_market.csv): office vacancy "
        "(empty seats / seats, a yearly mean) above which space counts as left empty. The "
        "cities called over-built peaked at 22-41 % (Xi'an 22.4 % in 2014, Nanjing 23.9 % and "
        "Xiamen 26.8 % in 2015, Wuhan 27.3 % in 2017, Chengdu 40.7 % in 2013); working markets "
        "stayed at or below 16 % (Beijing 3.3-5.6 %, Guangzhou 15.7 %, Hangzhou 10.6-16 %). "
        "Warning below the lowest city-wide vacancy on record or at or above the highest",
    )
    empty_years: int = Field(
        3,
        ge=1,
        le=MAX_GHOST_YEARS,
        description="DERIVED from the same record: years at the horizon, each with a mean "
        "vacancy above vacancy_above, that make space 'left empty' rather than a glut the "
        "market works off. Xiamen's glut stayed above 20 % about 2.5 years (H1 2014 - Q3 "
        "2016, 18.4 % by Q1 2017); Chengdu's about 4.5 (2013 - Q1 2018). Error below 1 or "
        f"above {MAX_GHOST_YEARS}",
    )


class Shock(Strict):
    """A demand shock: firm productivity and start-ups scaled between two dates."""

    start: Month
    end: Month
    productivity_factor: float = Field(
        1.0, gt=0, le=MAX_FACTOR, description=f"error at 0 or below, or above {MAX_FACTOR:g}"
    )
    entry_factor: float = Field(
        1.0, ge=0, le=MAX_FACTOR, description=f"error below 0 or above {MAX_FACTOR:g}"
    )


class Scenario(Strict):
    """A complete hubsim scenario (what `baseline.yaml` and its descendants describe)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    question: str = ""
    start: Month = "2010-01"
    months: int = Field(240, ge=1, le=1200)
    seed: int = Field(20100101, ge=0)
    scale: float = Field(
        500.0,
        ge=1,
        description="people represented by one agent; error below 1, or so large that a city "
        "starts without a talent agent (above the smallest city's working-age residents with "
        "a bachelor's degree or more in the start's census: Xiamen's 314,075 in 2010), which "
        "the world builder checks and `validate` reports",
    )
    replications: int = Field(
        1,
        ge=1,
        le=MAX_REPLICATIONS,
        description=f"error above {MAX_REPLICATIONS:,} (weeks of computing at the baseline's "
        "scale: a typo, not a study)",
    )
    behaviour: Behaviour = Behaviour()
    cities: dict[str, CityOverride] = Field(default_factory=dict)
    programmes: list[Programme] = Field(default_factory=list)
    targets: dict[str, Target] = Field(default_factory=dict)
    ghost: GhostRule = GhostRule()
    shocks: list[Shock] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _buildable_start(cls, start: str) -> str:
        year = int(start[:4])
        if year == SPINUP_YEAR or 2010 <= year <= LAST_START_YEAR:
            return start
        allowed = (
            f"must be a month of 2010-{LAST_START_YEAR} (the world built from the 2010 census) "
            f"or of {SPINUP_YEAR} (built from the {SPINUP_YEAR} census), but it is '{start}'"
        )
        if year > LAST_START_YEAR:
            raise ValueError(
                f"{allowed}: a later start would only relabel the 2010 state with later dates; "
                f"start in 2010-{LAST_START_YEAR} (e.g. start: 2010-01) and reach later years "
                "with months: (2010-01 plus 312 months ends in 2035-12)"
            )
        if year < SPINUP_YEAR:
            raise ValueError(
                f"{allowed}: the data hold no earlier census to build a world from; start in "
                f"{SPINUP_YEAR} (e.g. start: {SPINUP_YEAR}-01)"
            )
        raise ValueError(
            f"{allowed}: the data hold no census between them to build a world from; start in "
            f"{SPINUP_YEAR} (e.g. start: {SPINUP_YEAR}-01) and reach {year} with months: "
            f"({SPINUP_YEAR}-01 plus {12 * (year - SPINUP_YEAR + 1)} months ends in {year}-12), "
            "or start in 2010"
        )

    @field_validator("targets", mode="before")
    @classmethod
    def _no_targets(cls, value: Any) -> Any:
        """`targets: null` means no targets (an extending file drops the inherited ones)."""
        return {} if value is None else value

    @field_validator("cities", "targets")
    @classmethod
    def _known_cities(cls, value: dict) -> dict:
        unknown = sorted(set(value) - set(CITY_KEYS), key=str)
        if unknown:
            raise problem(str(unknown[0]), _unknown_city(str(unknown[0])))
        return value

    @model_validator(mode="after")
    def _fill_cities(self) -> Scenario:
        if int(self.start[:4]) == SPINUP_YEAR:
            given = [k for k, c in self.cities.items() if c.talent_share_2010 is not None]
            if given:
                raise problem(
                    f"cities.{given[0]}.talent_share_2010",
                    f"a start in {SPINUP_YEAR} builds each city's degrees from the "
                    f"{SPINUP_YEAR} census, so a 2010 talent share does not apply; remove "
                    "talent_share_2010 (or start in 2010-2019)",
                )
        for key in CITY_KEYS:
            if key not in self.cities:
                self.cities[key] = CityOverride()
        return self

    def digest(self) -> str:
        """SHA-256 of the resolved scenario, stable across runs."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def start_month_index(self) -> int:
        return month_index(self.start)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file."""
    return Scenario.model_json_schema()
