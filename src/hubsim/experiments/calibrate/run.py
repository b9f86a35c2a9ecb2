"""`hubsim calibrate`: the free parameters fitted by simulated method of moments.

The method and the results are described in docs/calibration.md.

One evaluation = `replications` runs of the 2000s spin-up and as many of the 2010 start to
2018-12, on common random numbers (replication r uses the same seed at every parameter value),
each reporting its moments (`experiments.moments`); the objective is the weighted distance of
the replications' mean moments to the targets.

The search is in blocks (a departure from a joint search over all parameters, said in
docs/calibration.md): the 13 amenities by a fixed point, the rest by an Optuna TPE study.
1. Amenity rounds at the files' parameters: each round shifts every amenity by
   damping x ln(census / simulated 2010 population) / slope, the slope d ln P / d a pooled over
   the cities and the rounds so far (DEFAULT_SLOPE, an ASSUMPTION, before there are two); the
   stage keeps its best round's amenities.
2. The study: `trials` trials over the parameters. Each trial first takes `trial_steps`
   fixed-point steps from the amenities of step 1 at its own parameters (the amenities are
   profiled out), and is judged at the stepped amenities.
3. Amenity rounds again at the best trial's parameters, then a final evaluation, which the
   moments table reports.

Everything is kept in the study (the trials, and the rounds and final evaluation as study
attributes), in a journal file in the output folder by default, so a killed or interrupted
calibration resumes where it stopped, keeping every finished trial and round.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import yaml
from optuna.trial import TrialState

from hubsim.errors import RunInterrupted
from hubsim.experiments import executors
from hubsim.experiments.calibrate.file import Calibration, CalibrationError, load_calibration
from hubsim.experiments.calibrate.moments import (
    distance,
    errors,
    fit_table,
    policy_moments,
    spinup_moments,
)
from hubsim.experiments.ensemble.matching import standardised
from hubsim.experiments.replications import resolve
from hubsim.experiments.store import ResumableFolder, now
from hubsim.experiments.study import (
    Runner,
    ask_tagged,
    counted,
    distribution,
    fail_abandoned,
    fail_in_flight,
    interrupt_deferred,
    open_storage,
    open_study_folder,
    quiet_optuna,
    session_tag,
)
from hubsim.scenario import CITY_KEYS

DEFAULT_SLOPE = 0.25  # ASSUMPTION: d ln(2010 population) / d amenity before a round measures it
MAX_STEP = 0.5  # utility units an amenity moves at most in one round
ROUND_POINT = 10_000_000  # point numbers of the amenity rounds' runs (trials use 2 n, 2 n + 1)
SPINUP, POLICY = 0, 1


@dataclass
class CalibrationResult:
    calibration: Calibration
    folder: Path
    storage: str
    parameters: dict[str, float]
    amenities: dict[str, float]
    table: pd.DataFrame  # the moments table of the final evaluation
    trials: pd.DataFrame
    rounds: pd.DataFrame
    objective: float
    identification: pd.DataFrame
    ran: int = 0
    before: int = 0
    files: list[Path] = field(default_factory=list)
    spread: pd.DataFrame | None = None
    ensemble: Any = None  # the ensemble's report (experiments.ensemble.build.EnsembleReport)


def run_calibration(
    path: str | Path,
    *,
    quick: bool = False,
    trials: int | None = None,
    replications: int | None = None,
    workers: int | None = None,
    scheduler=None,
    storage: str | None = None,
    out: str | Path = "results",
    plots: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    spread: int = 0,
    seed_offset: int = 0,
    refine: int = 0,
) -> CalibrationResult:
    """Run (or resume) the calibration of a file; see the module docstring.

    With `spread` K, the whole fit is then repeated on K other seed sets (the scenarios' seeds
    plus 1 ... K, each its own study in a sibling folder) and `spread.csv` gives each fitted
    parameter and amenity over the K + 1 fits.

    Raises:
        CalibrationError: a bad file, moments table, folder or storage (nothing is run).
        RunInterrupted: Ctrl-C; every finished trial and round is kept, rerun to go on.
    """
    if workers is not None and workers < 1:
        raise CalibrationError(f"workers must be at least 1, not {workers}.")
    cal = load_calibration(
        path, quick=quick, trials=trials, replications=replications, seed_offset=seed_offset
    )
    folder_name = cal.study_id + ("-quick" if quick else "")
    store = open_study_folder(Path(out), cal.name, folder_name, CalibrationError)
    store.read_manifest()  # a damaged manifest stops the session before anything runs
    folder = store.root
    url = storage or str(folder / "study.journal")
    say = progress or (lambda _stage, _done, _total: None)
    with quiet_optuna():
        study = optuna.create_study(
            storage=open_storage(url, CalibrationError),
            study_name=f"{cal.name}-{cal.study_id}",
            direction="minimize",
            load_if_exists=True,
        )
        study.sampler = optuna.samplers.TPESampler(
            n_startup_trials=cal.size.startup_trials,
            multivariate=True,
            seed=_sampler_seed(cal, len(study.get_trials(deepcopy=False))),
        )
        fail_abandoned(study)
    before = sum(counted(t) for t in study.get_trials(deepcopy=False))
    start = _values_at(cal)
    with quiet_optuna(), contextlib.ExitStack() as stack:
        runner = Runner(workers, scheduler, stack)
        try:
            amenities = _rounds(cal, study, runner, "before", start, _initial_amenities(cal), say)
            first = [r for r in study.user_attrs.get("rounds", []) if r["stage"] == "before"]
            batch = max(2, workers or executors.local_cores())
            session = _Trials(cal, study, amenities, pooled_slope(first), batch, say)
            session.run(runner)
            best = _best(study)
            params = dict(best.params) if best is not None else start
            if best is not None:
                amenities = dict(best.user_attrs.get("amenities", amenities))
            amenities = _rounds(cal, study, runner, "after", params, amenities, say)
            # The final evaluation and the report run at the values fitted.yaml holds, so that
            # a scenario extending it (the baseline's spin-up) repeats the final runs exactly.
            params = {key: written(value) for key, value in params.items()}
            final = _final(cal, study, runner, params, amenities, say)
            identified = _identification(cal, study, runner, params, amenities, final, say)
            ensemble = _ensemble(
                cal, study, runner, (params, amenities, final), folder, refine, say
            )
        except KeyboardInterrupt:
            if "session" in locals():
                session.stop("interrupted by the user")
            store.set_status("interrupted")
            raise RunInterrupted(
                f"calibration interrupted: every finished trial and amenity round is kept in "
                f"{url}. Run the same command again to go on."
            ) from None
    table = fit_table(cal.moments, final)
    result = CalibrationResult(
        cal,
        folder,
        url,
        params,
        amenities,
        table,
        trials_table(study, cal),
        rounds_table(study),
        distance(cal.moments, final.mean()),
        identified,
        session.ran,
        before,
    )
    result.ensemble = ensemble
    result.files = write_outputs(result, plots) + ensemble.files
    if spread:
        refits = [result]
        for offset in range(seed_offset + 1, seed_offset + spread + 1):
            say(f"refit on other seeds ({offset - seed_offset}/{spread})", offset, spread)
            refits.append(
                run_calibration(
                    path, quick=quick, trials=trials, replications=replications,
                    workers=workers, scheduler=scheduler, out=out, plots=False,
                    progress=progress, seed_offset=offset,
                )
            )  # fmt: skip
        result.spread = spread_table(refits)
        result.spread.to_csv(folder / "spread.csv", index=False)
        result.files.append(folder / "spread.csv")
    return result


def spread_table(results: list[CalibrationResult]) -> pd.DataFrame:
    """Each fitted parameter and amenity over fits on different seeds: each fit, mean, sd."""
    rows = []
    keys = list(results[0].parameters) + [f"cities.{c}.amenity" for c in CITY_KEYS]
    for key in keys:
        if key.startswith("cities."):
            values = [r.amenities[key.split(".")[1]] for r in results]
        else:
            values = [r.parameters[key] for r in results]
        row = {
            "parameter": key,
            "mean": float(np.mean(values)),
            "sd": float(np.std(values, ddof=1)),
        }
        row.update(
            {f"seeds+{r.calibration.seed_offset}": v for r, v in zip(results, values, strict=True)}
        )
        rows.append(row)
    return pd.DataFrame(rows)


def simulated_moments(
    cal: Calibration, params: dict, amenities: dict, workers: int | None = None
) -> pd.DataFrame:
    """The moments by replication at `params` and `amenities`, on the calibration's seeds
    (for a table of known targets, as the identification test makes)."""
    with contextlib.ExitStack() as stack:
        runner = Runner(workers, None, stack)
        overrides = cal.overrides(params, amenities)
        return _collect(runner.results(_tasks(cal, ROUND_POINT - 1, overrides)), "a run")


# --------------------------------------------------------------------------- runs
def _tasks(cal: Calibration, point: int, overrides: tuple, parts=(SPINUP, POLICY)):
    for part in parts:
        base = cal.spinup if part == SPINUP else cal.policy
        measure = spinup_moments if part == SPINUP else policy_moments
        for r in range(cal.replications):
            yield executors.RunTask(
                cal.study_id, 2 * point + part, r, base, overrides, (), measure=measure
            )


def _collect(records: executors.Records, what: str) -> pd.DataFrame:
    """Moments by replication (rows) of one batch of runs; a failed run stops it."""
    rows: dict[int, dict] = {}
    with contextlib.closing(records):
        for record in records:
            if record.error is not None:
                raise CalibrationError(f"{what} failed: {record.error}")
            rows.setdefault(record.replication, {}).update(record.values)
    return pd.DataFrame([rows[r] for r in sorted(rows)])


def _initial_amenities(cal: Calibration) -> dict[str, float]:
    return {c: float(cal.spinup.cities[c].amenity) for c in CITY_KEYS}


def _values_at(cal: Calibration) -> dict[str, float]:
    """Each parameter's value in the spin-up scenario (the study's starting point)."""
    data = cal.spinup.model_dump(mode="json")
    values: dict[str, Any] = {}  # floats, as the scenario holds them
    for variable in cal.variables:
        node = data
        for part in variable.dotted.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        values[variable.key] = node
    return values


def _rounds(cal, study, runner, stage: str, params: dict, amenities: dict, say) -> dict:
    """Amenity fixed-point rounds of one stage, resuming from those the study holds; returns
    the amenities of the stage's best round (the smallest population gaps), which were run.

    Each round shifts every amenity by damping x ln(census / simulated) / slope. The slope
    d ln P / d a is pooled over the cities and the stage's rounds so far (a least-squares line
    through the origin of the changes in log population on the changes in amenity), within
    SLOPE_BOUNDS; DEFAULT_SLOPE before two rounds. A per-city slope from two noisy rounds made
    the steps jump (a first full fit swung between 4 % and 18 % gaps).
    """
    history = list(study.user_attrs.get("rounds", []))
    done = [r for r in history if r["stage"] == stage and r["params"] == params]
    if done:
        amenities = done[-1]["next"]
    census = cal.moments.set_index("key")["target"]
    target = np.array([census[f"population_2010@{c}"] for c in CITY_KEYS])
    for i in range(len(done), cal.size.amenity_rounds):
        say(
            f"amenity round {i + 1}/{cal.size.amenity_rounds} ({stage} the study)",
            i,
            cal.size.amenity_rounds,
        )
        overrides = cal.overrides(params, amenities)
        point = ROUND_POINT + len(history)
        tasks = _tasks(cal, point, overrides, fixed_point_parts(cal))
        moments = _collect(runner.results(tasks), "a round")
        population = census_equivalent(cal, amenity_gap(cal, moments.mean()))
        entry: dict[str, Any] = {
            "stage": stage,
            "params": params,
            "amenities": amenities,
            "population": population,
            # over the moments the round ran
            "distance": distance(
                cal.moments[cal.moments.key.isin(moments.columns)], moments.mean()
            ),
        }
        done.append(entry)
        slope = pooled_slope(done)
        gap = np.log(target / np.array([population[c] for c in CITY_KEYS]))
        step = np.clip(cal.spec.amenity_damping * gap / slope, -MAX_STEP, MAX_STEP)
        entry["slope"] = slope
        entry["next"] = {
            c: round(amenities[c] + float(d), 4) for c, d in zip(CITY_KEYS, step, strict=True)
        }
        history.append(entry)
        with interrupt_deferred():
            study.set_user_attr("rounds", history)
        amenities = entry["next"]
    if not done:
        return amenities
    return dict(min(done, key=lambda r: population_gap(r, target))["amenities"])


SLOPE_BOUNDS = (0.1, 1.5)


def fixed_point_parts(cal: Calibration) -> tuple[int, ...]:
    """The runs an amenity step needs: the spin-up, and the 2010 start when the 2010s weigh."""
    return (SPINUP, POLICY) if cal.spec.amenity_weight_2010s > 0 else (SPINUP,)


def amenity_gap(cal: Calibration, moments: pd.Series) -> np.ndarray:
    """Each city's log gap the fixed point closes (docs/calibration.md, "Amenities"): the
    2010 census over the spin-up's 2010 population, and, weighted `amenity_weight_2010s`, the
    communique growth (after the undercount model) over the simulated growth to the city's
    last communique year. A city without a communique row, or a run without the 2010 start,
    keeps the census gap alone."""
    table = cal.moments.set_index("key")["target"]
    weight = cal.spec.amenity_weight_2010s
    gaps = []
    for c in CITY_KEYS:
        census = float(np.log(table[f"population_2010@{c}"] / moments[f"population_2010@{c}"]))
        growth = _last_growth_key(cal, c)
        if weight <= 0 or growth is None or growth not in moments.index:
            gaps.append(census)
            continue
        decade = float(np.log(table[growth] / moments[growth]))
        gaps.append((1 - weight) * census + weight * decade)
    return np.array(gaps)


def _last_growth_key(cal: Calibration, city: str) -> str | None:
    """The key of `city`'s last communique growth moment, None if it has none."""
    prefix = "population_growth_since_census_"
    keys = sorted(k for k in cal.moments.key if k.startswith(prefix) and k.endswith(f"@{city}"))
    return keys[-1] if keys else None


