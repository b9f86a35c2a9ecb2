"""Command line: `python -m hubsim run|compare|sweep|explore|tune|calibrate|...`.

A thin layer over the library; user errors print one paragraph and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import NoReturn

from hubsim.errors import HubsimError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 user error, 130 interrupted)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option (already reported by _Parser.error)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    try:
        return args.func(args)
    except HubsimError as exc:
        _say(str(exc))
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        _say("stopped by the user (Ctrl-C). Run the command again for a complete result.")
        return 130


def _say(message: str) -> None:
    """Print a user error as one paragraph on stderr."""
    print("hubsim: " + " ".join(message.split()), file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit code 2 with a hint, like our own errors
        help_cmd = " ".join(["python -m hubsim", *self.prog.split()[1:], "--help"])
        _say(f"{message}. See `{help_cmd}` for what the command accepts.")
        sys.exit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 1:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} must be at least 1 (people per agent)")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number (people per agent)")
    return value


def _shared_options() -> dict[str, _Parser]:
    """Options several commands take, each declared once in a parent parser (argparse copies
    a parent's options into every command built with it, so each command's --help lists them)."""
    size, overrides, out, plots, quiet, cluster, study, ensemble = (
        _Parser(add_help=False) for _ in range(8)
    )
    size.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    size.add_argument("--months", type=_positive_int, help="months to simulate")
    size.add_argument("--scale", type=_scale, help="people per agent")
    overrides.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, e.g. behaviour.migration.b_w=1.2",
    )
    out.add_argument("--out", default="results", help="results folder (default results/)")
    plots.add_argument("--no-plots", action="store_true", help="skip the figures")
    quiet.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no summary table (compare still prints its table)",
    )
    cluster.add_argument(
        "--workers",
        type=_positive_int,
        help="local worker processes (default: all cores); with --scheduler, most runs in flight",
    )
    cluster.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="address of a running Dask scheduler (default: local processes)",
    )
    study.add_argument(
        "--trials", type=_positive_int, help="trials the study should hold (default: the file's)"
    )
    study.add_argument(
        "--storage",
        metavar="URL",
        help="Optuna storage URL, e.g. postgresql://host/db (default: a journal file in the "
        "study folder)",
    )
    ensemble.add_argument(
        "--ensemble",
        type=_positive_int,
        nargs="?",
        const=20,
        metavar="N",
        help="answer over the calibration's parameter ensemble (the first N sets, default 20) "
        "x the replications: probabilities and bands (docs/calibration.md)",
    )
    ensemble.add_argument(
        "--ensemble-file",
        metavar="CSV",
        help="the ensemble file (default: the one beside the fitted file the scenario extends)",
    )
    return {
        "ensemble": ensemble,
        "size": size,
        "set": overrides,
        "out": out,
        "plots": plots,
        "quiet": quiet,
        "cluster": cluster,
        "study": study,
    }


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hubsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    shared = _shared_options()

    def command(name: str, summary: str, *options: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, parents=[shared[o] for o in options])

    run = command(
        "run", "run a scenario and write a results folder", "size", "set", "out", "plots", "quiet",
        "ensemble", "cluster",
    )  # fmt: skip
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    run.add_argument("--replications", type=_positive_int, help="replications (default 1)")
    run.set_defaults(func=_cmd_run)

    validate = command("validate", "check a scenario file; print its name, size and hash", "set")
    validate.add_argument("scenario")
    validate.set_defaults(func=_cmd_validate)

    fit = command(
        "calibrate",
        "fit the free parameters to the 2000s and the 2017-18 responses (SMM, resumable)",
        "study",
        "cluster",
        "out",
        "plots",
        "quiet",
    )
    fit.add_argument("calibration_file", help="e.g. scenarios/calibration/fit-pre2020.yaml")
    fit.add_argument("--replications", type=_positive_int, help="runs per evaluation")
    fit.add_argument("--quick", action="store_true", help="the file's quick size (minutes)")
    fit.add_argument(
        "--spread",
        type=_positive_int,
        default=0,
        metavar="K",
        help="then refit on K other seed sets; spread.csv gives each parameter's spread",
    )
    fit.add_argument(
        "--refine",
        type=_positive_int,
        default=0,
        metavar="N",
        help="add N Latin-hypercube points in the ensemble's box (a refinement wave)",
    )
    fit.set_defaults(func=_cmd_calibrate)

    comp = command(
        "compare",
        "run scenarios on common random numbers and compare their attainment (--seed, "
        "--months and --scale apply to every scenario)",
        "size",
        "out",
        "quiet",
        "ensemble",
        "cluster",
    )
    comp.add_argument("inputs", nargs="+", help="scenario files and/or finished run folders")
    comp.add_argument("--replications", type=_positive_int, help="replications (default 5)")
    comp.add_argument(
        "--no-run-plots",
        action="store_true",
        help="skip each scenario run's own figures (the comparison's are still drawn)",
    )
    comp.set_defaults(func=_cmd_compare)

    sweep = command(
        "sweep",
        "run a parameter sweep on local processes or a Dask cluster (resumable)",
        "cluster",
        "out",
        "plots",
        "quiet",
    )
    sweep.add_argument("sweep_file", help="sweep YAML, e.g. scenarios/sweeps/chengdu-rent.yaml")
    sweep.set_defaults(func=_cmd_sweep)

    explore = command(
        "explore",
        "which inputs move each hub's outcome: Morris or Sobol indices and PRIM boxes (resumable)",
        "cluster",
        "out",
        "plots",
        "quiet",
    )
    explore.add_argument("explore_file", help="e.g. scenarios/explore/baseline-screen.yaml")
    explore.add_argument(
        "--method", choices=("morris", "sobol"), help="morris (screen) or sobol (default: file's)"
    )
    explore.add_argument(
        "--samples",
        type=_positive_int,
        help="Morris trajectories or Sobol base samples, a power of two (default: the file's)",
    )
    explore.set_defaults(func=_cmd_explore)

    tune = command(
        "tune",
        "tune incentive parameters with Optuna (resumable study, best.yaml, check)",
        "study",
        "cluster",
        "ensemble",
        "out",
        "plots",
        "quiet",
    )
    tune.add_argument(
        "tuning_file", help="tuning YAML, e.g. scenarios/tuning/chengdu-cheapest-package.yaml"
    )
    tune.add_argument("--no-check", action="store_true", help="skip the fresh-seed check")
    tune.set_defaults(func=_cmd_tune)

    dash = sub.add_parser(
        "dashboard", help="sliders over a scenario in the browser, beside the unmodified run"
    )
    dash.add_argument(
        "scenario", nargs="?", default="scenarios/baseline.yaml", help="scenario YAML file"
    )
    dash.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    dash.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    dash.set_defaults(func=_cmd_dashboard)

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(func=_cmd_schema)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from hubsim.experiments.replications import run
    from hubsim.output import report
    from hubsim.output.progress import RunProgress
    from hubsim.output.verdict import run_verdict, verdict_text

    _check_before_running(args)
    if args.ensemble or args.ensemble_file:
        return _over_ensemble(args, [args.scenario], args.set)
    progress = None if args.quiet else RunProgress()
    result = run(
        args.scenario,
        overrides=args.set,
        seed=args.seed,
        replications=args.replications,
        months=args.months,
        scale=args.scale,
        out=Path(args.out),
        plots=not args.no_plots,
        progress=progress,
        announce=_say_progress,  # resuming an interrupted run: said even with --quiet
    )
    if progress is not None:
        progress.close()
    if not args.quiet:
        print(report.summary_text(result))
        print()
        print(verdict_text(run_verdict(result.scenario, result.replications), result.scenario))
    print(f"results: {result.folder}" + (" (verdict.csv)" if result.folder else ""))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from hubsim.experiments.compare import compare
    from hubsim.experiments.compare import report as compare_report
    from hubsim.output.progress import RunProgress

    if args.ensemble or args.ensemble_file:
        return _over_ensemble(args, args.inputs, [])
    progress = None if args.quiet else RunProgress()
    comparison = compare(
        args.inputs,
        replications=args.replications,
        seed=args.seed,
        months=args.months,
        scale=args.scale,
        out=Path(args.out),
        progress=progress,
        announce=(lambda _m: None) if args.quiet else _say_progress,
        run_plots=not args.no_run_plots,
    )
    print(compare_report.attainment_text(comparison))
    if not comparison.sources.empty:
        from hubsim.experiments.compare.sources import sources_text

        print()
        print(sources_text(comparison.sources))
    print(f"comparison: {comparison.folder} (open report.html)")
    return 0


def _over_ensemble(args: argparse.Namespace, inputs: list[str], overrides: list[str]) -> int:
    """`run` or `compare` with --ensemble: every scenario x member x replication."""
    from hubsim.experiments.ensemble.answers import (
        ensemble_verdict,
        run_over_ensemble,
        summary_text,
        write_summary,
    )
    from hubsim.output.progress import SweepProgress
    from hubsim.output.verdict import verdict_text, write

    progress = None if args.quiet else SweepProgress()
    result = run_over_ensemble(
        inputs, members=args.ensemble, ensemble_file=args.ensemble_file, overrides=overrides,
        seed=args.seed, replications=args.replications, months=args.months, scale=args.scale,
        workers=args.workers, scheduler=args.scheduler, out=Path(args.out), progress=progress,
    )  # fmt: skip
    if progress is not None:
        progress.close()
    if not result.rows.empty:
        write_summary(result)
    print(summary_text(result))
    if len(result.arms) == 1 and not result.rows.empty:
        table = ensemble_verdict(result)
        write(table, result.folder)
        print()
        print(verdict_text(table, result.arms[0]))
        print(f"results: {result.folder} (ensemble_summary.csv, verdict.csv)")
        return 1 if result.failed else 0
    print(f"results: {result.folder} (ensemble_summary.csv)")
    return 1 if result.failed else 0


def _say_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cmd_validate(args: argparse.Namespace) -> int:
    from hubsim.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.set)
    _check_world(scenario, args.scenario)
    print(
        f"{args.scenario}: valid scenario '{scenario.name}' ({len(scenario.programmes)} "
        f"programmes, {scenario.months} months from {scenario.start}, "
        f"sha256 {scenario.digest()[:12]})"
    )
    return 0


def _check_before_running(args: argparse.Namespace) -> None:
    """Refuse a world that cannot be built, and warn of values far outside the record, before
    the run starts (the run folder's manifest keeps the same warnings)."""
    from hubsim.experiments.replications import resolve

    options = ("seed", "replications", "months", "scale")
    scenario = resolve(args.scenario, overrides=args.set, **{k: getattr(args, k) for k in options})
    _check_world(scenario, args.scenario)


def _check_world(scenario, path: str) -> None:
    """Every city starts with talent agents at this scale; warnings go to stderr."""
    from hubsim.engine.cities import build_city_arrays, check_buildable
    from hubsim.scenario.off_record import scenario_warnings

    check_buildable(scenario, build_city_arrays(scenario), path)
    for warning in scenario_warnings(scenario):
        _say(f"warning: {path}: {warning}.")


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from hubsim.experiments.calibrate import run_calibration, summary_text
    from hubsim.output.progress import CalibrationProgress

    result = run_calibration(
        args.calibration_file,
        quick=args.quick,
        trials=args.trials,
        replications=args.replications,
        workers=args.workers,
        scheduler=args.scheduler,
        storage=args.storage,
        out=Path(args.out),
        plots=not args.no_plots,
        progress=None if args.quiet else CalibrationProgress(),
        spread=args.spread,
        refine=args.refine,
    )
    if not args.quiet:
        print(summary_text(result))
    print(f"results: {result.folder}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    """Exit code 0 when every run succeeded, 1 when some failed (their errors are kept)."""
    from hubsim.experiments.sweep import run_sweep, summary_text
    from hubsim.output.progress import SweepProgress

    result = run_sweep(
        args.sweep_file,
        workers=args.workers,
        scheduler=args.scheduler,
        out=Path(args.out),
        plots=not args.no_plots,
        progress=None if args.quiet else SweepProgress(),
        announce=_say_progress,  # damaged run files set aside: said even with --quiet
    )
    return _finished(args, result, summary_text)


def _finished(args: argparse.Namespace, result, summary_text) -> int:
    """The end of a resumable sweep or explore: the summary (unless --quiet), the folder, and
    exit code 1 when some runs failed."""
    if not args.quiet:
        print(summary_text(result))
    print(f"results: {result.folder}")
    return 1 if result.failed else 0


def _cmd_explore(args: argparse.Namespace) -> int:
    """Exit code 0 when every run succeeded, 1 when some failed (their errors are kept)."""
    from hubsim.experiments.explore import run_explore, summary_text
    from hubsim.output.progress import SweepProgress

    result = run_explore(
        args.explore_file,
        method=args.method,
        samples=args.samples,
        workers=args.workers,
        scheduler=args.scheduler,
        out=Path(args.out),
        plots=not args.no_plots,
        progress=None if args.quiet else SweepProgress(),
        announce=_say_progress,
    )
    return _finished(args, result, summary_text)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{text} is not a port (1-65535)")
    return value


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from hubsim.dashboard.server import EXTRA_HINT, missing_extra, serve

    missing = missing_extra()
    if missing:
        _say(f"the dashboard needs its extra ({missing} is not installed): {EXTRA_HINT}")
        return 2
    return serve(args.scenario, host=args.host, port=args.port)


def _cmd_tune(args: argparse.Namespace) -> int:
    from hubsim.experiments.tune import run_tune, summary_text
    from hubsim.output.progress import TuneProgress

    result = run_tune(
        args.tuning_file,
        trials=args.trials,
        workers=args.workers,
        scheduler=args.scheduler,
        storage=args.storage,
        out=Path(args.out),
        plots=not args.no_plots,
        check=not args.no_check,
        progress=None if args.quiet else TuneProgress(),
        announce=None if args.quiet else _say_progress,
    )
    if not args.quiet:
        print(summary_text(result))
    print(f"results: {result.folder}")
    if (args.ensemble or args.ensemble_file) and result.best is not None:
        _tune_over_ensemble(args, result)
    return 0


def _tune_over_ensemble(args: argparse.Namespace, result) -> None:
    """The best package run over the ensemble, each constraint judged there (--ensemble)."""
    from hubsim.experiments.ensemble.package import Promise, check_package, check_text

    tuning = result.tuning
    promises = [
        Promise(c.name, c.city, c.at_least, result.best.user_attrs.get(f"share:{c.name}"))
        for c in tuning.constraints
    ]
    ensemble, table = check_package(
        result.folder / "best.yaml", tuning.path.parent / tuning.spec.base, promises,
        members=args.ensemble, ensemble_file=args.ensemble_file, workers=args.workers,
        scheduler=args.scheduler, out=Path(args.out),
    )  # fmt: skip
    table.to_csv(ensemble.folder / "ensemble_check.csv", index=False)
    print(check_text(ensemble, table))
    print(f"ensemble check: {ensemble.folder} (ensemble_check.csv)")


def _cmd_schema(args: argparse.Namespace) -> int:
    from hubsim.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
