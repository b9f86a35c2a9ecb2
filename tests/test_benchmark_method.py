"""How benchmarks/run.py combines repeated runs of one model and size (no timing is done here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _benchmark_module():
    path = ROOT / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("hubsim_benchmark_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(times, workers=(10, 10, 11), build_s=1.0, projected=True):
    run = {
        "step_times": list(times),
        "step_workers": list(workers[: len(times)]),
        "step_s": sum(times),
        "build_s": build_s,
        "worker_steps_per_s": sum(workers[: len(times)]) / sum(times),
    }
    if projected:
        run["projected_run_s"] = build_s + sum(times) / len(times) * 6
    return run


def test_fastest_keeps_each_months_minimum_over_the_runs():
    bench = _benchmark_module()
    runs = [_run([1.0, 2.0, 3.0]), _run([0.5, 2.5, 2.0], build_s=2.0), _run([0.9, 2.2, 2.4])]
    combined = bench.fastest(runs, months_asked=6)
    assert combined["step_s"] == pytest.approx(0.5 + 2.0 + 2.0)
    assert combined["worker_steps_per_s"] == pytest.approx(31 / 4.5)
    # The composite is at least as fast as every single run, and the median run is reported.
    assert combined["worker_steps_per_s"] >= max(r["worker_steps_per_s"] for r in runs)
    assert combined["median_run_worker_steps_per_s"] == pytest.approx(31 / 5.5)
    # Build time from the run with the least step time; the projection from the composite.
    assert combined["build_s"] == 2.0
    assert combined["projected_run_s"] == pytest.approx(2.0 + 4.5 / 3 * 6)


def test_fastest_uses_the_months_every_run_has_and_refuses_non_replicates():
    bench = _benchmark_module()
    stopped_early = [_run([1.0, 2.0]), _run([0.8, 2.5, 3.0])]
    combined = bench.fastest(stopped_early, months_asked=6)
    assert combined["steps"] == 2
    assert combined["step_s"] == pytest.approx(0.8 + 2.0)
    different = [_run([1.0, 2.0, 3.0]), _run([1.0, 2.0, 3.0], workers=(10, 12, 11))]
    with pytest.raises(RuntimeError, match="not replicates"):
        bench.fastest(different, months_asked=3)


def test_the_baseline_benchmark_prints_simulation_and_figures_apart(monkeypatch, capsys) -> None:
    path = ROOT / "benchmarks" / "baseline.py"
    spec = importlib.util.spec_from_file_location("hubsim_benchmark_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    timings = iter([(6.0, 300.0, {"simulate_s": 2.5, "figures_s": 1.75})])
    monkeypatch.setattr(module, "run_once", lambda _out: next(timings))
    monkeypatch.setattr("sys.argv", ["baseline.py"])
    module.main()
    printed = capsys.readouterr().out
    assert "(simulation 2.5 s, figures 1.8 s)" in printed
    assert "simulation_s=2.5 figures_s=1.75" in printed and "=met" in printed
