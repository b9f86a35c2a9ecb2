"""Starting the dashboard's web server (solara over uvicorn), bound to 127.0.0.1 by default.

`serve` checks the scenario file first, so a bad file is one message, not a broken page.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

EXTRA_HINT = "pip install -e '.[dashboard]'"
SCENARIO_ENV = "HUBSIM_DASHBOARD_SCENARIO"  # read by hubsim.dashboard.app.Page


def missing_extra() -> str | None:
    """The name of the first dashboard dependency that does not import, or None."""
    for module in ("solara", "solara_assets", "mesa.visualization", "uvicorn"):
        try:
            importlib.import_module(module)
        except ImportError:
            return module
    return None


def serve(scenario_file: str | Path, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the dashboard on host:port until interrupted; returns solara's exit code."""
    from hubsim.dashboard.engine import load_base

    load_base(scenario_file)  # a HubsimError (one paragraph, exit 2) before any server starts
    os.environ[SCENARIO_ENV] = str(scenario_file)
    # The machine may have no internet: no usage telemetry, no version check, local assets.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    from solara.__main__ import run

    args = ["hubsim.dashboard.app", "--host", host, "--port", str(port), "--production"]
    args += ["--no-open", "--no-check-version", "--log-level-uvicorn", "warning"]
    print(f"hubsim dashboard for {scenario_file}: http://{host}:{port}  (Ctrl-C stops it)")
    result = run.main(args=args, standalone_mode=False)
    return int(result or 0)
