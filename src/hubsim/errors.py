"""User-facing errors of hubsim.

Every mistake a user can make raises a `HubsimError` whose message names the file, the key and
the fix; the CLI prints it as one paragraph and exits with code 2, without a traceback.
"""


class HubsimError(Exception):
    """A user error: bad scenario, bad command-line value, missing or unwritable file."""


class ScenarioError(HubsimError):
    """A scenario file (or an override of it) that cannot be used."""


class RunInterrupted(HubsimError):
    """The user stopped a run; what was finished is kept in the partial run folder."""

    exit_code = 130
