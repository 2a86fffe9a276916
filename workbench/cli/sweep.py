"""``workbench sweep``: a script run once per combination of parameters, each trial a child
``workbench run`` nested under the sweep's own MLflow run."""

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

from .common import PARENT_ENV, CLIError, _experiment_class, _tracking
from .params import _split_assignment, coerce, parse_value
from .processes import _raise_stop, _Stop, _stop_process_group
from .targets import _check_main_signature, resolve_target


def _split_choices(raw):
    """``0.1,0.01`` / ``adam,sgd`` / ``[1,2],[3]`` -> the raw text of each choice, splitting at
    commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(raw):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(raw[start:i].strip())
            start = i + 1
    parts.append(raw[start:].strip())
    return parts


# ``-p lr=loguniform(1e-4,1e-1)``: a range, which only a search (``--backend ray --search optuna``) draws from
RANGE = re.compile(r"(uniform|loguniform)\((.*)\)")
# the line a trial's ``workbench run`` prints when its run opens (and when it ends)
_RUN_LINE = re.compile(r"workbench: run \S+ \(((?:offline-)?[0-9a-f]{32})\)")


def sweep_space(assignments, target):
    """``-p key=v1,v2`` assignments -> ``{key: [values]}`` checked against the defaults."""
    where = target.path or f"the example {target.name!r}"
    space = {}
    for text in assignments or ():
        key, raw = _split_assignment(text)
        if RANGE.fullmatch(raw):
            raise CLIError(f"-p {key}={raw}: a range is drawn by a search: add --backend ray --search optuna, "
                           f"or give a list of choices (-p {key}=0.1,0.01)")
        choices = []
        for part in _split_choices(raw):
            if part == "":
                raise CLIError(f"-p {key}={raw}: an empty choice (two commas in a row?)")
            choices.append(coerce(key, parse_value(key, part), part, target.defaults, where))
        space[key] = choices
    return space


def sweep_trials(space, random_trials=None, seed=0):
    """The grid over ``space`` (every combination, in order), or ``random_trials`` distinct
    combinations drawn uniformly with ``seed``.

    >>> sweep_trials({"lr": [0.1, 0.01], "layers": [1, 2]})
    [{'lr': 0.1, 'layers': 1}, {'lr': 0.1, 'layers': 2}, {'lr': 0.01, 'layers': 1}, {'lr': 0.01, 'layers': 2}]
    """
    keys = list(space)
    sizes = [len(space[k]) for k in keys]
    total = 1
    for s in sizes:
        total *= s
    if random_trials is None:
        indices = range(total)
    else:
        rng = np.random.default_rng(seed)
        count = min(int(random_trials), total)
        indices = rng.choice(total, size=count, replace=False).tolist() if total < 2**62 else \
            rng.integers(0, total, size=count).tolist()
    trials = []
    for index in indices:
        combo = {}
        for key, size in zip(reversed(keys), reversed(sizes)):  # mixed radix: the last key varies fastest
            index, digit = divmod(index, size)
            combo[key] = space[key][digit]
        trials.append({k: combo[k] for k in keys})
    return trials


@dataclass
class _Trial:
    index: int
    params: dict
    log_path: str
    proc: object = None
    log: object = None
    started: float = 0.0
    seconds: float = 0.0
    returncode: int | None = None
    run_id: str | None = None
    stopped: str = ""      # why a scheduler stopped it early (the Ray backend's ASHA)
    stop: dict | None = None   # the result ASHA stopped it at


def _format_params(params):
    return " ".join(f"{k}={v!r}" for k, v in params.items())


def _trial_command(spec, experiment, run_name, params, logdir, tracking_uri=None):
    """The ``workbench run`` command line of one trial, after the Python executable: every backend
    starts its trials with it. ``spec`` is the target's, ``experiment`` the sweep's experiment."""
    cmd = ["-m", "workbench.cli", "run", spec, "--experiment", experiment, "--run-name", run_name,
           "--logdir", logdir]
    if tracking_uri:
        cmd += ["--tracking-uri", tracking_uri]
    for key, value in params.items():
        cmd += ["-p", f"{key}={value!r}"]
    return cmd


def _start_trial(trial, target, args, parent_run_name, env, total):
    cmd = [sys.executable, *_trial_command(target.spec, args.experiment or target.name,
                                           f"{parent_run_name}-{trial.index}", trial.params, args.logdir,
                                           args.tracking_uri)]
    trial.log = open(trial.log_path, "w", encoding="utf-8")
    trial.started = time.time()
    # its own process group: Ctrl-C reaches the sweep, which stops each trial cleanly
    trial.proc = subprocess.Popen(cmd, stdout=trial.log, stderr=subprocess.STDOUT, env=env,
                                  start_new_session=True)
    print(f"trial {trial.index}/{total} started: {_format_params(trial.params)}", flush=True)


def _finish_trial(trial, total, stopped=False):
    trial.returncode = trial.proc.returncode
    trial.seconds = time.time() - trial.started
    trial.log.close()
    with open(trial.log_path, encoding="utf-8", errors="replace") as f:
        output = f.read()
    found = _RUN_LINE.findall(output)
    trial.run_id = found[-1] if found else None
    if stopped:
        state = "stopped"
    else:
        state = "finished" if trial.returncode == 0 else f"FAILED (exit status {trial.returncode})"
    print(f"trial {trial.index}/{total} {state} in {trial.seconds:.1f} s: {_format_params(trial.params)}"
          + (f" -> run {trial.run_id}" if trial.run_id else ""), flush=True)
    if trial.returncode != 0 and not stopped:
        tail = "\n".join(output.rstrip().splitlines()[-15:])
        print(f"  last lines of {trial.log_path}:\n" + "\n".join("    " + ln for ln in tail.splitlines()),
              flush=True)


def _run_trials(trials, target, args, parent_run_name, env):
    """Run the trials, at most ``args.parallel`` at a time; on Ctrl-C/SIGTERM stop them all."""
    pending, running = list(trials), []
    try:
        while pending or running:
            while pending and len(running) < max(1, args.parallel):
                trial = pending.pop(0)
                _start_trial(trial, target, args, parent_run_name, env, len(trials))
                running.append(trial)
            time.sleep(0.2)
            for trial in [t for t in running if t.proc.poll() is not None]:
                running.remove(trial)
                _finish_trial(trial, len(trials))
    except (KeyboardInterrupt, _Stop):
        print(f"stopping {len(running)} running trial(s)...", file=sys.stderr, flush=True)
        for trial in running:
            # SIGINT lets the trial's Experiment close its run and flush what it logged
            _stop_process_group(trial.proc, first=signal.SIGINT)
            _finish_trial(trial, len(trials), stopped=True)
        raise


def _cmd_sweep(args):
    target = resolve_target(args.script)
    if target.main is None:
        raise CLIError(f"{target.path} has no main(exp, params); a sweep sets its parameters through main")
    _check_main_signature(target)
    from . import sweep_ray  # its options are checked for either backend; ray is imported only to run
    sweep_ray.check_options(args)
    if args.backend == "ray":
        return sweep_ray.sweep_on_ray(args, target)
    if args.parallel is None:
        args.parallel = 1
    space = sweep_space(args.param, target)
    if not space:
        raise CLIError("nothing to sweep: give choices with -p, e.g. -p learning_rate=0.1,0.01")
    if args.random is not None and args.random < 1:
        raise CLIError(f"--random {args.random}: give the number of trials to draw (1 or more)")
    trials = sweep_trials(space, args.random, args.seed)
    kind = "grid" if args.random is None else f"random({len(trials)}, seed={args.seed})"
    parent = _sweep_parent(args, target, space, kind)
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        with parent:
            print(f"workbench: sweep {parent.run_name} ({parent.run_id}): {len(trials)} {kind} trials, "
                  f"{max(1, args.parallel)} at a time", flush=True)
            folder = _trial_log_folder(parent)
            env = dict(os.environ, **_trial_env(args, parent))
            records = [_Trial(i + 1, p, os.path.join(folder, f"trial-{i + 1}.log")) for i, p in enumerate(trials)]
            try:
                _run_trials(records, target, args, parent.run_name, env)
            finally:
                _log_trials(parent, records)
    except _Stop:
        return 143
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [t for t in records if t.returncode != 0]
    print(f"workbench: sweep {parent.run_name}: {len(records) - len(failed)} of {len(records)} trials "
          f"finished; `workbench runs --experiment {args.experiment or target.name}` lists them", flush=True)
    return 1 if failed else 0


def _sweep_parent(args, target, space, kind):
    """The sweep's own run (an Experiment, not yet started), its space and kind in tags."""
    Experiment = _experiment_class()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # the space goes into tags, so `workbench runs` shows the trials' params, not the parent's
    tags = {f"workbench.sweep.{k}": ",".join(repr(v) for v in vs) if isinstance(vs, list) else str(vs)
            for k, vs in space.items()}
    tags.update({"workbench.sweep": kind, "workbench.target": target.spec})
    return Experiment(name=args.experiment or target.name, run_name=f"{target.name}-sweep-{stamp}",
                      params={}, tracking_uri=args.tracking_uri, logdir=args.logdir, tags=tags,
                      system_metrics=False)


