"""Where runs are stored: the tracking URI, a configured ``MlflowClient``, experiments.

MLflow takes seconds to import, so it is imported here, on first use only.
With no configuration the store is MLflow's own default, a SQLite file
``mlflow.db`` in the working folder; ``WORKBENCH_TRACKING_URI`` (or
``MLFLOW_TRACKING_URI``) points at a shared ``mlflow server`` instead.
"""

from __future__ import annotations

import functools
import os
import urllib.error
import urllib.request
import warnings

__all__ = ["DEFAULT_URI", "TrackingUnavailableError", "resolve_tracking_uri", "is_remote",
           "mlflow", "client", "check_reachable", "is_unavailable", "experiment_id", "run_url"]

DEFAULT_URI = "sqlite:///mlflow.db"

# MLflow's HTTP defaults retry for about four minutes before a call gives up. Our
# background sender retries on its own schedule, so each call should fail fast.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
}


_SQLALCHEMY_NOISE = r".*``noload`` loader strategy is deprecated.*"


class TrackingUnavailableError(RuntimeError):
    """The tracking server (or store) cannot be reached."""


def resolve_tracking_uri(uri=None) -> str:
    """The tracking URI to use: ``uri``, else ``WORKBENCH_TRACKING_URI``, else
    ``MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` in the working folder.

    A relative SQLite path is made absolute, so the URI still names the same
    file after a ``chdir`` and in ``workbench sync`` run from elsewhere.

    >>> resolve_tracking_uri("http://127.0.0.1:5000")
    'http://127.0.0.1:5000'
    """
    uri = uri or os.environ.get("WORKBENCH_TRACKING_URI") or os.environ.get("MLFLOW_TRACKING_URI") \
        or DEFAULT_URI
    uri = os.fspath(uri)
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        path = uri[len("sqlite:///"):]
        if path and path != ":memory:":
            uri = "sqlite:///" + os.path.abspath(path)
    elif "://" not in uri and not uri.startswith("databricks"):
        raise ValueError(f"tracking URI {uri!r} is not a URI: expected e.g. 'sqlite:///mlflow.db', "
                         "'http://host:5000' or 'postgresql://user@host/db'")
    return uri.rstrip("/") if is_remote(uri) else uri


def is_remote(uri: str) -> bool:
    """True for an ``mlflow server`` reached over HTTP(S)."""
    return uri.startswith(("http://", "https://"))


@functools.lru_cache(maxsize=None)
def mlflow():
    """The ``mlflow`` module, imported once with short HTTP timeouts and quiet deprecation warnings."""
    for name, value in _HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)  # the user's own settings win
    # MLflow's SQLite store configures SQLAlchemy mappers with a deprecated loader option.
    warnings.filterwarnings("ignore", message=_SQLALCHEMY_NOISE)
    try:
        import mlflow as module
    except ImportError as exc:
        raise ImportError("MLflow tracking needs mlflow: pip install 'research-workbench[tracking]'") from exc
    return module


def client(uri=None):
    """A ``MlflowClient`` for ``uri`` (resolved with :func:`resolve_tracking_uri`), one per URI.

    >>> c = wb.tracking.client()                       # doctest: +SKIP
    >>> c.search_runs(["0"])                           # doctest: +SKIP
    """
    return _client(resolve_tracking_uri(uri))


@functools.lru_cache(maxsize=None)
def _client(resolved):
    module = mlflow()
    with warnings.catch_warnings():  # the store is built here, and warns once (see mlflow())
        warnings.filterwarnings("ignore", message=_SQLALCHEMY_NOISE)
        return module.MlflowClient(tracking_uri=resolved)


def check_reachable(uri: str, timeout: float = 5.0):
    """Raise :class:`TrackingUnavailableError` naming ``uri`` when its server does not answer ``/health``.

    Only HTTP servers are checked; a local store is always there.
    """
    if not is_remote(uri):
        return
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=timeout) as response:
            response.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingUnavailableError(
            f"the MLflow tracking server at {uri} is not reachable ({reason}). Start it (see "
            "`help(wb.tracking)`), or unset WORKBENCH_TRACKING_URI / MLFLOW_TRACKING_URI to log to "
            "the local store sqlite:///mlflow.db") from None


# What MLflow's REST client reports for a server it cannot reach, or one that cannot serve for now.
_UNAVAILABLE_CODES = frozenset({"INTERNAL_ERROR", "TEMPORARILY_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED"})


def is_unavailable(uri: str, exc: BaseException) -> bool:
    """True when ``exc`` means the server at ``uri`` is away for now (so a run may go on offline),
    not that what was asked is wrong. Always False for a local store."""
    if not is_remote(uri):
        return False
    if isinstance(exc, (TrackingUnavailableError, OSError)):
        return True
    module = mlflow()
    return isinstance(exc, module.exceptions.MlflowException) and exc.error_code in _UNAVAILABLE_CODES


def experiment_id(mlflow_client, name: str) -> str:
    """The id of the experiment called ``name``, created if missing (safe when processes race)."""
    exc_type = mlflow().exceptions.MlflowException
    found = mlflow_client.get_experiment_by_name(name)
    if found is None:
        try:
            return mlflow_client.create_experiment(name)
        except exc_type:
            found = mlflow_client.get_experiment_by_name(name)  # another process made it first
            if found is None:
                raise
    if found.lifecycle_stage == "deleted":
        raise ValueError(f"the MLflow experiment {name!r} is deleted; restore it with "
                         f"`mlflow experiments restore --experiment-id {found.experiment_id}` "
                         "or choose another name")
    return found.experiment_id


def run_url(uri: str, experiment: str, run_id: str):
    """The MLflow UI's page of a run on a server, or None for a local store."""
    if not is_remote(uri):
        return None
    return f"{uri}/#/experiments/{experiment}/runs/{run_id}"
