"""The dashboard: its model beside the unmodified run, the page rendered headless, the saved
scenario, the command line, and one end-to-end run in a real browser (Debian's chromium)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("solara", reason="the dashboard extra is not installed")

import ipyvue  # noqa: E402
import ipyvuetify as vw  # noqa: E402
import solara  # noqa: E402
from mesa.visualization.solara_viz import _build_model_init_kwargs  # noqa: E402

from hubsim.cli import main  # noqa: E402
from hubsim.dashboard import app, engine, figures, views  # noqa: E402
from hubsim.dashboard.model import CITY_CONTROLS, PolicyDashboard  # noqa: E402
from hubsim.output.layout import CITY_COLOURS  # noqa: E402

# A simulated year in the browser took over 30 s once while CI's other slow worker ran
# beside it on 2 cores; the waits allow for that load, they do not loosen what is checked.
STEP_TIMEOUT_MS = 180_000

load_scenario = engine.load_scenario  # hubsim's own names come through the dashboard's engine

TINY = 20000.0  # people per agent: a year of both runs in a few milliseconds
CHENGDU = engine.CITY_KEYS.index("chengdu")  # its column in the node arrays
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def dashboard(baseline: Path, **settings) -> PolicyDashboard:
    return PolicyDashboard(scenario_file=str(baseline), scale=TINY, **settings)


def step(model: PolicyDashboard, months: int) -> PolicyDashboard:
    for _ in range(months):
        model.step()
    return model


# --------------------------------------------------------------------------- the model


def test_without_settings_both_runs_are_the_same_run(baseline):
    """Same scenario, same seed: common random numbers make the two runs identical."""
    model = step(dashboard(baseline), 12)
    assert model.month == 11 and len(model.policy.rows) == 13
    np.testing.assert_array_equal(model.policy.series("talent"), model.reference.series("talent"))


def test_chengdu_rent_subsidy_changes_chengdu_and_only_the_settings_run(baseline):
    model = step(dashboard(baseline, chengdu_rent_yuan_month=3000), 36)
    added = model.policy_params.programmes[-1]
    assert (added.city, added.instrument, added.amount, added.months) == (
        "chengdu",
        "rent",
        3000,
        36,
    )
    assert added.start == "2010-01"
    assert len(model.reference_params.programmes) == len(model.policy_params.programmes) - 1
    gap = model.policy.series("talent")[:, CHENGDU] - model.reference.series("talent")[:, CHENGDU]
    # The settings run moves away from the unmodified one (at this coarse scale the sign of a
    # few agents' difference over three years is noise; compare with replications gives it).
    assert (gap != 0).any()
    spent = model.policy.series("subsidy_spent")[1:, CHENGDU].sum()
    assert spent > 0 and model.reference.series("subsidy_spent")[1:, CHENGDU].sum() == 0


def test_every_instrument_and_weight_reaches_the_scenario(baseline):
    model = dashboard(
        baseline,
        policy_start_year=2012,
        b_w=1.9,
        xian_cash_yuan=20000,
        xian_budget_bn_yuan_year=2.5,
        xian_hukou_min_degree="master",
        guiyang_office_seats=100000,
    )
    params = model.policy_params
    assert params.behaviour.migration.b_w == 1.9
    assert model.reference_params.behaviour.migration.b_w == model.base.behaviour.migration.b_w
    assert params.cities["xian"].hukou_min_degree == "master"
    added = {(p.city, p.instrument): p for p in params.programmes[-2:]}
    assert added["xian", "cash"].budget_yuan_per_year == 2.5e9
    assert added["xian", "cash"].start == "2012-01"
    assert added["guiyang", "office_capacity"].amount == 100000
    assert params.scale == model.reference_params.scale == TINY


def test_unknown_keyword_is_refused(baseline):
    with pytest.raises(TypeError, match="chengdu_rent"):
        dashboard(baseline, chengdu_rent=1500)


def test_mesa_reset_rebuilds_the_same_model_from_keywords(baseline):
    """Reset calls type(model)(**params) (with Mesa's own scenario added): same seed, same run."""
    params = {"scenario_file": str(baseline), "scale": TINY, "chengdu_rent_yuan_month": 1500}
    first = step(PolicyDashboard(**params), 6)
    kwargs = _build_model_init_kwargs(
        first, params, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )
    again = step(type(first)(**kwargs), 6)
    np.testing.assert_array_equal(first.policy.series("talent"), again.policy.series("talent"))


def test_views_draw_a_consistent_snapshot_while_a_step_is_half_done(baseline):
    """Play steps the model in a thread: a page drawn mid-step sees whole months only."""
    model = step(dashboard(baseline), 3)
    model.policy.step()  # one run has stepped, the other not yet
    policy, reference = model.snapshot()
    assert len(policy.rows) == len(reference.rows) == 4
    assert len(views.talent_view(model).axes) == 16
    assert len(views.city_table(model)) == 13


def test_the_model_stops_at_the_horizon(write):
    path = write("short.yaml", "name: short\nmonths: 3\n")
    model = step(PolicyDashboard(scenario_file=str(path), scale=TINY), 5)
    assert model.month == 2 and not model.running


# --------------------------------------------------------------------------- the page


@solara.component
def Shell(model):
    """The page inside an AppLayout, so the sidebar (Mesa's controls) is rendered too."""
    with solara.AppLayout():
        app.Dashboard(model)


def render(baseline: Path):
    model = solara.reactive(dashboard(baseline))
    _, rc = solara.render(Shell(model), handle_error=False)
    return model, rc


def button(rc, label: str):
    return rc.find(vw.Btn, children=[label]).widget


def texts(found) -> str:
    """The text children of the widgets found (solara.Text is an ipyvue.Html span)."""
    return " ".join(c for w in found.widgets for c in w.children if isinstance(c, str))


def page_html(rc) -> str:
    return " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)


def test_page_renders_controls_figures_and_table(baseline):
    model, rc = render(baseline)
    labels = {w.label for w in rc.find(vw.Slider).widgets}
    assert "Chengdu: rent subsidy (yuan a month)" in labels
    assert "Scale (people per agent)" in labels and "Weight of ln wage (b_w)" in labels
    assert len(labels & {f"Guiyang: {n}" for n in ("cash once (yuan)",)}) == 1
    html = page_html(rc)
    assert 'id="talent-chengdu-policy"' in html and 'id="talent-chengdu-reference"' in html
    assert 'data-city="chengdu"' in html
    assert model.value.month == -1  # nothing simulated before Step


@pytest.mark.slow  # 11 s: a simulated year; CI's slow step runs it
def test_step_advances_the_model_and_the_page(baseline):
    model, rc = render(baseline)
    button(rc, "Step").click()
    assert model.value.month == 0
    button(rc, "Step a year").click()
    assert model.value.month == 12
    assert "13 of 240 months simulated (through 2011-01)" in texts(rc.find(ipyvue.Html, tag="span"))


@pytest.mark.slow  # 5-8 s: the default run stays under 3 minutes; CI runs it
def test_slider_change_reaches_the_models_scenario_on_reset(baseline):
    model, rc = render(baseline)
    before = model.value
    rc.find(vw.Slider, label="Chengdu: rent subsidy (yuan a month)").widget.v_model = 2000
    assert model.value is before  # Mesa applies parameters on Reset
    button(rc, "Reset").click()
    assert model.value is not before
    rent = [p for p in model.value.policy_params.programmes if p.source.startswith("hubsim dash")]
    assert [(p.city, p.instrument, p.amount) for p in rent] == [("chengdu", "rent", 2000)]
    assert model.value.settings.scale == engine.DEFAULT_SCALE  # the slider's, not the test's


def test_weight_sliders_start_on_the_files_fitted_values(baseline):
    """The browser snaps a slider to min + k x step: each weight's grid passes through the
    file's value (fitted values such as b_w 2.26742, off the old grids and ranges), so a Reset
    with no slider moved runs the file's weights in both runs."""
    params = app.model_params(str(baseline), load_scenario(baseline))
    base = load_scenario(baseline).behaviour.migration
    for key, (_section, field) in engine.BEHAVIOUR_WEIGHTS.items():
        value, low, high, step = (params[key][k] for k in ("value", "min", "max", "step"))
        assert value == getattr(base, field)
        assert low <= value <= high and high >= 2 * value
        assert low + round((value - low) / step) * step == pytest.approx(value, abs=1e-9)

    def in_the_browser(key: str) -> float:  # Vuetify's VSlider.roundValue
        slider = params[key]
        step, low = slider["step"], slider["min"]
        decimals = len(str(step).split(".")[1]) if "." in str(step) else 0
        offset = low % step
        value = round((slider["value"] - offset) / step) * step + offset
        return round(min(value, slider["max"]), decimals)

    snapped_weights = {key: in_the_browser(key) for key in engine.BEHAVIOUR_WEIGHTS}
    fitted = base.b_w  # the fitted file's, through extends
    assert snapped_weights["b_w"] == round(fitted, 2)  # rounded to the step's decimals
    model = dashboard(baseline, **snapped_weights)
    assert model.settings.behaviour == ()
    assert model.policy_params.behaviour == model.reference_params.behaviour


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_the_scenario_picker_switches_file_on_reset(baseline):
    model, rc = render(baseline)
    picker = rc.find(vw.Select, label="Scenario file").widget
    other = baseline.parent / "no-talent-war.yaml"
    assert str(other) in picker.items
    picker.v_model = str(other)
    button(rc, "Reset").click()
    assert model.value.base.name == "no-talent-war"
    assert model.value.reference_params.programmes == model.value.base.programmes


@pytest.mark.slow  # 5-8 s: the default run stays under 3 minutes; CI runs it
def test_save_button_writes_a_scenario_that_hubsim_run_accepts(baseline, tmp_path, capsys):
    model, rc = render(baseline)
    rc.find(vw.Slider, label="Chengdu: rent subsidy (yuan a month)").widget.v_model = 1500
    rc.find(vw.Slider, label="Scale (people per agent)").widget.v_model = 20000
    button(rc, "Reset").click()
    out = tmp_path / "saved" / "chengdu-rent.yaml"
    rc.find(vw.TextField, label="Save the settings in force as").widget.v_model = str(out)
    button(rc, "Save scenario").click()
    text = out.read_text(encoding="utf-8")
    assert "extends:" in text and "add_programmes:" in text  # the short form
    saved = load_scenario(out)
    assert saved.model_dump(mode="json") == model.value.policy_params.model_dump(mode="json")
    assert f"Saved {out}" in texts(rc.find(vw.Alert))
    code = main(["run", str(out), "--months", "2", "--no-plots", "--quiet", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err


def test_save_without_a_base_file_states_the_whole_scenario(baseline, tmp_path):
    base = load_scenario(baseline)
    settings = engine.DashboardSettings(
        scale=TINY, cities=(("wuhan", engine.CityInstruments(cash_yuan=5000)),)
    )
    kind = engine.save_scenario(base, None, settings, tmp_path / "full.yaml")
    assert kind == "full"
    assert "extends" not in (tmp_path / "full.yaml").read_text(encoding="utf-8")
    assert load_scenario(tmp_path / "full.yaml").programmes[-1].city == "wuhan"


def test_save_refuses_a_name_without_yaml_extension(baseline, tmp_path):
    base = load_scenario(baseline)
    with pytest.raises(engine.HubsimError, match="must end in .yaml"):
        engine.save_scenario(base, baseline, engine.DashboardSettings(), tmp_path / "x.txt")


def test_no_model_is_made_at_import_so_tabs_do_not_share_one():
    assert not any(isinstance(v, PolicyDashboard) for v in vars(app).values())
    assert len(CITY_CONTROLS) == 13 * 6


# --------------------------------------------------------------------------- command line


def test_dashboard_without_its_extra_names_the_extra(monkeypatch, capsys):
    monkeypatch.setattr("hubsim.dashboard.server.missing_extra", lambda: "solara")
    assert main(["dashboard"]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[dashboard]'" in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_dashboard_with_a_missing_file_is_one_paragraph(capsys):
    assert main(["dashboard", "no-such-scenario.yaml"]) == 2
    err = capsys.readouterr().err
    assert "no-such-scenario.yaml: scenario file not found" in err and "Traceback" not in err


def test_dashboard_on_a_port_in_use_is_one_paragraph(baseline, capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["dashboard", str(baseline), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err and "Traceback" not in err


def test_the_rent_panel_counts_whole_years_and_the_lower_panels_read_at_a_third_width():
    years = 2010 + np.arange(19) / 12  # a year and a half: matplotlib's own ticks are 2010.25...
    rents = np.linspace(20, 80, 19)[:, None] * np.ones(13)
    names = list(views.CITY_NAMES.values())
    rent = figures.rent_figure(years, rents, rents, names, (2010.0, 2011.5))
    ax = rent.axes[0]
    ticks = [t for t in ax.get_xticks() if 2010.0 <= t <= 2011.5]
    assert ticks and all(float(t).is_integer() for t in ticks)
    bars = figures.city_bars_figure(np.ones(13), np.ones(13), names, "Net migration")
    for fig in (rent, bars):  # drawn a third of the page wide: type of 10 points or more
        sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize"))
                 if t.get_text().strip()]  # fmt: skip
        assert min(sizes) >= 10, min(sizes)
    # a city has the colour it has in every figure
    colours = [line.get_color() for line in ax.lines[1::2]]
    assert colours == list(CITY_COLOURS)


def test_the_extra_is_installed_here():
    from hubsim.dashboard.server import missing_extra

    assert missing_extra() is None


# --------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium, never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with apt-get")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def server(baseline, tmp_path):
    """`hubsim dashboard` on a free local port, stopped after the test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubsim", "dashboard", str(baseline), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.mark.slow
def test_in_a_browser_chengdu_rent_subsidy_moves_chengdus_curve(server, page, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_text("Step a year").wait_for(timeout=STEP_TIMEOUT_MS)
    assert page.title() == app.PAGE_TITLE  # not solara's "Solara ☀️"
    # every slider shows its value, not only while it is dragged
    scale = page.locator(".v-input__slider", has_text="Scale (people per agent)")
    assert scale.locator(".v-slider__thumb-label").inner_text() == f"{engine.DEFAULT_SCALE:.0f}"
    assert scale.locator(".v-slider__thumb-label").is_visible()
    slider = page.get_by_role("slider", name="Chengdu: rent subsidy (yuan a month)")
    slider.focus()
    slider.press("End")  # the slider's maximum, 3,000 yuan a month
    assert slider.get_attribute("aria-valuenow") == "3000"
    applied = page.get_by_text("Chengdu rent 3,000 yuan a month")
    for _ in range(5):  # the slider's value reaches the server a moment after the key press
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Reset").click()
        try:
            applied.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    assert applied.is_visible()
    page.get_by_role("button", name="Step a year").click()
    page.get_by_text("12 of 240 months simulated").wait_for(timeout=STEP_TIMEOUT_MS)
    policy = page.locator("#talent-chengdu-policy path").get_attribute("d")
    reference = page.locator("#talent-chengdu-reference path").get_attribute("d")
    assert policy.count("L") == reference.count("L") == 12  # 13 points: start and 12 months
    assert policy != reference
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("HUBSIM_DASHBOARD_SCREENSHOT")
    if keep:  # e.g. to look at it outside the test's folder
        shutil.copy(shot, keep)
    # Play runs month after month until paused.
    page.get_by_role("button", name="▶").click()
    playing = page.get_by_text(re.compile(r"^(1[5-9]|[2-9]\d|\d{3}) of 240 months"))
    playing.wait_for(timeout=STEP_TIMEOUT_MS)
    # The pause button is disabled while a step runs; on a loaded machine that outlasts
    # Playwright's default 30 s (CI, 2026-12-07), so it gets the step's timeout too.
    page.get_by_role("button", name="❚❚").click(timeout=STEP_TIMEOUT_MS)
    page.get_by_role("button", name="▶").wait_for(timeout=STEP_TIMEOUT_MS)
    status = page.get_by_text(re.compile(r"of 240 months simulated"))
    paused = status.inner_text()
    page.wait_for_timeout(1_500)
    assert status.inner_text() == paused
    log = (tmp_path / "server.log").read_text()
    assert "samesite" not in log and "Traceback" not in log  # no cookie warning at the start


def test_a_college_and_above_target_counts_junior_college_people_on_the_dashboard() -> None:
    """The dashboard judges Guangzhou's junior-college-and-above goal as the summary does:
    talent plus junior-college people at the date."""
    from types import SimpleNamespace

    from hubsim.dashboard.model import Trace
    from hubsim.scenario import CITY_KEYS, scenario_from_dict

    params = scenario_from_dict(
        {"name": "x", "targets": {"guangzhou": {"by": "2010-01", "talent_people": 1500.0,
                                                "measure": "college_and_above"}}}
    )  # fmt: skip
    i, n = CITY_KEYS.index("guangzhou"), len(CITY_KEYS) + 1
    row = {"talent": np.zeros(n), "college": np.zeros(n)}
    row["talent"][i], row["college"][i] = 1000.0, 600.0
    trace = Trace.__new__(Trace)
    trace.model, trace.rows = SimpleNamespace(params=params), [row]
    assert views.target_status(trace, params, "guangzhou").text == "reached"
    row["college"][i] = 400.0  # 1,400 people: short of 1,500
    assert views.target_status(trace, params, "guangzhou").text == "missed"
