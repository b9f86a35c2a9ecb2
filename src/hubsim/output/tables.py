"""Tidy tables of a finished model: monthly city metrics, yearly flows, the start state.

One row per (date, city, metric), (year, origin, destination, degree) or (year, quantity, node,
degree) for the pool account, with a replication column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import NODES
from hubsim.engine.model import HubModel
from hubsim.engine.phases.record import METRICS
from hubsim.scenario import DEGREES, TALENT_DEGREE, month_index

# Metrics that do not apply to a node get no row (never a NaN row): the outside node has no
# office seats, so neither seats nor occupancy.
NOT_APPLICABLE = {"rest_of_china": ("office_occupancy", "office_seats")}


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
    graduates entering), `retired_talent`, `talent_end` (start + graduates - retirements) and
    `talent_counted` (counted in the nodes at the year's end; equal to `talent_end`).
    Per node: `cohort_went` by degree (where each July cohort was after its first choice) and
    `cohort_talent_went` (its bachelor-and-above part).
    """
    pool, scale = model.state.pool, model.state.scale
    year0 = month_index(model.params.start) // 12
    last = (month_index(model.params.start) + model.params.months - 1) // 12 - year0
    talent = slice(TALENT_DEGREE, None)
    gained = pool.cohort[:, talent].sum(axis=1) - pool.retired[:, talent].sum(axis=1)
    end = pool.talent_start + np.cumsum(gained)
    rows = []
    for y in range(last + 1):
        national = {
            "talent_start": end[y - 1] if y else pool.talent_start,
            "cohort_talent": pool.cohort[y, talent].sum(),
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
