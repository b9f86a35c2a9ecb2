"""Write `src/hubsim/data/moments.csv`: what `hubsim calibrate` fits, each with its source.

Every target is a figure up to 2010, or one of the reported 2017-2018 policy responses
(the project's data notes; docs/data.md, copied here with their sources); nothing after 2019.

- 2010 census populations of the 13 cities (`census_2000_2010.csv`).
- 2010 college-and-above residents per 100,000 where a bulletin reports it or it is DERIVED
  from one (`education_2010_by_city.csv`); the ESTIMATE rows are listed with weight 0.
- 2010 average wages (`cities_2010.csv`); the ESTIMATE row (Shanghai) has weight 0.
- Chengdu's wage over the tier-1 average (the seed article: 50-80 %), unemployment (4-5 %),
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

Run `python tools/moments_table.py` after changing a rule; a test checks the packaged table is
what this script gives.
"""

from __future__ import annotations

import csv
import io
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
        "seed article: Chengdu talent costs 50-80 % of tier-1",
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
        "national urban unemployment around 4-5 % (project data notes)",
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
    return out


def table_text() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return buffer.getvalue()


if __name__ == "__main__":
    OUT.write_text(table_text(), encoding="utf-8")
    print(f"wrote {OUT}")