def census_equivalent(cal: Calibration, gap: np.ndarray) -> dict[str, float]:
    """The 2010 populations a round is recorded at: the census less the gap, so the slope and
    the rounds' gaps read the combined gap as a population would be read."""
    table = cal.moments.set_index("key")["target"]
    return {
        c: float(table[f"population_2010@{c}"] * np.exp(-g))
        for c, g in zip(CITY_KEYS, gap, strict=True)
    }


def pooled_slope(rounds: list[dict]) -> float:
    """d ln(population) / d amenity pooled over the cities and consecutive rounds."""
    num = den = 0.0
    for before, after in zip(rounds, rounds[1:], strict=False):
        da = np.array([after["amenities"][c] - before["amenities"][c] for c in CITY_KEYS])
        dp = np.log([after["population"][c] / before["population"][c] for c in CITY_KEYS])
        num += float(da @ dp)
        den += float(da @ da)
    if den < 1e-8:
        return DEFAULT_SLOPE
    return float(np.clip(num / den, *SLOPE_BOUNDS))


def population_gap(entry: dict, target: np.ndarray) -> float:
    """Root mean square log gap of a round's 2010 populations to the census."""
    simulated = np.array([entry["population"][c] for c in CITY_KEYS])
    return float(np.sqrt(np.mean(np.log(simulated / target) ** 2)))


