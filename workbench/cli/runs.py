"""``workbench runs`` (a table of runs from MLflow) and ``workbench compare`` (runs side by side)."""

import os
import re
import sys
import time

from .common import CLIError, _is_system, _tracking
from .table import _cell, _wrap, format_table, terminal_width


def _open_store(args):
    """(tracking module, resolved URI, MlflowClient) for the runs/compare commands, with clear
    errors for an unreachable server or a folder with no local store yet."""
    tracking = _tracking()
    uri = tracking.resolve_tracking_uri(getattr(args, "tracking_uri", None))
    if tracking.is_remote(uri):
        try:
            tracking.check_reachable(uri)
        except tracking.TrackingUnavailableError as exc:
            raise CLIError(str(exc), code=1) from None
    elif uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///"):]
        if not os.path.exists(path):
            raise CLIError(f"no runs yet: {path} does not exist. Run an experiment here first "
                           "(`workbench run digits_classifier`), or point WORKBENCH_TRACKING_URI at "
                           "your store", code=1)
    return tracking, uri, tracking.client(uri)


def _last_and_best(metrics, key):
    """``0.9805 (0.9861)``: a metric's last value and, where it differs, its ``best_`` value."""
    last, best = metrics.get(key), metrics.get(f"best_{key}")
    if last is None:
        return None
    if best is None or best == last:
        return f"{last:.4g}"
    return f"{last:.4g} ({best:.4g})"


def _start_time(run):
    ms = run.info.start_time
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else ""


def _experiments(client, name):
    if name is None:
        return client.search_experiments()
    found = client.get_experiment_by_name(name)
    if found is None:
        names = sorted(e.name for e in client.search_experiments())
        raise CLIError(f"no experiment named {name!r}; the store has: {', '.join(names) or 'none'}", code=1)
    return [found]


def _cmd_runs(args):
    _, uri, client = _open_store(args)
    experiments = _experiments(client, args.experiment)
    if not experiments:
        print(f"no experiments in {uri}")
        return 0
    order_by = None
    if args.sort:
        from ..tracking import best  # the CLI imports tracking only for the commands that use it
        ascending = best.mode(args.sort) == "min" if args.order == "auto" else args.order == "asc"
        order_by = [f"metrics.`{args.sort}` {'ASC' if ascending else 'DESC'}"]
    runs = client.search_runs([e.experiment_id for e in experiments], order_by=order_by,
                              max_results=args.limit)
    if args.sort:  # runs without the metric last, whatever the store does with them
        has = [args.sort in r.data.metrics for r in runs]
        runs = [r for r, h in zip(runs, has) if h] + [r for r, h in zip(runs, has) if not h]
    if not runs:
        print(f"no runs in {', '.join(e.name for e in experiments)} ({uri})")
        return 0
    names = {e.experiment_id: e.name for e in experiments}
    several = len({r.info.experiment_id for r in runs}) > 1
    params = sorted({k for r in runs for k in r.data.params})
    constant = {k: runs[0].data.params.get(k) for k in params
                if len(runs) > 1 and all(r.data.params.get(k) == runs[0].data.params.get(k) for r in runs)}
    shown_params = [k for k in params if k not in constant]
    metrics = sorted({k for r in runs for k in r.data.metrics if not _is_system(k) and not k.startswith("best_")})
    if args.sort in metrics:
        metrics.remove(args.sort)
        metrics.insert(0, args.sort)
    nested = any("mlflow.parentRunId" in r.data.tags for r in runs)
    headers = ["run id", "name"] + (["experiment"] if several else []) \
        + (["parent"] if nested else []) + ["status", "start"] + shown_params + metrics
    # a narrow terminal keeps, in this order: id, name, metrics, status, params, then the rest;
    # names and param values may be elided down to 12 characters, numbers and dates never
    first_metric = len(headers) - len(metrics)
    first_param = first_metric - len(shown_params)
    status = headers.index("status")
    other = [i for i in range(2, first_param) if i != status]
    metric_cols = sorted(range(first_metric, len(headers)),  # the sorted one, then validation metrics
                         key=lambda i: (headers[i] != args.sort, not headers[i].startswith(("val", "test"))))
    priority = [0, 1, *metric_cols, status, *range(first_param, first_metric), *other]
    text = {1, *range(first_param, first_metric), *(i for i in other if headers[i] == "experiment")}
    minimum = [max(len(h), 12) if i in text else 10**6 for i, h in enumerate(headers)]
    rows = []
    for r in runs:
        row = [r.info.run_id[:8], r.info.run_name]
        if several:
            row.append(names.get(r.info.experiment_id, r.info.experiment_id))
        if nested:
            row.append(r.data.tags.get("mlflow.parentRunId", "")[:8])
        row += [r.info.status, _start_time(r)]
        row += [r.data.params.get(k, "") for k in shown_params]
        row += [_last_and_best(r.data.metrics, k) for k in metrics]
        rows.append(row)
    width = terminal_width(args.width)
    print(format_table(headers, rows, width=width, minimum=minimum, priority=priority,
                       hint="`--width 0` shows every column, `workbench compare RUN...` every value"))
    print("\n" + _wrap("metrics: the last value, and in brackets the best where it differs "
                       "(`workbench compare` shows all)", width))
    if constant:
        print(_wrap("the same in every run: " + ", ".join(f"{k}={_cell(v)}" for k, v in constant.items()),
                    width))
    return 0


def _find_run(client, key):
    """A run by id, unique id prefix, or unique run name."""
    mlflow_error = sys.modules["mlflow"].exceptions.MlflowException
    if re.fullmatch(r"[0-9a-f]{32}", key):
        try:
            return client.get_run(key)
        except mlflow_error:
            raise CLIError(f"no run with id {key}", code=1) from None
    ids = [e.experiment_id for e in client.search_experiments()]
    candidates = [r for r in client.search_runs(ids, max_results=50000)
                  if r.info.run_id.startswith(key) or r.info.run_name == key]
    if not candidates:
        raise CLIError(f"no run whose id starts with, or whose name is, {key!r}", code=1)
    if len(candidates) > 1:
        listed = ", ".join(f"{r.info.run_id[:12]} ({r.info.run_name})" for r in candidates[:6])
        raise CLIError(f"{key!r} matches {len(candidates)} runs: {listed}; give more of the id", code=1)
    return candidates[0]


def _cmd_compare(args):
    _, _, client = _open_store(args)
    runs = [_find_run(client, key) for key in args.runs]
    headers = [""] + [f"{r.info.run_name} ({r.info.run_id[:8]})" for r in runs]
    rows = [["status"] + [r.info.status for r in runs], ["start"] + [_start_time(r) for r in runs]]
    params = sorted({k for r in runs for k in r.data.params})
    for k in params:
        values = [r.data.params.get(k) for r in runs]
        mark = " *" if len(set(values)) > 1 else ""
        rows.append([f"param {k}{mark}"] + [v if v is not None else "-" for v in values])
    metrics = sorted({k for r in runs for k in r.data.metrics if args.system or not _is_system(k)})
    for k in metrics:
        rows.append([f"metric {k}"] + [r.data.metrics.get(k, "-") for r in runs])
    print(format_table(headers, rows))
    print("\n* the params that differ; metrics are each run's last value (best_<name>: its best)")
    return 0
