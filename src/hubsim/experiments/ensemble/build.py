"""Building the ensemble from a calibration study: its trials, its final point, a refinement wave.

The calibration calls `build_ensemble` at its end with its study, its variables, the moments'
weights and, for the refinement wave, its own evaluation function (on its executors and seeds);
this module knows nothing else of the calibration. Candidates are every COMPLETE trial that
recorded its standardised errors (`fit` user attribute, see `matching.standardised`), the final
point, and the wave's points, which are kept in the study (`ensemble_wave`) so that a resumed
calibration does not run them again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState

from hubsim.experiments.ensemble import matching
from hubsim.experiments.ensemble.members import ensemble_name, write_ensemble
from hubsim.experiments.specfile import Variable
from hubsim.experiments.study import interrupt_deferred
from hubsim.scenario import CITY_KEYS

DIGITS = 5  # decimals at which two candidates are the same parameter set (fitted.yaml's)
# evaluate(parameters by variable key, starting amenities by city) -> (fit, amenities): the
# calibration's evaluation of a trial, which first profiles the amenities at the parameters
# (its fixed-point steps), then returns {moment: [z, se]} and the amenities it judged them at.
Evaluate = Callable[[dict, dict], tuple[dict, dict]]
WAVE = "ensemble_refinement"  # the study attribute holding the wave's evaluations


@dataclass
class EnsembleReport:
    matched: matching.Matched
    identification: pd.DataFrame
    files: list[Path]
    refined: int = 0

    @property
    def size(self) -> int:
        return int(self.matched.candidates.kept.sum())


def amenity_key(city: str) -> str:
    return f"cities.{city}.amenity"


def build_ensemble(
    study: optuna.Study,
    variables: list[Variable],
    weights: Mapping[str, float],
    final: tuple[dict, dict, dict],
    folder: Path,
    *,
    refine: int = 0,
    evaluate: Evaluate | None = None,
    seed: int = 0,
    errors_of: Callable[[pd.Series], pd.Series] | None = None,
    say: Callable[[str, int, int], None] = lambda _s, _d, _t: None,
) -> EnsembleReport:
    """Match the study's evaluated sets, refine (optional), write ensemble.csv and the
    identification report `ensemble_identification.csv` in `folder`.

    `final` is the final evaluation's (parameters, amenities, fit). With `refine` N and an
    `evaluate` function, N Latin-hypercube points in the survivors' bounding box of the
    parameters are evaluated (the amenities start from the nearest survivor's and are profiled
    by `evaluate`, as a trial's are) and matched with the rest. `errors_of` (simulated moments
    -> standardised errors) reads the trials of a study from before the fit was recorded, from
    their mean moments (se 0).
    """
    columns = [v.dotted for v in variables] + [amenity_key(c) for c in CITY_KEYS]
    rows, fits = _candidates(study, variables, final, errors_of)
    matched = matching.match(pd.DataFrame(rows), fits, weights)
    wave = list(study.user_attrs.get(WAVE, []))
    if refine and evaluate is not None and len(matched.members):
        bounds = _bounds(variables)
        keys = [v.dotted for v in variables]
        points = matching.refinement_points(matched.members, keys, refine, seed, bounds)
        by_dotted = {v.dotted: v.key for v in variables}
        for i, point in points.iterrows():
            if i < len(wave):
                continue  # run by an earlier session
            say(f"ensemble refinement wave ({i + 1}/{refine})", int(i), refine)
            params = {by_dotted[k]: float(point[k]) for k in keys}
            start = _nearest(matched.members, point, bounds)
            fit, amenities = evaluate(params, {c: float(start[amenity_key(c)]) for c in CITY_KEYS})
            wave.append({"params": params, "amenities": amenities, "fit": fit})
            with interrupt_deferred():
                study.set_user_attr(WAVE, wave)
    for i, entry in enumerate(wave[:refine] if refine else []):
        rows.append(_row(f"refine {i}", variables, entry["params"], entry["amenities"]))
        fits.append(entry["fit"])
    matched = matching.match(pd.DataFrame(rows), fits, weights)
    members = _shuffled(matched.members, seed)
    report = matching.identification(members, _bounds(variables), columns)
    files = [
        write_ensemble(members, columns, ensemble_name(folder / "fitted.yaml")),
        folder / "ensemble_identification.csv",
        folder / "ensemble_candidates.csv",
    ]
    report.to_csv(files[1], index=False)
    matched.candidates.to_csv(files[2], index=False)
    return EnsembleReport(matched, report, files, min(len(wave), refine))


def _candidates(study, variables, final, errors_of) -> tuple[list[dict], list[dict]]:
    rows, fits = [], []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        fit = trial.user_attrs.get("fit") or _fit_from_means(trial.user_attrs, errors_of)
        if fit is None or "amenities" not in trial.user_attrs:
            continue
        amenities = trial.user_attrs["amenities"]
        rows.append(_row(f"trial {trial.number}", variables, trial.params, amenities))
        fits.append(fit)
    params, amenities, fit = final
    final_row = _row("final", variables, params, amenities)
    # The final point is the best trial's, rounded as fitted.yaml writes it: not a second set.
    same = [i for i, row in enumerate(rows) if _rounded(row) == _rounded(final_row)]
    for i in reversed(same):
        del rows[i], fits[i]
    rows.append(final_row)
    fits.append(fit)
    return rows, fits


def _rounded(row: dict) -> tuple:
    return tuple(round(v, DIGITS) for k, v in row.items() if k != "source")


def _fit_from_means(attrs: dict, errors_of) -> dict | None:
    """{moment: [z, 0]} from a trial's recorded mean moments (`moment:KEY`), if it has them."""
    means = {k.removeprefix("moment:"): v for k, v in attrs.items() if k.startswith("moment:")}
    if errors_of is None or not means:
        return None
    z = errors_of(pd.Series(means, dtype=float))
    return {str(k): [float(v), 0.0] for k, v in z.items()}