def _final(cal, study, runner, params, amenities, say) -> pd.DataFrame:
    """The final evaluation's moments by replication (kept in the study)."""
    kept = study.user_attrs.get("final")
    if kept is not None and kept["params"] == params and kept["amenities"] == amenities:
        return pd.DataFrame(kept["moments"])
    say("final evaluation", 0, 1)
    overrides = cal.overrides(params, amenities)
    moments = _collect(runner.results(_tasks(cal, ROUND_POINT - 1, overrides)), "the final run")
    with interrupt_deferred():
        study.set_user_attr(
            "final",
            {"params": params, "amenities": amenities, "moments": moments.to_dict("list")},
        )
    return moments


IDENTIFICATION_STEP = 0.1  # each parameter moved by this share of its range, up and down
IDENTIFIED_Z = 0.5  # ... must move the fitted moments by this many tolerances (root sum square)
PLACEBO_SEEDS = 1_000  # the noise floor: the fitted point run on seeds moved by this much


def _identification(cal, study, runner, params, amenities, final, say) -> pd.DataFrame:
    """Each parameter moved up and down by a tenth of its range at the fitted point (the same
    seeds, the amenities held: a local, one-at-a-time sensitivity, not a rank test): how far
    the weighted moments move, as the weighted root mean square of the change in standardised
    errors. A parameter that moves them less than IDENTIFIED_Z is reported as not identified
    by these moments. A step is clipped at the parameter's bounds.

    The noise floor (`seed_noise_z`, the same in every row) is a placebo: the fitted point run
    on other seeds, its moments compared in the same way. A parameter whose step moves the
    moments less than that (`above_seed_noise` false) is not told apart from a change of seeds
    by one fit; the steps share their seeds, so this is the stricter test."""
    kept = study.user_attrs.get("identification")
    if kept is not None and kept["params"] == params and kept["amenities"] == amenities:
        return pd.DataFrame(kept["rows"])
    table = cal.moments
    weights = table.weight.to_numpy(float)
    base = errors(table, final.mean()).to_numpy()

    def moved_by(moments: pd.DataFrame) -> float:
        change = errors(table, moments.mean()).to_numpy() - base
        change = np.where(np.isfinite(change), change, 0.0)
        return float(np.sqrt((weights * change**2).sum() / weights.sum()))

    say("identification: the fitted point on other seeds (the noise floor)", 0, 1)
    placebo = dataclasses.replace(
        cal,
        spinup=resolve(cal.spinup, seed=cal.spinup.seed + PLACEBO_SEEDS),
        policy=resolve(cal.policy, seed=cal.policy.seed + PLACEBO_SEEDS),
    )
    overrides = cal.overrides(params, amenities)
    noise = moved_by(_collect(runner.results(_tasks(placebo, ROUND_POINT - 2, overrides)), "a run"))
    rows = []
    for i, variable in enumerate(cal.variables):
        say(f"identification: {variable.key} ({i + 1}/{len(cal.variables)})", i, len(cal.variables))
        low, high = float(variable.spec.low), float(variable.spec.high)
        step = IDENTIFICATION_STEP * (high - low)
        moved = []
        for sign, value in ((-1, params[variable.key] - step), (1, params[variable.key] + step)):
            value = float(np.clip(value, low, high))
            if value == params[variable.key]:
                continue
            trial = {**params, variable.key: value}
            point = ROUND_POINT - 3 - 2 * i - (sign > 0)
            moments = _collect(
                runner.results(_tasks(cal, point, cal.overrides(trial, amenities))), "a run"
            )
            moved.append(moved_by(moments))
        shift = max(moved) if moved else 0.0
        rows.append(
            {
                "parameter": variable.key,
                "fitted": params[variable.key],
                "step": step,
                "moments_moved_z": shift,
                "identified": bool(shift >= IDENTIFIED_Z),
                "seed_noise_z": noise,
                "above_seed_noise": bool(shift > noise),
            }
        )
    with interrupt_deferred():
        study.set_user_attr(
            "identification", {"params": params, "amenities": amenities, "rows": rows}
        )
    return pd.DataFrame(rows)


