"""The parameter ensemble: the parameter sets the calibration's moments do not rule out, and the
answers of `run`, `compare` and `tune` over them (docs/calibration.md, "The ensemble").

- `matching`: history matching (implausibility, the cut, a refinement wave's points, the
  identification bands);
- `build`: the ensemble from a calibration study (called by `hubsim calibrate`);
- `members`: the ensemble file (found beside the fitted file a scenario extends);
- `answers`: scenarios run for each member x replication, resumably, and their summaries.

It uses only the experiments' shared modules (executors, replications, study, specfile, store,
outcomes, keys); the calibration hands it its evaluation function.
"""
