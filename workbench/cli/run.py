"""``workbench run``: one run of an example or script, inside an Experiment."""

import os
import runpy
import sys

from .common import PARENT_ENV, CLIError, _experiment_class, _is_system
from ..distribute.launch import is_chief
from .launch import launch, note_rank, wants_launch
from .params import parse_params
from .table import _cell
from .targets import _check_main_signature, resolve_target


def _run_with_experiment(target, params, args):
    """Build the Experiment, enter it, call ``main(exp, params)``; returns the main's result."""
    Experiment = _experiment_class()
    parent = os.environ.get(PARENT_ENV)
    tags = {"workbench.target": target.spec}
    if parent:
        tags["mlflow.parentRunId"] = parent  # how the MLflow UI nests a trial under its sweep
    exp = Experiment(name=args.experiment or target.name, run_name=args.run_name, params=params,
                     tracking_uri=args.tracking_uri, logdir=args.logdir, resume=args.resume,
                     tags=tags, nested=bool(parent))
    tracking = sys.modules.get("workbench.tracking")
    unavailable = getattr(tracking, "TrackingUnavailableError", ())
    try:
        exp.__enter__()
    except unavailable as exc:
        raise CLIError(str(exc), code=1) from None
    except ValueError as exc:  # e.g. --resume with an unknown run id, or a deleted experiment
        raise CLIError(str(exc), code=1) from None
    chief = is_chief()   # in a job of several processes rank 0 alone reports the run
    if chief:
        print(f"workbench: run {exp.run_name} ({exp.run_id}): TensorBoard logs in {exp.logdir}, "
              f"MLflow store {exp.tracking_uri}", flush=True)
    # after --resume the run's own params rule (MLflow params cannot change); defaults fill new keys
    run_params = {**target.defaults, **(getattr(exp, "params", None) or params)}
    try:
        result = target.main(exp, run_params)
    except BaseException:
        if not exp.__exit__(*sys.exc_info()):
            raise
        return None
    exp.__exit__(None, None, None)
    last = {k: v for k, v in (getattr(exp, "metrics", None) or {}).items() if not _is_system(k)}
    if not chief:
        return result
    if last:
        print("workbench: last values: " + ", ".join(f"{k}={_cell(v)}" for k, v in sorted(last.items())),
              flush=True)
    print(f"workbench: run {exp.run_name} ({exp.run_id}) finished; `workbench ui` shows it", flush=True)
    return result


def _cmd_run(args):
    if wants_launch(args):
        return launch(args)
    note_rank()
    target = resolve_target(args.script)
    if target.main is None:
        if args.param:
            raise CLIError(f"{target.path} has no main(exp, params), so -p cannot set its parameters; "
                           "define main(exp, params) and PARAMS")
        sys.argv = [target.path]
        sys.path.insert(0, os.path.dirname(target.path))  # as `python script.py` would
        runpy.run_path(target.path, run_name="__main__")
        return 0
    _check_main_signature(target)
    if args.resume and args.param:
        raise CLIError(f"--resume {args.resume}: a resumed run keeps the params it started with (MLflow "
                       "params cannot change), so -p is not allowed; start a new run to change them")
    params = None if args.resume else parse_params(args.param, target)
    _run_with_experiment(target, params, args)
    return 0
