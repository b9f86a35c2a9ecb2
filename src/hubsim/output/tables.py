"""Tidy tables of a finished model: monthly city and sector metrics, yearly flows, the start.

One row per (date, city, metric), (date, city, sector, headquarters, metric), (year, origin,
destination, degree) or (year, quantity, node, degree) for the pool account, with a
replication column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import NODES
from hubsim.engine.model import HubModel
from hubsim.engine.phases.record import METRICS, SECTOR_METRICS
from hubsim.scenario import DEGREES, SECTORS, TALENT_DEGREE, month_index

ALL = "all"  # the sector or headquarters column of a row that is not split that way

# Metrics that do not apply to a node get no row (never a NaN row): the outside node has no
# office seats, so neither seats nor occupancy.
NOT_APPLICABLE = {
    "rest_of_china": (
        "office_occupancy", "office_vacancy", "office_seats", "office_seats_vacant",
        "cohort_6m",  # its people are no agents: their graduates are not followed
    ),
}  # fmt: skip


def city_month(model: HubModel, replication: int) -> pd.DataFrame:
    """The DataCollector's monthly city metrics as a tidy table (metric, date, city order).

    A metric in `NOT_APPLICABLE` for a node has no rows for that node.
    """
    values = np.array(model.datacollector.model_vars["metric_table"], dtype=float)
    months, n_metrics, n_nodes = values.shape
    dates = pd.date_range(model.params.start + "-01", periods=months, freq="MS")
    city = np.tile(np.array(NODES), months * n_metrics)
    metric = np.repeat(np.array(METRICS), months * n_nodes)
    keep = np.ones(city.size, dtype=bool)
    for node, metrics in NOT_APPLICABLE.items():
        keep &= ~((city == node) & np.isin(metric, metrics))
    table = pd.DataFrame(
        {
            "date": np.tile(np.repeat(dates.to_numpy(), n_nodes), n_metrics)[keep],
            "city": city[keep],
            "metric": metric[keep],
            "value": values.transpose(1, 0, 2).ravel()[keep],
            "replication": replication,
        }
    )
    return table


def city_sector_month(model: HubModel, replication: int) -> pd.DataFrame:
    """Monthly metrics per city and sector, and branch offices by headquarters city (tidy).

    Columns: date, city, sector, headquarters, metric, value, replication. The metrics of
    `record.SECTOR_METRICS` (jobs, talent_jobs, vacancies, wage_mean, offices, branch_offices)
    have one row per city and sector, with headquarters 'all'. `branch_offices` also has one
    row per city and headquarters city with sector 'all': the open secondary offices there of
    firms headquartered in that city (pairs without any are left out). A wage where a sector
    employs nobody has no row; the rest of China has no offices and no rows.
    """
    values = np.array(model.sector_tables, dtype=float)  # (month, metric, node, sector)
    months = values.shape[0]
    dates = pd.date_range(model.params.start + "-01", periods=months, freq="MS").to_numpy()
    cities = np.array(NODES[:-1])
    m, metric, c, s = np.meshgrid(
        np.arange(months), np.arange(len(SECTOR_METRICS)), np.arange(len(cities)),
        np.arange(len(SECTORS)), indexing="ij",
    )  # fmt: skip
    flat = values[:, :, :-1, :]
    by_sector = pd.DataFrame(
        {
            "date": dates[m.ravel()],
            "city": cities[c.ravel()],
            "sector": np.array(SECTORS)[s.ravel()],
            "headquarters": ALL,
            "metric": np.array(SECTOR_METRICS)[metric.ravel()],
            "value": flat.ravel(),
        }
    )
    by_sector = by_sector[np.isfinite(by_sector["value"].to_numpy())]
    branches = np.array(model.branch_tables, dtype=float)[:, :-1, :-1]  # (month, hq, city)
    t, hq, city = np.nonzero(branches)
    by_headquarters = pd.DataFrame(
        {
            "date": dates[t],
            "city": cities[city],
            "sector": ALL,
            "headquarters": cities[hq],
            "metric": "branch_offices",
            "value": branches[t, hq, city],
        }
    )
    table = pd.concat([by_sector, by_headquarters], ignore_index=True)
    for column in ("city", "sector", "headquarters", "metric"):
        table[column] = table[column].astype(str)
    return table.assign(replication=replication)


def flows_year(model: HubModel, replication: int) -> pd.DataFrame:
    """Movers (people) per calendar year, origin, destination and degree; zero cells left out."""
    flows = model.state.flows_by_year * model.state.scale
    year0 = month_index(model.params.start) // 12
    y, o, d, g = np.nonzero(flows)
    return pd.DataFrame(
        {
            "year": (year0 + y).astype(int),
            "origin": np.array(NODES)[o],
            "destination": np.array(NODES)[d],
            "degree": np.array(DEGREES)[g],
            "movers": flows[y, o, d, g],
            "replication": replication,
        }
    )


def pool_year(model: HubModel, replication: int) -> pd.DataFrame:
    """The pool account per calendar year, in people (tidy: year, quantity, node, degree).

    National rows (node 'national'): `talent_start`, `cohort_talent` (bachelor-and-above
    graduates entering as new people), `postgraduates_upgraded` (postgraduates who held the
    degree below: no new people), `postgraduates_new` (postgraduates for whom no such holder was
    found, counted in `cohort_talent`), `adult_talent` and `adult_college` (adult and online
    degrees gained), `retired_talent`, `talent_end` (start + graduates entering + adult
    bachelor degrees - retirements) and `talent_counted` (counted in the nodes at the year's
    end; equal to `talent_end`).
    Per node: `cohort_went` by degree (where each July cohort was after its first choice) and
    `cohort_talent_went` (its bachelor-and-above part).
    """
    pool, scale = model.state.pool, model.state.scale
    year0 = month_index(model.params.start) // 12
    last = (month_index(model.params.start) + model.params.months - 1) // 12 - year0
    talent = slice(TALENT_DEGREE, None)
    postgraduate = slice(DEGREES.index("master"), None)
    new_graduates = pool.cohort - pool.upgraded
    gained = pool.entered()[:, talent].sum(axis=1) - pool.retired[:, talent].sum(axis=1)
    end = pool.talent_start + np.cumsum(gained)
    rows = []
    for y in range(last + 1):
        national = {
            "talent_start": end[y - 1] if y else pool.talent_start,
            "cohort_talent": new_graduates[y, talent].sum(),
            "postgraduates_upgraded": pool.upgraded[y, postgraduate].sum(),
            "postgraduates_new": new_graduates[y, postgraduate].sum(),
            "adult_talent": pool.adult[y, talent].sum(),
            "adult_college": pool.adult[y, DEGREES.index("college")],
            "retired_talent": pool.retired[y, talent].sum(),
            "talent_end": end[y],
            "talent_counted": pool.counted[y],
        }
        rows += [(year0 + y, q, "national", "", v * scale) for q, v in national.items()]
        for j, node in enumerate(NODES):
            rows += [
                (year0 + y, "cohort_went", node, DEGREES[d], pool.went[y, j, d] * scale)
                for d in range(1, len(DEGREES))
            ]
            talent_went = pool.went[y, j, talent].sum() * scale
            rows.append((year0 + y, "cohort_talent_went", node, "bachelor+", talent_went))
    table = pd.DataFrame(rows, columns=["year", "quantity", "node", "degree", "value"])
    return table.assign(replication=replication)


def initial(model: HubModel, replication: int) -> pd.DataFrame:
    """The start state's metrics, one row per node."""
    return pd.DataFrame(model.initial_metrics, index=list(NODES)).assign(replication=replication)
