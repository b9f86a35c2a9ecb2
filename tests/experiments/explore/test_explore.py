"""`hubsim explore`: a toy outcome of known sensitivity through the explore's own code path
(design, run files, resume, indices, PRIM, figures, report), with negative controls; PRIM on a
planted box; bad files. No model runs here (a toy runner stands in for the executors)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments import executors
from hubsim.experiments.explore import (
    ExploreError,
    defaults,
    design,
    discover,
    load_explore,
    run_explore,
)
from hubsim.scenario import CITY_KEYS

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
# The toy's inputs: what each does to the toy outcome is known.
STRONG, WEAK, NULL = "behaviour.migration.b_w", "behaviour.migration.b_r", "behaviour.migration.b_h"
RANGES = {STRONG: (1.0, 3.0), WEAK: (0.0, 1.0), NULL: (0.5, 1.5)}


def toy_values(task: executors.RunTask) -> dict[str, float]:
    """Attainment = 10 x strong + 1 x weak (each on its unit range), the null input unused;
    the hub misses its goal when attainment is below 6."""
    given = dict(item.split("=", 1) for item in task.overrides)
    unit = {k: (float(given[k]) - lo) / (hi - lo) for k, (lo, hi) in RANGES.items()}
    share = 10 * unit[STRONG] + 1 * unit[WEAK]
    return {
        "share_of_target@chengdu": share,
        "reached@chengdu": float(share >= 6),
        "talent_end@chengdu": 1000.0,  # moved by nothing: reported, not analysed
    }


def toy_runner(tasks, workers, calls: list | None = None):
    for task in tasks:
        if calls is not None:
            calls.append(task.key)
        yield executors.RunRecord(task.point, task.replication, seed=1, values=toy_values(task))


def write_toy(folder: Path, method: str = "morris", samples: int = 12, **extra) -> Path:
    base = os.path.relpath(BASELINE, folder)
    inputs = "\n".join(
        f"  {k.rsplit('.', 1)[-1]}: {{key: {k}, uniform: {{low: {lo}, high: {hi}}}}}"
        for k, (lo, hi) in RANGES.items()
    )
    keys = {
        "name": "toy",
        "base": base,
        "method": method,
        "samples": samples,
        "inputs": "\n" + inputs,
        "outcomes": "[share_of_target@chengdu, reached@chengdu, talent_end@chengdu]",
    } | extra
    lines = [f"{k}: {v}" for k, v in keys.items()]
    path = folder / "toy.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def morris_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explore")
    path = write_toy(folder)
    calls: list = []
    result = run_explore(
        path, out=folder / "out", runner=lambda t, w: toy_runner(t, w, calls), plots=True
    )
    return result, calls, path, folder


def by_input(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    return table[table.outcome == outcome].set_index("input")


def known_sensitivity(table: pd.DataFrame, key: str, tolerance: float) -> bool:
    """The check both methods pass on the toy: the null input's index is within `tolerance`
    of zero (relative to the strongest), the strong input's is the top, above the weak one's."""
    rows = by_input(table, "share_of_target@chengdu")[key]
    top = rows.max()
    return bool(rows["b_h"] <= tolerance * top and rows.idxmax() == "b_w" and rows["b_r"] < top)


def test_morris_ranks_the_toy_inputs_by_their_known_effect(morris_run) -> None:
    result, *_ = morris_run
    rows = by_input(result.indices, "share_of_target@chengdu")
    # elementary effects per full range are exactly 10, 1 and 0 on a linear toy
    assert rows.loc["b_w", "mu_star"] == pytest.approx(10, abs=1e-9)
    assert rows.loc["b_r", "mu_star"] == pytest.approx(1, abs=1e-9)
    assert rows.loc["b_h", "mu_star"] == pytest.approx(0, abs=1e-9)
    assert known_sensitivity(result.indices, "mu_star", tolerance=0.01)


def test_a_broken_pairing_of_samples_and_outcomes_fails_the_same_check(morris_run) -> None:
    """Negative control: the outcomes shuffled against the samples give the null input a
    clearly nonzero mu*, and the check rejects it."""
    result, *_ = morris_run
    explore = result.explore
    unit = design.unit_samples("morris", ["b_w", "b_r", "b_h"], 12, 4, explore.base.seed)
    y = 10 * unit[:, 0] + unit[:, 1]
    shuffled = np.random.default_rng(7).permutation(y)
    broken = design.indices("morris", ["b_w", "b_r", "b_h"], unit, shuffled, 4, 1)
    broken.insert(0, "outcome", "share_of_target@chengdu")
    assert not known_sensitivity(broken, "mu_star", tolerance=0.01)
    assert broken.set_index("input").loc["b_h", "mu_star"] > 1.0


@pytest.mark.slow  # 1,280 toy runs, about 12 s: the Morris toy test covers the default run
def test_sobol_gives_the_null_input_no_share_and_the_strong_one_nearly_all(tmp_path) -> None:
    path = write_toy(tmp_path, method="sobol", samples=256)
    result = run_explore(path, out=tmp_path / "out", runner=toy_runner, plots=False)
    rows = by_input(result.indices, "share_of_target@chengdu")
    # analytic: ST = S1 = 100/101 for the strong input, 1/101 for the weak, 0 for the null
    assert rows.loc["b_w", "ST"] == pytest.approx(100 / 101, abs=0.05)
    assert rows.loc["b_r", "ST"] == pytest.approx(1 / 101, abs=0.01)
    assert abs(rows.loc["b_h", "ST"]) < 0.01 and abs(rows.loc["b_h", "S1"]) < 0.01
    assert known_sensitivity(result.indices, "ST", tolerance=0.01)
    assert {"S1_conf", "ST_conf"} <= set(result.indices.columns)
    assert (result.indices.ST_conf >= 0).all()
    assert len(result.samples) == 256 * (3 + 2)


def test_the_folder_holds_tidy_tables_figures_and_a_report(morris_run) -> None:
    result, calls, *_ = morris_run
    root = result.folder
    samples = pd.read_csv(root / "samples.csv")
    assert list(samples.columns) == ["point", "b_w", "b_r", "b_h"] and len(samples) == 12 * 4
    outcomes = pd.read_csv(root / "outcomes.csv")
    assert list(outcomes.columns) == ["point", "replication", "outcome", "value"]
    assert len(outcomes) == 48 * 3 and len(calls) == 48
    indices = pd.read_csv(root / "indices.csv")
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(indices.columns)
    assert "talent_end@chengdu" not in set(indices.outcome)  # constant: said in the report
    report = (root / "report.md").read_text()
    assert "talent_end@chengdu: the same in every run" in report
    assert "chengdu misses its goal" in report
    names = {p.name for p in result.plots}
    assert "morris_1.png" in names and "prim_misses_goal_chengdu.png" in names
    assert all(p.stat().st_size > 1000 for p in result.plots)


def test_prim_boxes_the_toy_misses_on_the_strong_input(morris_run) -> None:
    result, *_ = morris_run
    (box,) = [b for b in result.boxes if b.event == "misses_goal@chengdu"]
    assert box.found
    limits = box.limits.set_index("input")
    assert "b_w" in limits.index and "b_h" not in limits.index
    assert limits.loc["b_w", "high"] < 2.4  # misses below 10 u + v = 6: b_w below ~2.1-2.2
    stats = box.trajectory.iloc[box.chosen]
    assert stats.coverage >= 0.8 and stats.density > box.share
    table = pd.read_csv(result.folder / "prim_tradeoff.csv")
    assert table.chosen.sum() == 1 and table.coverage.iloc[0] == pytest.approx(1.0)


def test_a_resumed_explore_adds_nothing(morris_run) -> None:
    result, calls, path, folder = morris_run
    before = sorted(os.listdir(result.folder / "runs"))
    again: list = []
    second = run_explore(
        path, out=folder / "out", runner=lambda t, w: toy_runner(t, w, again), plots=False
    )
    assert again == [] and second.ran == 0 and second.before == 48
    assert sorted(os.listdir(second.folder / "runs")) == before
    pd.testing.assert_frame_equal(second.indices, result.indices)


def test_a_partial_explore_runs_only_what_is_missing(tmp_path) -> None:
    path = write_toy(tmp_path, samples=4)

    def half(tasks, workers):
        for i, record in enumerate(toy_runner(tasks, workers)):
            if i == 10:
                raise KeyboardInterrupt
            yield record

    with pytest.raises(Exception, match="interrupted: 10 of 16 runs"):
        run_explore(path, out=tmp_path / "out", runner=half, plots=False)
    calls: list = []
    result = run_explore(
        path, out=tmp_path / "out", runner=lambda t, w: toy_runner(t, w, calls), plots=False
    )
    assert len(calls) == 6 and result.complete and not result.indices.empty


def test_a_second_session_on_the_same_explore_is_refused_by_name(tmp_path) -> None:
    import socket

    from hubsim.errors import HubsimError

    path = write_toy(tmp_path, samples=4)
    folder = tmp_path / "out" / "toy" / load_explore(path).explore_id
    folder.mkdir(parents=True)
    (folder / "LOCK").write_text(f"{socket.gethostname()} {os.getppid()}")  # a live process
    calls: list = []
    with pytest.raises(HubsimError) as caught:
        run_explore(
            path, out=tmp_path / "out", runner=lambda t, w: toy_runner(t, w, calls), plots=False
        )
    assert "another `hubsim explore` session (pid" in str(caught.value)
    assert "is running this explore." in str(caught.value) and "sweep" not in str(caught.value)
    assert calls == []


def test_prim_finds_a_planted_box() -> None:
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(600, 4)), columns=["a", "b", "c", "d"])
    inside = ((x.a > 0.6) & (x.b < 0.3)).to_numpy()
    noisy = inside ^ (rng.uniform(size=600) < 0.02)
    box = discover.find_box(x, noisy, "e@x", "x fails", min_coverage=0.8)
    limits = box.limits.set_index("input")
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["b", "high"] == pytest.approx(0.3, abs=0.05)
    stats = box.trajectory.iloc[box.chosen]
    assert stats.coverage >= 0.8 and stats.density > 0.8


def test_prim_without_a_planted_box_restricts_little_and_stays_sparse() -> None:
    """Negative control: an event unrelated to the inputs gives no dense box."""
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.uniform(size=(600, 4)), columns=["a", "b", "c", "d"])
    box = discover.find_box(x, rng.uniform(size=600) < 0.12, "e@x", "x fails")
    assert box.trajectory.iloc[box.chosen].density < 0.3


def test_prim_says_why_when_the_event_never_happens() -> None:
    x = pd.DataFrame({"a": np.linspace(0, 1, 20), "b": np.linspace(1, 0, 20)})
    box = discover.find_box(x, np.zeros(20, bool), "ghost@x", "x is a ghost hub")
    assert not box.found and "0 of 20 runs" in box.note


def test_the_default_inputs_and_outcomes_of_the_baseline() -> None:
    explore = load_explore(ROOT / "scenarios" / "explore" / "baseline-screen.yaml")
    names = [i.name for i in explore.inputs]
    assert names[:2] == ["b_w", "b_h"] and "graduate_cohorts" in names
    assert {"population_caps", "programme_amounts"} <= set(names)
    assert "office_pipelines" not in names  # the baseline has no office_capacity programme
    cohorts = explore.inputs[names.index("graduate_cohorts")]
    assert (cohorts.low, cohorts.high) == (0.9, 1.1)
    ensemble = pd.read_csv(ROOT / "scenarios" / "calibration" / "ensemble-pre2020.csv")
    b_w = explore.inputs[0]
    assert (b_w.low, b_w.high) == (ensemble[b_w.keys[0]].min(), ensemble[b_w.keys[0]].max())
    texts = {o.text for o in explore.outcomes}
    assert {
        "share_of_target@chengdu",
        "office_vacancy_end@xian",
        "ghost@xian",
        "talent_end@guiyang",
    } <= texts
    assert set(defaults.HUB_COLUMNS) <= {o.name for o in explore.outcomes}
    caps = explore.inputs[names.index("population_caps")]
    assert caps.overrides(1.1)[0].startswith(caps.keys[0] + "=")
    assert float(caps.overrides(1.1)[0].split("=")[1]) == pytest.approx(1.1 * caps.factor[0])


def test_the_outcome_names_are_summary_columns() -> None:
    from hubsim.experiments.outcomes import SUMMARY_COLUMNS

    used = {*defaults.HUB_COLUMNS, defaults.TALENT, defaults.SPENDING}
    used |= {e.column for e in defaults.EVENTS}
    assert used <= set(SUMMARY_COLUMNS)


def test_the_default_outcomes_are_columns_of_a_real_summary() -> None:
    """Every default outcome names a column of the per-replication summary the runs are read
    from (summary_by_replication.csv), and summary.csv carries it (reached and ghost as their
    share of replications): a renamed summary column fails here, not in a 48-run explore."""
    from hubsim.output.summary import aggregate, summarize_replication

    base = load_explore(ROOT / "scenarios" / "explore" / "baseline-screen.yaml").base
    cities = [c for c in CITY_KEYS if c != "rest_of_china"]
    months = ["2009-12", "2010-01", "2011-01"]
    talent = pd.DataFrame({c: [1000.0, 1010.0, 1020.0] for c in cities}, index=months)
    flat = pd.Series(0.8, index=cities)
    vacancy = pd.DataFrame({c: np.full(24, 0.25) for c in cities})
    per_rep = summarize_replication(base, talent, flat, flat * 0, vacancy=vacancy).assign(
        replication=0
    )
    written = set(aggregate(per_rep).columns)
    names = {text.split("@")[0] for text in defaults.default_outcomes(base)}
    assert set(defaults.HUB_COLUMNS) | {defaults.TALENT} <= names
    assert names <= set(per_rep.columns)
    assert all(n in written or f"{n}_share" in written for n in names), names - written


@pytest.mark.parametrize(
    ("extra", "text", "expected"),
    [
        ({"method": "fast"}, None, "key 'method'"),
        ({"levels": 3}, None, "levels must be even"),
        ({"outcomes": "[reached@atlantis]"}, None, "outcome 'reached@atlantis'"),
        ({"outcomes": "[extra_talent@chengdu]"}, None, "paired against a sweep"),
        ({}, "inputs:\n  x: {key: behaviour.migration.b_w}\n", "give exactly one of uniform"),
        ({}, "inputs:\n  x: {key: nope.b_w, uniform: {low: 0, high: 1}}\n"
             "  y: {key: behaviour.migration.b_h, uniform: {low: 0, high: 1}}\n", "input 'x'"),
        ({}, "inputs:\n  x: {key: behaviour.migration.b_w, uniform: {low: 2, high: 1}}\n",
         "must be above low"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_paragraph_naming_file_key_and_fix(
    tmp_path, extra, text, expected
) -> None:
    path = write_toy(tmp_path, **extra)
    if text is not None:
        content = path.read_text()
        start = content.index("inputs:")
        end = content.index("outcomes:")
        path.write_text(content[:start] + text + content[end:])
    with pytest.raises(ExploreError) as caught:
        load_explore(path)
    message = str(caught.value)
    assert str(path) in message and expected in message
    assert "Traceback" not in message


def test_sobol_samples_must_be_a_power_of_two(tmp_path) -> None:
    path = write_toy(tmp_path, method="sobol", samples=100)
    with pytest.raises(ExploreError, match=r"power of two \(e.g. 64 or 128\)"):
        load_explore(path)


def test_the_command_line_reports_a_bad_file_without_a_traceback(tmp_path, capsys) -> None:
    from hubsim.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nbase: nowhere.yaml\ninputs: default\n")
    assert main(["explore", str(path), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "key 'base' names nowhere.yaml" in err and "Traceback" not in err


def test_a_sweep_file_given_to_explore_is_named_as_one(tmp_path) -> None:
    with pytest.raises(ExploreError, match="is a sweep file"):
        load_explore(ROOT / "scenarios" / "sweeps" / "chengdu-rent.yaml")


@pytest.mark.slow  # model runs: 6 runs of 19 months (two Julys) at 20,000 people per agent
def test_on_the_model_an_inert_input_gets_no_effect_and_the_cohorts_do(tmp_path) -> None:
    """The real executors on the real model: Shenzhen's 2016 cash programme cannot act in the
    first nine months of 2010, so on common random numbers its elementary effects are exactly
    zero; the size of July's graduate cohort moves the talent outcome."""
    base = os.path.relpath(BASELINE, tmp_path)
    path = tmp_path / "model.yaml"
    path.write_text(
        "name: model\n"
        f"base: {base}\n"
        "set: {months: 19, scale: 20000}\n"
        "samples: 2\n"
        "inputs:\n"
        "  cohorts: {key: behaviour.demography.graduate_cohort_factor,"
        " factor: {low: 0.5, high: 1.5}}\n"
        "  shenzhen_cash: {key: 'programmes[city=shenzhen,instrument=cash].amount',"
        " factor: {low: 0.5, high: 1.5}}\n"
        "outcomes: [talent_end@chengdu, talent_end@wuhan]\n"
    )
    result = run_explore(path, out=tmp_path / "out", workers=2, plots=False)
    assert result.complete and len(result.rows) == 2 * 3
    assert result.skipped == {}
    for outcome in ("talent_end@chengdu", "talent_end@wuhan"):
        rows = by_input(result.indices, outcome)
        assert rows.loc["shenzhen_cash", "mu_star"] == 0.0
        assert rows.loc["cohorts", "mu_star"] > 0.0


def test_a_one_input_prim_box_draws_the_runs_along_that_input() -> None:
    # Chengdu misses its goal exactly where a > 0.7: PRIM restricts `a` alone, and the figure
    # shows every run along `a`, the misses apart, with the box's range shaded.
    from hubsim.experiments.explore import plots

    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(size=(300, 3)), columns=["a", "b", "c"])
    reached = np.where(x.a > 0.7, 0.0, 1.0)
    box = discover.find_box(x, reached < 0.5, "misses_goal@chengdu", "chengdu misses its goal")
    assert list(box.limits.input) == ["a"]
    rows = x.assign(**{f"{defaults.REACHED}@chengdu": reached})
    figure = plots._prim(box, rows)
    right = figure.axes[1]
    drawn = sum(len(c.get_offsets()) for c in right.collections if hasattr(c, "get_offsets"))
    assert drawn == 300 and right.get_xlabel() == "a"
    assert [t.get_text() for t in right.get_yticklabels()] == ["no", "yes"]
    shaded = [p for p in right.patches if p.get_alpha() == 0.12]
    assert len(shaded) == 1
    x0 = shaded[0].get_x()
    assert x0 == pytest.approx(box.limits.low.iloc[0])
