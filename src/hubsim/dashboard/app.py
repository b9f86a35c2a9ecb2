"""The dashboard page: Mesa's SolaraViz over PolicyDashboard, its controls, figures and table.

Served by `hubsim dashboard` (solara looks up `Page`); one model per browser session.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from hubsim.dashboard import figures, views
from hubsim.dashboard.engine import (
    BEHAVIOUR_WEIGHTS,
    CITY_KEYS,
    DEFAULT_SCALE,
    HUKOU_CHOICES,
    HubsimError,
    Scenario,
    save_scenario,
)
from hubsim.dashboard.model import (
    DEFAULT_SCENARIO,
    PolicyDashboard,
    city_control,
    scenario_files,
)
from hubsim.dashboard.server import PAGE_TITLE, SCENARIO_ENV

BEHAVIOUR_LABELS = {
    "b_w": "Weight of ln wage (b_w)",
    "b_r": "Weight of ln rent (b_r)",
    "b_h": "Value of hukou (b_h)",
    "b_s_per_10k_yuan": "Value of 10,000 yuan of subsidy",
    "moving_cost_fixed": "Fixed cost of moving",
}
BEHAVIOUR_RANGES = {  # min, max, step
    "b_w": (0.0, 3.0, 0.05),
    "b_r": (0.0, 1.5, 0.05),
    "b_h": (0.0, 1.5, 0.05),
    "b_s_per_10k_yuan": (0.0, 0.2, 0.005),
    "moving_cost_fixed": (0.0, 5.0, 0.1),
}


# Mesa's sliders show their value only while dragged; the value is what a reader wants to see.
# Vuetify renders the thumb label hidden (an inline display:none), so it is shown always here,
# with room above each slider for it.
SLIDER_VALUES_CSS = """
.v-slider__thumb-label-container { display: block !important; }
.v-input__slider { padding-top: 30px; }
"""


def _slider(label: str, value: float, low: float, high: float, step: float) -> dict[str, Any]:
    kind = "SliderInt" if all(float(x).is_integer() for x in (value, low, high, step)) else None
    return {
        "type": kind or "SliderFloat",
        "label": label,
        "value": int(value) if kind else float(value),
        "min": low,
        "max": high,
        "step": step,
    }


def weight_range(value: float, low: float, high: float, step: float) -> tuple[float, float, float]:
    """A weight slider's (min, max, step) with the file's value on its grid and in its range.

    The browser's slider snaps its value to min + k x step, then rounds it to the step's
    decimals: a fitted weight (b_w 1.5148) off the grid would reach the model as 1.5, one above
    the range's end cut to it, and the run with "no setting changed" would differ from the
    unmodified one. The grid is shifted by less than a step so that it passes through the
    value, and reaches at least twice it; the rounding that is left (1.51) is within
    `model.WEIGHT_TOLERANCE`, which the model reads as the file's value.
    """
    first = value - max(math.floor((value - low) / step + 1e-9), 0) * step
    last = first + math.ceil((max(high, 2.0 * value) - first) / step - 1e-9) * step
    return round(first, 10), round(last, 10), step


def model_params(scenario_file: str, base: Scenario) -> dict[str, Any]:
    """SolaraViz `model_params`: the scenario picker, scale, behaviour and city instruments."""
    first, last = int(base.start[:4]), int(base.start[:4]) + (base.months - 1) // 12
    params: dict[str, Any] = {
        "scenario_file": {
            "type": "Select",
            "label": "Scenario file",
            "value": scenario_file,
            "values": scenario_files(scenario_file),
        },
        "scale": _slider("Scale (people per agent)", DEFAULT_SCALE, 250, 10000, 250),
        "policy_start_year": _slider("New programmes start in January", first, first, last, 1),
    }
    for key, (section, field) in BEHAVIOUR_WEIGHTS.items():
        value = getattr(getattr(base.behaviour, section), field)
        low, high, step = weight_range(value, *BEHAVIOUR_RANGES[key])
        params[key] = {**_slider(BEHAVIOUR_LABELS[key], value, low, high, step)}
        params[key]["type"] = "SliderFloat"
    for city in CITY_KEYS:
        name = views.CITY_NAMES[city]
        params |= {
            city_control(city, "cash_yuan"): _slider(
                f"{name}: cash once (yuan)", 0, 0, 100_000, 5_000
            ),
            city_control(city, "rent_yuan_month"): _slider(
                f"{name}: rent subsidy (yuan a month)", 0, 0, 3_000, 100
            ),
            city_control(city, "rent_months"): _slider(
                f"{name}: rent subsidy months", 36, 1, 60, 1
            ),
            city_control(city, "hukou_min_degree"): {
                "type": "Select",
                "label": f"{name}: hukou from degree",
                "value": "scenario",
                "values": list(HUKOU_CHOICES),
            },
            city_control(city, "budget_bn_yuan_year"): _slider(
                f"{name}: budget per programme (bn yuan a year, 0 = none)", 0.0, 0.0, 20.0, 0.5
            ),
            city_control(city, "office_seats"): _slider(
                f"{name}: office seats built (over 5 years)", 0, 0, 500_000, 10_000
            ),
        }
    return params


def _svg(fig) -> None:
    svg = figures.svg_text(fig).replace("<svg ", '<svg style="width:100%;height:auto" ', 1)
    solara.HTML(tag="div", unsafe_innerHTML=svg)


@solara.component
def TalentPlot(model: PolicyDashboard):
    update_counter.get()  # Mesa bumps it after Step and Reset; reading it subscribes
    _svg(views.talent_view(model))


@solara.component
def RentPlot(model: PolicyDashboard):
    update_counter.get()
    _svg(views.rent_view(model))


@solara.component
def MigrationPlot(model: PolicyDashboard):
    update_counter.get()
    _svg(views.migration_view(model))


@solara.component
def SpendingPlot(model: PolicyDashboard):
    update_counter.get()
    _svg(views.spending_view(model))


def default_save_path(scenario_file: str, base: Scenario) -> str:
    return str(Path(scenario_file).parent / f"{base.name}-dashboard.yaml")


def applied_settings(model: PolicyDashboard) -> str:
    """The settings the current runs use, in words (sliders take effect on Reset)."""
    parts = [f"scale {model.settings.scale:,.0f} people per agent"]
    for key, value in model.settings.behaviour:
        section, field = BEHAVIOUR_WEIGHTS[key]
        if value != getattr(getattr(model.base.behaviour, section), field):
            parts.append(f"{key} = {value:g}")
    for city, i in model.settings.cities:
        name = views.CITY_NAMES[city]
        if i.cash_yuan:
            parts.append(f"{name} cash {i.cash_yuan:,.0f} yuan")
        if i.rent_yuan_month:
            parts.append(f"{name} rent {i.rent_yuan_month:,.0f} yuan a month x {i.rent_months}")
        if i.hukou_min_degree != "scenario":
            parts.append(f"{name} hukou from {i.hukou_min_degree}")
        if i.budget_bn_yuan_year:
            parts.append(f"{name} budget {i.budget_bn_yuan_year:g} bn yuan a year")
        if i.office_seats:
            parts.append(f"{name} {i.office_seats:,.0f} office seats")
    start = model.settings.start_month(model.base)
    return f"{model.base.name}, programmes from {start}: " + "; ".join(parts)


@solara.component
def StatusBar(model: PolicyDashboard):
    """Months simulated, a one-year step, and the settings in force."""
    update_counter.get()

    def step_year() -> None:
        for _ in range(12):
            model.step()
        force_update()

    done = model.month + 1
    year, month = (int(part) for part in model.start.split("-"))
    last = year * 12 + month - 2 + done  # the last month simulated, months since year 0
    reached = f"through {last // 12:04d}-{last % 12 + 1:02d}" if done else "none yet"
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Step a year", on_click=step_year, disabled=not model.running)
        solara.Text(
            f"{done} of {model.months} months simulated ({reached}). Sliders take effect on Reset."
        )
    solara.Text(f"Settings in force: {applied_settings(model)}", style={"font-size": "13px"})


@solara.component
def CityTable(model: PolicyDashboard):
    """The city table with target status, and the button saving the settings as a scenario."""
    update_counter.get()
    path = solara.use_reactive(default_save_path(model.scenario_file, model.base))
    message = solara.use_reactive(("", ""))

    def save() -> None:
        try:
            kind = save_scenario(model.base, Path(model.scenario_file), model.settings, path.value)
        except HubsimError as exc:
            message.set(("error", str(exc)))
            return
        how = "extends the scenario file" if kind == "changes" else "states the whole scenario"
        message.set(("ok", f"Saved {path.value} ({how}). Run: python -m hubsim run {path.value}"))

    solara.HTML(tag="div", unsafe_innerHTML=views.table_html(views.city_table(model)))
    with solara.Row(style={"align-items": "center"}):
        solara.InputText("Save the settings in force as", value=path, continuous_update=True)
        solara.Button("Save scenario", on_click=save, color="primary")
    kind, text = message.value
    if kind == "ok":
        solara.Success(text)
    elif kind == "error":
        solara.Error(text)


@solara.component
def MainView(model: PolicyDashboard):
    """The figures and the table, laid out full width (Mesa's grid would halve them)."""
    with solara.Column(style={"padding": "8px 16px", "width": "100%"}):
        StatusBar(model)
        TalentPlot(model)
        with solara.Columns([1, 1, 1]):
            RentPlot(model)
            MigrationPlot(model)
            SpendingPlot(model)
        CityTable(model)


@solara.component
def Dashboard(model: solara.Reactive[PolicyDashboard]):
    """SolaraViz (controls, parameters, Reset) over a reactive PolicyDashboard, and the views.

    Tests pass their own reactive; `Page` makes one per browser session.
    """
    params = solara.use_memo(lambda: model_params(model.value.scenario_file, model.value.base), [])
    solara.Title(PAGE_TITLE)  # the browser tab's title (solara's default: "Solara ☀️")
    solara.Style(SLIDER_VALUES_CSS)
    SolaraViz(model, components=[], model_params=params, name=PAGE_TITLE, play_interval=50)
    MainView(model.value)


@solara.component
def Page():
    """One model per browser session (a module-level model would be shared by every tab)."""
    scenario_file = os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO)
    first = solara.use_memo(lambda: PolicyDashboard(scenario_file=scenario_file), [])
    model = solara.use_reactive(first)
    Dashboard(model)
