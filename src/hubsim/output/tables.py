"""Tidy tables of a finished model: monthly city metrics, yearly flows, the start state.

One row per (date, city, metric) or (year, origin, destination, degree), with a replication column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import NODES
from hubsim.engine.model import HubModel
from hubsim.engine.phases.record import METRICS
from hubsim.scenario import DEGREES, month_index

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


def initial(model: HubModel, replication: int) -> pd.DataFrame:
    """The start state's metrics, one row per node."""
    return pd.DataFrame(model.initial_metrics, index=list(NODES)).assign(replication=replication)
