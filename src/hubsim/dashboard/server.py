"""Starting the dashboard's web server (solara over uvicorn), bound to 127.0.0.1 by default.

`serve` checks the scenario file first, so a bad file is one message, not a broken page.
"""

from __future__ import annotations

import importlib
import os
import socket
import warnings
from pathlib import Path

EXTRA_HINT = "pip install -e '.[dashboard]'"
SCENARIO_ENV = "HUBSIM_DASHBOARD_SCENARIO"  # read by hubsim.dashboard.app.Page
PAGE_TITLE = "hubsim dashboard"  # the browser tab's, not solara's "Solara ☀️"


def _offline() -> None:
    """No usage telemetry (the machine may have no internet); solara reads this on import."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")


def missing_extra() -> str | None:
    """The name of the first dashboard dependency that does not import, or None."""
    _offline()
    for module in ("solara", "solara_assets", "mesa.visualization", "uvicorn"):
        try:
            importlib.import_module(module)
        except ImportError:
            return module
    return None


def _check_address(host: str, port: int) -> None:
    """A HubsimError naming the fix when host:port cannot be bound (in use, or not ours)."""
    from hubsim.dashboard.engine import HubsimError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise HubsimError(
            f"cannot serve the dashboard on {host}:{port} ({exc.strerror}); "
            "choose another port with --port, or an address of this machine with --host."
        ) from None


def serve(scenario_file: str | Path, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the dashboard on host:port until interrupted; returns solara's exit code."""
    from hubsim.dashboard.engine import load_base

    load_base(scenario_file)  # a HubsimError (one paragraph, exit 2) before any server starts
    _check_address(host, port)
    os.environ[SCENARIO_ENV] = str(scenario_file)
    _offline()
    # Solara warns on every first page load from 127.0.0.1 that a cookie for a page embedded in
    # another site's iframe needs https; the dashboard is a local page, never embedded.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import click  # solara's command line is a click command
    from solara.__main__ import run
    from solara.server import settings

    settings.theme.title = PAGE_TITLE  # the page's <title> before the app sets it (solara's ☀️)

    # No version check and no browser opened; the front-end files come from solara-assets.
    args = ["hubsim.dashboard.app", "--host", host, "--port", str(port), "--production"]
    args += ["--no-open", "--no-check-version", "--log-level-uvicorn", "warning"]
    print(f"hubsim dashboard for {scenario_file}: http://{host}:{port}  (Ctrl-C stops it)")
    try:
        result = run.main(args=args, standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C: the way to stop it, no trace
        return 0
    return int(result or 0)