def _ensemble(cal, study, runner, final: tuple, folder: Path, refine: int, say):
    """The parameter ensemble (ensemble.csv) from the study's evaluations and, with `refine`,
    a refinement wave run here (docs/calibration.md, "The ensemble")."""
    from hubsim.experiments.ensemble.build import build_ensemble

    def errors_of(simulated: pd.Series) -> pd.Series:
        return errors(cal.moments, simulated)

    slope = pooled_slope([r for r in study.user_attrs.get("rounds", []) if r["stage"] == "before"])

    def evaluate(params: dict, amenities: dict) -> tuple[dict, dict]:
        """As a trial: `trial_steps` fixed-point steps of the amenities, then the moments."""
        for _ in range(cal.size.trial_steps):
            overrides = cal.overrides(params, amenities)
            tasks = _tasks(cal, ROUND_POINT - 500, overrides, fixed_point_parts(cal))
            gap = amenity_gap(cal, _collect(runner.results(tasks), "a refinement run").mean())
            step = np.clip(cal.spec.amenity_damping * gap / slope, -MAX_STEP, MAX_STEP)
            amenities = {
                c: round(amenities[c] + float(d), 4) for c, d in zip(CITY_KEYS, step, strict=True)
            }
        tasks = _tasks(cal, ROUND_POINT - 500, cal.overrides(params, amenities))
        moments = _collect(runner.results(tasks), "a refinement run")
        return standardised(moments, errors_of), amenities

    params, amenities, moments = final
    weights = dict(zip(cal.moments.key, cal.moments.weight, strict=True))
    return build_ensemble(
        study, cal.variables, weights, (params, amenities, standardised(moments, errors_of)),
        folder, refine=refine, evaluate=evaluate, seed=cal.spec.seed + cal.seed_offset,
        errors_of=errors_of, say=say,
    )  # fmt: skip


