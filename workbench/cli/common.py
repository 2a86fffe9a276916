"""What every command shares: the error a user can fix, and the tracking packages that only some
commands need (checked before they are imported, so a missing one names the extra to install)."""

import importlib.util

PARENT_ENV = "WORKBENCH_PARENT_RUN_ID"   # set by `workbench sweep` for its trials
EXTRA_HINT = "pip install 'research-workbench[tracking]'"


class CLIError(Exception):
    """A problem the user can fix; printed as one line, exit status ``code``."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


def _require(module, what):
    if importlib.util.find_spec(module) is None:
        raise CLIError(f"{what} needs the {module!r} package, which is not installed: {EXTRA_HINT}")


def _tracking():
    _require("mlflow", "MLflow tracking")
    from .. import tracking  # mlflow is imported only by the commands that use it
    return tracking


def _experiment_class():
    _require("mlflow", "workbench run")
    _require("tensorboard", "workbench run")
    from ..experiment import Experiment  # mlflow and tensorboard, only for run and sweep
    return Experiment


def _is_system(metric):
    return metric.startswith("system/")
