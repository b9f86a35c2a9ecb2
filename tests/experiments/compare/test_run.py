"""Comparing scenarios: common random numbers, the attainment table, the report, bad inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.legend import Legend

from hubsim.cli import main
from hubsim.experiments.compare import report as compare_report
from hubsim.experiments.compare import run as compare_module
from hubsim.experiments.compare.run import compare
from hubsim.output import run_folder
from hubsim.scenario import CITY_KEYS

BASELINE = Path(__file__).resolve().parents[3] / "scenarios" / "baseline.yaml"
SMALL = {"months": 30, "scale": 20000, "replications": 2}


def child(tmp_path: Path, name: str, body: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {BASELINE}\nname: {name}\n{body}")
    return path


@pytest.fixture(scope="module")
def same_and_policy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    twin = child(tmp, "twin")
    policy = child(
        tmp,
        "chengdu-cash",
        "add_programmes:\n  - {city: chengdu, start: 2011-07, instrument: cash, amount: 50000,\n"
        "     eligibility: {min_degree: bachelor}}\n",
    )
    out = tmp / "out"
    # The runs' own figures are tested with `hubsim run`; here only the comparison's are drawn.
    comparison = compare(
        [BASELINE, twin, policy], out=out, announce=lambda _m: None, run_plots=False, **SMALL
    )
    return comparison, out


@pytest.fixture(scope="module")
def reread(same_and_policy):
    """The same comparison with every arm read back from its run folder."""
    comparison, out = same_and_policy
    return compare([arm.folder for arm in comparison.arms], out=out, announce=lambda _m: None)


def test_run_plots_false_skips_the_runs_figures_but_not_the_comparisons(same_and_policy):
    comparison, _ = same_and_policy
    for arm in comparison.arms:
        assert (arm.folder / "city_month.parquet").is_file()
        assert not list(arm.folder.glob("**/*.png")), arm.folder
    assert len(list((comparison.folder / "plots").glob("*.png"))) == 5


def test_a_scenario_against_itself_differs_by_exactly_zero(same_and_policy):
    comparison, _ = same_and_policy
    twin = comparison.differences[comparison.differences.scenario == "twin"]
    assert len(twin) == 13 * SMALL["months"]
    assert (twin[["mean", "lo95", "hi95"]] == 0).all().all()


def test_one_policy_changes_nothing_before_its_start(same_and_policy):
    comparison, _ = same_and_policy
    base, policy = comparison.arms[0].city_month, comparison.arms[2].city_month
    key = ["date", "city", "metric", "replication"]
    merged = base.merge(policy, on=key, suffixes=("_base", "_policy"))
    before = merged[merged.date < "2011-07-01"]
    after = merged[merged.date >= "2011-07-01"]
    assert len(before) > 0
    np.testing.assert_array_equal(before.value_base.to_numpy(), before.value_policy.to_numpy())
    assert (after.value_base != after.value_policy).any()
    # The cash is paid in Chengdu only after the start.
    spent = after[(after.city == "chengdu") & (after.metric == "subsidy_spent")]
    assert spent.value_policy.sum() > 0


def test_attainment_table_and_report(same_and_policy):
    comparison, out = same_and_policy
    folder = comparison.folder
    assert folder.parent == out / "compare"
    table = pd.read_csv(folder / "attainment.csv")
    assert set(table.scenario) == {"baseline", "twin", "chengdu-cash"}
    assert len(table) == 13 * 3
    assert table.reached_share.isna().all()  # 30 months: no target date falls inside the run
    assert (table.talent_end_lo95 <= table.talent_end_mean).all()
    assert (table.talent_end_mean <= table.talent_end_hi95).all()
    report = (folder / "report.md").read_text()
    for needed in ("# Can every hub reach", "## Attainment", "## Caveats", "chengdu-cash",
                   "## Secondary offices", "## Where the extra talent came from"):  # fmt: skip
        assert needed in report
    # The twin (same scenario, same seeds) has no branch difference anywhere: pairing is exact.
    twin = comparison.branches[comparison.branches.scenario == "twin"]
    assert len(twin) == 13 * 2 and (twin.difference == 0).all()
    # ... nor did it draw talent from anywhere: every source of extra talent is exactly zero.
    sources = pd.read_csv(folder / "talent_sources.csv")
    assert set(sources.scenario) == {"twin", "chengdu-cash"}
    assert len(sources) == 2 * 13 * 5
    assert (sources[sources.scenario == "twin"].extra_talent == 0).all()
    html = (folder / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5
    pngs = sorted((folder / "plots").glob("*.png"))
    assert len(pngs) == 5, pngs
    for png in pngs:
        assert png.read_bytes()[:4] == b"\x89PNG"


def test_compare_reuses_run_folders(same_and_policy, reread):
    comparison, _ = same_and_policy
    pd.testing.assert_frame_equal(reread.attainment, comparison.attainment)
    assert reread.folder != comparison.folder


class Ran(Exception):
    """Raised by a stand-in for `run`: compare asked for a simulation."""


def _forbid_runs(monkeypatch) -> None:
    def run(scenario, **_options):
        raise Ran(scenario.name)

    monkeypatch.setattr(compare_module, "run", run)


def test_a_second_compare_reuses_the_finished_runs(same_and_policy, monkeypatch):
    """The same scenario files and options again: every arm is read from the run folder the
    first compare wrote (no simulation), said so, and the comparison is the same, file for
    file. The runs have no figures (run_plots=False then), which is said too."""
    comparison, out = same_and_policy
    _forbid_runs(monkeypatch)
    # The comparison's figures are tested above; blank ones save 10 s here.
    names = [png.name for png in (comparison.folder / "plots").glob("*.png")]
    monkeypatch.setattr(compare_report, "figures", lambda _c: {n: Figure((1, 1)) for n in names})
    said: list[str] = []
    again = compare([a.source for a in comparison.arms], out=out, announce=said.append, **SMALL)
    assert said == [
        f"reused {a.folder} for {a.name} (the same scenario, seed and replications, run by "
        "this code); it has no figures of its own"
        for a in comparison.arms
    ]
    assert [a.folder for a in again.arms] == [a.folder for a in comparison.arms]
    for table in ("attainment", "differences", "branches", "sources"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(comparison, table))
    assert again.stamp == comparison.stamp
    assert again.folder != comparison.folder
    for name in ("attainment.csv", "differences.csv", "talent_sources.csv", "report.md"):
        assert (again.folder / name).read_bytes() == (comparison.folder / name).read_bytes()


@pytest.mark.parametrize("change", ["programme", "seed"])
def test_a_changed_scenario_is_run_again(same_and_policy, tmp_path, monkeypatch, change):
    """Negative control: a scenario file whose programme changed, or another seed (every
    scenario), has no finished run to reuse; the unchanged ones are still reused."""
    comparison, out = same_and_policy
    base, twin, policy = comparison.arms
    options = dict(SMALL)
    if change == "programme":
        text = Path(policy.source).read_text().replace("amount: 50000", "amount: 60000")
        (tmp_path / "chengdu-cash.yaml").write_text(text)
        inputs, first_run = [base.source, twin.source, tmp_path / "chengdu-cash.yaml"], 2
    else:
        inputs, first_run, options["seed"] = [a.source for a in (base, twin, policy)], 0, 99
    _forbid_runs(monkeypatch)
    said: list[str] = []
    with pytest.raises(Ran) as ran:
        compare(inputs, out=out, announce=said.append, run_plots=False, **options)
    assert str(ran.value) == comparison.arms[first_run].name
    assert [m.split(" for ")[0] for m in said[:first_run]] == [
        f"reused {a.folder}" for a in comparison.arms[:first_run]
    ]
    assert said[first_run].startswith(f"running {comparison.arms[first_run].name} ")


def test_a_damaged_finished_run_is_said_and_run_again(same_and_policy, tmp_path, monkeypatch):
    comparison, _ = same_and_policy
    copy = tmp_path / "baseline" / comparison.arms[0].folder.name
    shutil.copytree(comparison.arms[0].folder, copy)
    (copy / "city_month.parquet").write_bytes(b"PAR1 cut short")
    _forbid_runs(monkeypatch)
    said: list[str] = []
    with pytest.raises(Ran, match="baseline"):
        inputs = [a.source for a in comparison.arms]
        compare(inputs, out=tmp_path, announce=said.append, run_plots=False, **SMALL)
    assert said[0].startswith(f"not reusing {copy}: {copy / 'city_month.parquet'} is not")
    assert said[1].startswith("running baseline ")


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_cli_prints_the_attainment_table(same_and_policy, tmp_path, capsys):
    """A run folder against a scenario run here; --no-run-plots leaves that run's figures out."""
    comparison, _ = same_and_policy
    twin = child(tmp_path, "twin")
    options = [f"--{k}={v}" for k, v in SMALL.items()]
    argv = ["compare", str(comparison.arms[0].folder), str(twin), *options, "--no-run-plots"]
    assert main([*argv, "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "baseline" in printed and "twin" in printed and "wuhan" in printed
    assert "Where twin's extra talent came from" in printed
    (run,) = (tmp_path / "twin").iterdir()
    assert (run / "city_month.parquet").is_file()
    assert not list(run.glob("**/*.png"))
    (folder,) = (tmp_path / "compare").iterdir()
    assert len(list((folder / "plots").glob("*.png"))) == 5


def test_one_scenario_only_is_an_error(capsys):
    assert main(["compare", str(BASELINE)]) == 2
    assert "at least two" in capsys.readouterr().err


def test_incomplete_folder_is_an_error(same_and_policy, tmp_path, capsys):
    comparison, _ = same_and_policy
    broken = tmp_path / "broken"
    shutil.copytree(comparison.arms[0].folder, broken)
    (broken / run_folder.INCOMPLETE).write_text("interrupted")
    assert main(["compare", str(broken), str(comparison.arms[1].folder)]) == 2
    err = capsys.readouterr().err
    assert "incomplete" in err and str(broken) in err


def test_other_model_version_is_an_error(same_and_policy, tmp_path, capsys):
    comparison, _ = same_and_policy
    old = tmp_path / "old"
    shutil.copytree(comparison.arms[0].folder, old)
    manifest = json.loads((old / "manifest.json").read_text())
    manifest["model_version"] = "0"
    (old / "manifest.json").write_text(json.dumps(manifest))
    assert main(["compare", str(old), str(comparison.arms[1].folder)]) == 2
    assert "model version" in capsys.readouterr().err


def test_mismatched_horizons_are_an_error(same_and_policy, tmp_path, capsys):
    comparison, _ = same_and_policy
    short = child(tmp_path, "short", "months: 12\n")
    code = main(
        ["compare", str(comparison.arms[0].folder), str(short), "--out", str(tmp_path),
         "--quiet", "--scale", "20000"]
    )  # fmt: skip
    assert code == 2
    assert "horizon" in capsys.readouterr().err


def _damage(folder: Path, name: str, how: str) -> None:
    path = folder / name
    if how == "delete":
        path.unlink()
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00\xffnot a table\x00" * 10)
    elif how == "empty":
        path.write_text("")
    elif how == "no-scenario":
        manifest = json.loads(path.read_text())
        del manifest["scenario"]
        path.write_text(json.dumps(manifest))
    elif how == "no-months":
        manifest = json.loads(path.read_text())
        del manifest["scenario"]["months"]
        path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("name", "how", "needle"),
    [
        ("city_month.parquet", "truncate", "is not a readable Parquet file"),
        ("city_month.parquet", "delete", "is missing"),
        ("flows_year.parquet", "garbage", "is not a readable Parquet file"),
        ("manifest.json", "truncate", "is not valid JSON"),
        ("manifest.json", "delete", "missing"),
        ("manifest.json", "no-scenario", "lacks the key scenario"),
        ("manifest.json", "no-months", "lacks the key scenario.months"),
        ("summary.csv", "empty", "is not a readable CSV file"),
        ("summary_by_replication.csv", "garbage", "summary_by_replication.csv"),
        ("summary_by_replication.csv", "delete", "is missing"),
    ],
)
def test_a_damaged_run_folder_is_one_paragraph_naming_the_file(
    same_and_policy, tmp_path, capsys, name, how, needle
):
    comparison, _ = same_and_policy
    damaged = tmp_path / "damaged"
    shutil.copytree(comparison.arms[0].folder, damaged)
    _damage(damaged, name, how)
    code = main(["compare", str(damaged), str(comparison.arms[1].folder), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert str(damaged / name) in err and needle in err, err
    assert "run the scenario again" in err or "run its scenario again" in err, err
    for internal in ("Arrow", "JSONDecodeError", "KeyError", "Errno"):
        assert internal not in err, err


def test_attainment_has_the_paired_cost_and_no_spending_per_net_talent(same_and_policy):
    comparison, _ = same_and_policy
    table = comparison.attainment
    assert not [c for c in table.columns if "per_net_talent" in c]
    policy = table[table.scenario == "chengdu-cash"].set_index("city").loc["chengdu"]
    assert policy.extra_spending_vs_first_yuan > 0
    if policy.extra_talent_vs_first > 0:
        expected = policy.extra_spending_vs_first_yuan / policy.extra_talent_vs_first
        assert policy.cost_per_extra_talent_yuan == pytest.approx(expected)


def test_targets_after_the_horizon_are_not_judged_rather_than_absent(same_and_policy):
    comparison, _ = same_and_policy
    assert comparison.attainment.target_note.str.contains("after the horizon").all()
    fig = compare_report.attainment_heatmap(comparison)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("not judged:\nafter the horizon") == 13 * 3
    assert "no target" not in texts


def test_every_efficiency_point_is_named_and_every_figure_stamped(same_and_policy):
    comparison, _ = same_and_policy
    figures = compare_report.figures(comparison)
    fig = figures["spending_efficiency.png"]
    # the plot and the strip under it (cities whose spending did not move)
    points = [c for ax in fig.axes for c in ax.collections if len(c.get_offsets())]
    assert len(points) == 13 * 2  # 13 cities x the two scenarios after the first
    # each point has its own (marker, colour): the legends name them all
    styles = {(p.get_paths()[0].vertices.tobytes(), tuple(p.get_facecolor()[0])) for p in points}
    assert len(styles) == 26
    legend_names = {t.get_text() for legend in fig.findobj(Legend) for t in legend.get_texts()}
    assert {"Beijing", "Xi'an", "Guiyang", "twin", "chengdu-cash"} <= legend_names
    assert "baseline vs twin vs chengdu-cash" in comparison.stamp
    assert "--months 30" in comparison.stamp and "--scale 20000" in comparison.stamp
    for fig in figures.values():
        assert any(comparison.stamp[:40] in t.get_text() for t in fig.texts)
    # The city grids: dates under the lowest panel of each column only (13 panels, 4 a row).
    for name in ("overlay_talent.png", "difference_talent.png"):
        panels = [ax for ax in figures[name].axes if ax.get_visible()]
        assert len(panels) == 13
        with_dates = [i for i, ax in enumerate(panels) if ax.xaxis.get_tick_params()["labelbottom"]]
        assert with_dates == [9, 10, 11, 12], name


def test_paired_cost_only_where_a_scenario_changed_the_citys_own_programmes(
    same_and_policy, reread
):
    comparison, _ = same_and_policy
    table = comparison.attainment
    policy = table[table.scenario == "chengdu-cash"].set_index("city")
    assert policy.own_programmes_changed.to_dict() == {c: c == "chengdu" for c in policy.index}
    assert not table[table.scenario == "twin"].own_programmes_changed.any()
    assert policy.drop(index="chengdu").cost_per_extra_talent_yuan.isna().all()
    # The same holds for arms read back from their run folders.
    pd.testing.assert_series_equal(
        reread.attainment.own_programmes_changed, table.own_programmes_changed
    )


def test_a_city_whose_programmes_did_not_change_gets_no_paired_cost():
    """Hand-made arms: Shenzhen spends more and gains talent only because Chengdu's new
    programme moved people; only Chengdu, whose programmes changed, gets a cost."""
    from hubsim.experiments.compare.comparison import Arm, attainment_table

    def per_rep(shenzhen_spent, shenzhen_talent, chengdu_spent, chengdu_talent):
        rows = []
        for r in (0, 1):
            for city in CITY_KEYS:
                spent, talent = {
                    "shenzhen": (shenzhen_spent, shenzhen_talent),
                    "chengdu": (chengdu_spent, chengdu_talent),
                }.get(city, (0.0, 1e6))
                rows.append({"city": city, "replication": r, "talent_end": talent + r,
                             "spending_yuan": spent, "reached": 1.0, "ghost": 0.0,
                             "net_talent_gained": 0.0, "target_note": "judged"})  # fmt: skip
        return pd.DataFrame(rows)

    def arm(name, table, programmes):
        empty = pd.DataFrame()
        return Arm(name, "", "", empty, empty, table, "2010-01", 12, 1, 2, None,
                   programmes=programmes)  # fmt: skip

    base = arm("base", per_rep(1e9, 1e6, 0.0, 1e6), {"shenzhen": "cash 15000"})
    policy = arm(
        "policy",
        per_rep(2e9, 1.1e6, 5e9, 1.5e6),
        {"shenzhen": "cash 15000", "chengdu": "rent 3000"},
    )
    table = attainment_table([base, policy]).set_index(["scenario", "city"])
    assert table.loc[("policy", "chengdu"), "cost_per_extra_talent_yuan"] == pytest.approx(1e4)
    assert table.loc[("policy", "shenzhen"), "extra_spending_vs_first_yuan"] == 1e9
    assert table.loc[("policy", "shenzhen"), "extra_talent_vs_first"] == pytest.approx(1e5)
    assert np.isnan(table.loc[("policy", "shenzhen"), "cost_per_extra_talent_yuan"])