def _fit(cal: Calibration, moments: pd.DataFrame) -> dict:
    """Each moment's standardised error and its standard error over the replications."""
    return standardised(moments, lambda simulated: errors(cal.moments, simulated))


def _sampler_seed(cal: Calibration, trials_so_far: int) -> int:
    sequence = np.random.SeedSequence(cal.spec.seed, spawn_key=(7, cal.seed_offset, trials_so_far))
    return int(sequence.generate_state(1)[0])


def _best(study: optuna.Study):
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return min(done, key=lambda t: (t.value, t.number)) if done else None


class _Trials:
    """Asks trials while the study holds fewer than `trials`, in batches of `batch`.

    Each trial profiles the amenities out: its first runs (the spin-up, from the amenities held)
    give `trial_steps` fixed-point steps at the trial's own parameters, and its moments are
    those of the spin-up and the 2010 start at the stepped amenities. Without the steps, a
    parameter that moves every city's population (b_h does, through hukou) was judged at
    amenities fitted to other parameters; with one step the recovery test still found b_h near
    0.1 where the truth was 1.0, with three it finds 0.68.
    """

    def __init__(self, cal, study, amenities: dict, slope: float, batch: int, say) -> None:
        self.cal, self.study, self.amenities, self.say = cal, study, amenities, say
        self.slope, self.batch = slope, batch
        self.spaces = {v.key: distribution(v) for v in cal.variables}
        self.pending: dict[int, dict] = {}
        self.ran = 0
        self.tag = session_tag()

    def _held(self) -> int:
        return sum(counted(t) for t in self.study.get_trials(deepcopy=False))

    def run(self, runner: Runner) -> None:
        self._report()
        while (room := self.cal.size.trials - self._held()) > 0:
            with interrupt_deferred():
                for _ in range(min(room, self.batch)):
                    trial = ask_tagged(self.study, self.spaces, self.tag)
                    self.pending[trial.number] = {"trial": trial, "started": time.time()}
            stepped = {n: dict(self.amenities) for n in self.pending}
            for _ in range(self.cal.size.trial_steps):
                stepped = self._step(runner, stepped)
            tasks = (
                task
                for number, amenities in stepped.items()
                for task in _tasks(
                    self.cal, number, self.cal.overrides(self.pending[number]["trial"].params,
                                                         amenities)
                )
            )  # fmt: skip
            runs: dict[int, list] = {n: [] for n in stepped}
            records = runner.results(tasks)
            with contextlib.closing(records):
                for record in records:
                    runs[record.point // 2].append(record)
            with interrupt_deferred():
                for number in list(self.pending):
                    entry = self.pending.pop(number)
                    self._finish(entry, stepped.get(number), runs.get(number, []))
            self._report()

    def _step(self, runner: Runner, start: dict[int, dict]) -> dict[int, dict]:
        """Each trial's amenities after one fixed-point step at its parameters from `start`
        (trials whose runs failed drop out, and fail in _finish)."""
        tasks = (
            task
            for number, amenities in start.items()
            for task in _tasks(
                self.cal, number,
                self.cal.overrides(self.pending[number]["trial"].params, amenities),
                fixed_point_parts(self.cal),
            )
        )  # fmt: skip
        parts = len(fixed_point_parts(self.cal))
        values: dict[int, dict[int, dict]] = {n: {} for n in start}
        done: dict[int, dict[int, int]] = {n: {} for n in start}
        records = runner.results(tasks)
        with contextlib.closing(records):
            for record in records:
                if record.error is None:
                    number, rep = record.point // 2, record.replication
                    values[number].setdefault(rep, {}).update(record.values)
                    done[number][rep] = done[number].get(rep, 0) + 1
        stepped = {}
        for number, by_rep in values.items():
            complete = [r for r, n in done[number].items() if n == parts]
            if len(complete) < self.cal.replications:
                continue
            moments = pd.DataFrame([by_rep[r] for r in complete]).mean()
            gap = amenity_gap(self.cal, moments)
            step = np.clip(self.cal.spec.amenity_damping * gap / self.slope, -MAX_STEP, MAX_STEP)
            stepped[number] = {
                c: round(start[number][c] + float(d), 4)
                for c, d in zip(CITY_KEYS, step, strict=True)
            }
        return stepped

    def _finish(self, entry: dict, amenities: dict | None, runs: list) -> None:
        trial = entry["trial"]
        trial.set_user_attr("seconds", round(time.time() - entry["started"], 3))
        errors = [r.error for r in runs if r.error]
        if amenities is None or errors or len(runs) < 2 * self.cal.replications:
            why = errors[0] if errors else "a run of its amenity step failed"
            trial.set_user_attr("error", why[:2000])
            self.study.tell(trial, state=TrialState.FAIL)
            return
        trial.set_user_attr("amenities", amenities)
        rows: dict[int, dict] = {}
        for record in runs:
            rows.setdefault(record.replication, {}).update(record.values)
        moments = pd.DataFrame([rows[r] for r in sorted(rows)])
        value = distance(self.cal.moments, moments.mean())
        for key, column in moments.items():
            trial.set_user_attr(f"moment:{key}", float(column.mean()))
        trial.set_user_attr("fit", _fit(self.cal, moments))
        if not math.isfinite(value):
            trial.set_user_attr("error", "a weighted moment is not a number; see the moments")
            self.study.tell(trial, state=TrialState.FAIL)
            return
        self.study.tell(trial, value)
        self.ran += 1

    def stop(self, why: str) -> None:
        fail_in_flight(self.study, self.pending, why)

    def _report(self) -> None:
        held = sum(t.state == TrialState.COMPLETE for t in self.study.get_trials(deepcopy=False))
        self.say("trials", held, self.cal.size.trials)


# --------------------------------------------------------------------------- outputs
def trials_table(study: optuna.Study, cal: Calibration) -> pd.DataFrame:
    rows = []
    for t in study.get_trials(deepcopy=False):
        row = {"trial": t.number, "state": t.state.name, "distance": t.value}
        row.update({v.key: t.params.get(v.key) for v in cal.variables})
        row["error"] = t.user_attrs.get("error") or t.user_attrs.get("stopped") or ""
        rows.append(row)
    return pd.DataFrame(rows)


def rounds_table(study: optuna.Study) -> pd.DataFrame:
    rows = []
    for i, entry in enumerate(study.user_attrs.get("rounds", [])):
        row = {"round": i, "stage": entry["stage"], "distance": entry["distance"]}
        row.update({f"amenity@{c}": entry["amenities"][c] for c in CITY_KEYS})
        row.update({f"population@{c}": entry["population"][c] for c in CITY_KEYS})
        rows.append(row)
    return pd.DataFrame(rows)


FITTED_DIGITS = 5  # decimals of a fitted parameter in fitted.yaml (amenities have 4)


def written(value: float) -> float:
    """A fitted parameter as fitted.yaml writes it."""
    return round(float(value), FITTED_DIGITS)


def fitted_text(result: CalibrationResult) -> str:
    """The fitted parameters as a scenario file for `extends:`."""
    cal = result.calibration
    nested: dict = {}
    for variable in cal.variables:
        node = nested
        *parents, leaf = variable.dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = written(result.parameters[variable.key])
    lines = [
        f"# Fitted by `hubsim calibrate {cal.path}`" + (" --quick" if cal.quick else ""),
        f"# (study {cal.study_id}, distance {result.objective:.3f}); moments in moments.csv.",
        "# Use it with `extends:`; the rest of a scenario's keys keep their defaults.",
    ]
    body = {"cities": {c: {"amenity": result.amenities[c]} for c in CITY_KEYS}, **nested}
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False)


