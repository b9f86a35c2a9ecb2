"""Office space built ahead of demand (docs/model.md#offices): which cities a ghost-hub
verdict may name.

A city built ahead of demand if its grade-A stock is recorded for the 2010s (the brokers'
stock and pipelines in the packaged `office_stock.csv`, delivered whether or not tenants
came), if its scenario plans office seats to grow on top of demand
(`office_capacity_growth_per_year` > 0), or if an `office_capacity` programme builds seats
in it. A city whose seats only follow demand cannot be a ghost hub.
"""

from __future__ import annotations

from hubsim.engine.cities import office_stock_table
from hubsim.scenario import CITY_KEYS, Scenario


def built_ahead_reasons(scenario: Scenario) -> dict[str, list[str]]:
    """Per city (the 13 keys), why its office space was built ahead of demand: any of
    'recorded stock', 'plan', 'programme'; an empty list where it was not."""
    recorded = set(office_stock_table()["city"])
    out: dict[str, list[str]] = {city: [] for city in CITY_KEYS}
    for city in CITY_KEYS:
        if city in recorded:
            out[city].append("recorded stock")
        override = scenario.cities.get(city)
        if override is not None and override.office_capacity_growth_per_year > 0:
            out[city].append("plan")
    for programme in scenario.programmes:
        if programme.instrument == "office_capacity" and "programme" not in out[programme.city]:
            out[programme.city].append("programme")
    return out


def built_ahead(scenario: Scenario) -> dict[str, bool]:
    """Per city, whether its office space was built ahead of demand (`built_ahead_reasons`)."""
    return {city: bool(reasons) for city, reasons in built_ahead_reasons(scenario).items()}