def _trial_log_folder(parent):
    folder = os.path.join(parent.logdir, "trial-logs")
    os.makedirs(folder, exist_ok=True)
    return folder


def _trial_env(args, parent):
    """What a trial's environment needs to open its run as a child of ``parent``."""
    return {PARENT_ENV: parent.run_id, "WORKBENCH_TRACKING_URI": _child_uri(args, parent)}


def _log_trials(parent, records):
    """The sweep's summary on its own run: counts, a table of the trials, their logs."""
    ended = [t for t in records if t.returncode is not None or t.stopped]
    counts = {"trials_finished": sum(t.returncode == 0 and not t.stopped for t in ended),
              "trials_failed": sum(t.returncode not in (0, None) and not t.stopped for t in ended)}
    if any(t.stopped for t in ended):
        counts["trials_stopped"] = sum(bool(t.stopped) for t in ended)
    parent.log_metrics(counts, step=0)
    parent.log_text("trials", _trials_markdown(records), step=0)
    for trial in ended:
        if os.path.exists(trial.log_path):   # a trial on another machine of a cluster wrote it there
            parent.log_artifact(trial.log_path)


def _child_uri(args, parent):
    """The store a trial logs to, for its environment: an HTTP server's URI is shown without its
    user and password, which reach the trial in MLflow's own variables; any other URI (a
    database's) is passed whole, since the trial must connect with its password."""
    tracking = _tracking()
    uri = tracking.resolve_tracking_uri(args.tracking_uri)
    return parent.tracking_uri if tracking.is_remote(uri) else uri


def _trials_markdown(records):
    lines = ["| trial | params | status | seconds | run |", "|---|---|---|---|---|"]
    for t in records:
        if t.stopped:
            status = f"stopped early by {t.stopped}"
        elif t.returncode is None:
            status = "not run"
        else:
            status = "finished" if t.returncode == 0 else f"failed ({t.returncode})"
        lines.append(f"| {t.index} | {_format_params(t.params)} | {status} | {t.seconds:.1f} | {t.run_id or ''} |")
    return "\n".join(lines)