def write_outputs(result: CalibrationResult, plots: bool) -> list[Path]:
    folder = result.folder
    files = [
        folder / "fitted.yaml",
        folder / "moments.csv",
        folder / "trials.csv",
        folder / "rounds.csv",
        folder / "manifest.json",
        folder / "identification.csv",
    ]
    result.identification.to_csv(files[5], index=False)
    files[0].write_text(fitted_text(result), encoding="utf-8")
    result.table.to_csv(files[1], index=False)
    result.trials.to_csv(files[2], index=False)
    result.rounds.to_csv(files[3], index=False)
    store = ResumableFolder(folder)
    manifest = {
        "calibration": str(result.calibration.path),
        "study_id": result.calibration.study_id,
        "storage": result.storage,
        "quick": result.calibration.quick,
        "size": result.calibration.size.model_dump(mode="json"),
        "distance": result.objective,
        "parameters": result.parameters,
        "sessions": [*store.sessions(), {"finished": now(), "trials_run": result.ran}],
        "status": "complete",
    }
    store.write_manifest(manifest)
    if plots:
        from hubsim.experiments.calibrate.plots import convergence_figure, fit_figure

        files.append(convergence_figure(result, folder / "plots" / "convergence.png"))
        files.append(fit_figure(result, folder / "plots" / "fit.png"))
    return files