def _row(source: str, variables: list[Variable], params: dict, amenities: dict) -> dict:
    row: dict = {"source": source}
    row.update({v.dotted: float(params[v.key]) for v in variables})
    row.update({amenity_key(c): float(amenities[c]) for c in CITY_KEYS})
    return row


def _nearest(members: pd.DataFrame, point: pd.Series, bounds: dict) -> pd.Series:
    """The survivor nearest `point`, each parameter measured in shares of its range."""
    keys = list(point.index)
    span = np.array([bounds[k][1] - bounds[k][0] for k in keys])
    gaps = (members[keys].to_numpy(float) - point.to_numpy(float)) / span
    return members.iloc[int(np.argmin((gaps**2).sum(axis=1)))]


def _bounds(variables: list[Variable]) -> dict[str, tuple[float, float]]:
    return {v.dotted: (_number(v.spec.low), _number(v.spec.high)) for v in variables}


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _shuffled(members: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The members in a seeded random order, so that the first N of them (`--ensemble N`) are a
    random subset, not the study's latest (and most alike) trials."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(26,)))
    return members.iloc[rng.permutation(len(members))].reset_index(drop=True)


def summary_text(report: EnsembleReport) -> str:
    """The calibration's lines about its ensemble."""
    m = report.matched
    lines = [
        f"ensemble (ensemble.csv): {report.size} of {len(m.candidates)} evaluated parameter sets "
        f"kept (implausibility below {m.cut:g} on all but {matching.EXCEED_SHARE:.0%} of the "
        "weighted moments"
        + (f"; {report.refined} from a refinement wave" if report.refined else "")
        + ")"
    ]
    if m.misfit:
        lines.append(
            f"  set aside (no evaluated set matches them, a misfit of the model): "
            f"{', '.join(m.misfit)}"
        )
    if report.size < matching.MIN_MEMBERS:
        lines.append("  too few members for bands: answers over the ensemble are not meaningful")
    for _, row in report.identification.iterrows():
        if row.parameter.startswith("cities."):
            continue
        lines.append(
            f"  {row.parameter}: {row['min']:.4g} .. {row['max']:.4g} (5-95 % {row.p05:.4g} .. "
            f"{row.p95:.4g}) of range {row.range_low:g} .. {row.range_high:g}: {row.verdict}"
        )
    return "\n".join(lines)