def summary_text(result: CalibrationResult) -> str:
    t = result.table
    lines = [f"calibration {result.calibration.name}: distance {result.objective:.3f}"]
    lines += [f"  {k} = {v:.4g}" for k, v in result.parameters.items()]
    shown = t[t.weight > 0]
    lines.append(
        f"moments within tolerance: {int(shown.within_tolerance.sum())} of {len(shown)} "
        "fitted (moments.csv)"
    )
    for _, row in shown.iterrows():
        where = f"@{row.city}" if row.city else ""
        lines.append(
            f"  {row.moment + where:42s} {row.simulated:14.4g} target {row.target:14.4g} "
            f"({row.error_pct:+.1f} %)"
        )
    if result.spread is not None:
        lines.append(
            f"spread over {result.spread.shape[1] - 3} fits on different seeds (spread.csv):"
        )
        for _, row in result.spread.iterrows():
            lines.append(f"  {row.parameter}: {row['mean']:.4g} (sd {row.sd:.2g})")
    if result.ensemble is not None:
        from hubsim.experiments.ensemble.build import summary_text as ensemble_text

        lines.append(ensemble_text(result.ensemble))
    report = result.identification
    if len(report):
        lines.append(
            f"identification (identification.csv); other seeds alone move the moments "
            f"{report.seed_noise_z.iloc[0]:.2f} tolerances:"
        )
    for _, row in report.iterrows():
        verdict = "identified" if row.identified else "NOT identified by these moments"
        noise = "" if row.above_seed_noise else ", within the seeds' noise"
        lines.append(
            f"  {row.parameter}: +/-{row.step:.3g} moves the moments {row.moments_moved_z:.2f} "
            f"tolerances: {verdict}{noise}"
        )
    return "\n".join(lines)
