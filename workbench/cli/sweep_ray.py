"""``workbench sweep --backend ray``: the trials run as Ray Tune trials, on a local Ray instance or
on a cluster (``--address``), with Optuna's TPE search (``--search optuna``) and ASHA early
stopping (``--scheduler asha``).

A trial is the same child ``workbench run`` as in the process pool (:mod:`.sweep` builds its
command, its environment and the sweep's parent run), started by a Tune class trainable. The
metrics reach Tune from MLflow: the trainable finds the child's run id in its output and reads
the ``--metric`` history of that run every half second, each new point (with the step it was
logged at) one Tune result. So any script that logs through its Experiment is driven by ASHA
unchanged, what Tune decides on is exactly what MLflow keeps, and the trial stays a process of
its own: when ASHA stops a trial, Tune calls the trainable's ``cleanup``, which sends the child
SIGINT and waits, so its Experiment ends the run as KILLED with everything it logged sent.
Reporting from inside the script's process instead would lose what was still queued when Tune
ends the actor (a function trainable's thread gets no time to clean up). The cost: a metric
reaches Tune up to the tracking buffer's send interval (about 2 s) after it is logged, and one
small MLflow query per running trial every half second.

::

    workbench sweep train.py -p lr=0.1,0.01,0.001 --backend ray --scheduler asha --metric val/loss
    workbench sweep train.py -p lr='loguniform(1e-4,1e-1)' -p layers=1,2,3 --backend ray \\
        --search optuna --num-samples 20 --metric val/accuracy --address auto

Ray and Optuna come with the ``sweep`` extra; ray is imported only when this backend runs.
"""

import collections
import importlib.util
import math
import os
import signal
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

from .common import CLIError
from .processes import _stop_process_group
from .sweep import (RANGE, _RUN_LINE, _format_params, _log_trials, _sweep_parent, _trial_command, _trial_env,
                    _trial_log_folder, _Trial, sweep_space, sweep_trials)

EXTRA_HINT = "pip install 'research-workbench[sweep]'"
STOPPED_TAG = "workbench.stopped_early"   # on the MLflow run of a trial that ASHA stopped
POLL_SECONDS = 0.5                          # how often a trial reads its run's new metric points
STOP_GRACE_SECONDS = 30.0                   # a stopped trial's time to end its run (the buffer's 20 s, and some)
# options only --backend ray takes, with their defaults (None: not given)
RAY_ONLY = ("address", "search", "scheduler", "num_samples", "metric", "mode", "cpus_per_trial", "gpus_per_trial",
            "grace_period", "max_t", "reduction_factor")


def add_ray_options(p):
    """The sweep parser's options for ``--backend ray``."""
    p.add_argument("--backend", choices=("processes", "ray"), default="processes",
                   help="processes: a pool of local processes (default); ray: Ray Tune trials")
    g = p.add_argument_group("Ray Tune (--backend ray)")
    g.add_argument("--address", help="the Ray cluster: 'auto', host:port or ray://host:port "
                                     "(default: start a local Ray instance)")
    g.add_argument("--search", choices=("optuna",),
                   help="optuna: Optuna's TPE picks each trial's values from -p's choices and "
                        "ranges (-p lr='loguniform(1e-4,1e-1)', uniform(a,b))")
    g.add_argument("--num-samples", type=int, metavar="N", help="with --search: the number of trials (default 10)")
    g.add_argument("--scheduler", choices=("asha",), help="asha: stop the worst trials early (ASHA)")
    g.add_argument("--metric", metavar="NAME",
                   help="the logged metric that --search and --scheduler optimize, read at every step it is logged")
    g.add_argument("--mode", choices=("min", "max"),
                   help="whether --metric is best small or large (default: as best_<metric>: max for "
                        "accuracies, scores, rewards..., else min)")
    g.add_argument("--cpus-per-trial", type=float, metavar="N", help="CPUs Ray reserves for each trial (default 1)")
    g.add_argument("--gpus-per-trial", type=float, metavar="N",
                   help="GPUs Ray reserves for each trial (default 0; fractions share a GPU)")
    g.add_argument("--grace-period", type=int, metavar="STEPS",
                   help="with --scheduler asha: steps before a trial can be stopped (default 1)")
    g.add_argument("--max-t", type=int, metavar="STEPS",
                   help="with --scheduler asha: the step of its last rung (default 100); a trial that "
                        "gets there runs on to its end")
    g.add_argument("--reduction-factor", type=float, metavar="F",
                   help="with --scheduler asha: 1/F of the trials at a rung go on (default 4)")


def check_options(args):
    """Refuse what does not fit together, before anything starts."""
    given = [name for name in RAY_ONLY if getattr(args, name, None) is not None]
    if args.backend != "ray":
        if given:
            raise CLIError(f"--{given[0].replace('_', '-')} is an option of --backend ray (Ray Tune); "
                           "add --backend ray, or leave it out for the process pool")
        return
    if args.search is not None:
        if args.random is not None:
            raise CLIError(f"--random {args.random} and --search {args.search}: the search picks the trials; "
                           "give --num-samples N instead")
        if args.metric is None:
            raise CLIError(f"--search {args.search} needs --metric NAME: the logged metric it optimizes")
        if args.num_samples is not None and args.num_samples < 1:
            raise CLIError(f"--num-samples {args.num_samples}: give the number of trials (1 or more)")
    elif args.num_samples is not None:
        raise CLIError(f"--num-samples {args.num_samples} is for --search optuna; a grid runs every "
                       "combination, --random N draws N of them")
    if args.scheduler is not None and args.metric is None:
        raise CLIError(f"--scheduler {args.scheduler} needs --metric NAME: the logged metric whose values "
                       "decide which trials stop")
    if args.mode is not None and args.metric is None:
        raise CLIError(f"--mode {args.mode} needs --metric NAME")
    if args.scheduler is None:
        for name in ("grace_period", "max_t", "reduction_factor"):
            if getattr(args, name) is not None:
                raise CLIError(f"--{name.replace('_', '-')} is an option of --scheduler asha")
    if args.random is not None and args.random < 1:
        raise CLIError(f"--random {args.random}: give the number of trials to draw (1 or more)")
    if args.parallel is not None and args.parallel < 1:
        raise CLIError(f"--parallel {args.parallel}: give the number of trials to run at once (1 or more)")
    if args.cpus_per_trial is not None and not args.cpus_per_trial > 0:
        raise CLIError(f"--cpus-per-trial {args.cpus_per_trial}: expected a number of CPUs above 0")
    if args.gpus_per_trial is not None and not args.gpus_per_trial >= 0:
        raise CLIError(f"--gpus-per-trial {args.gpus_per_trial}: expected a number of GPUs, 0 or more")
    grace = 1 if args.grace_period is None else args.grace_period
    max_t = 100 if args.max_t is None else args.max_t
    if grace < 1:
        raise CLIError(f"--grace-period {grace}: expected a number of steps, 1 or more")
    if max_t < grace:
        raise CLIError(f"--max-t {max_t}: expected at least the grace period ({grace} steps)")
    if args.reduction_factor is not None and not args.reduction_factor > 1:
        raise CLIError(f"--reduction-factor {args.reduction_factor}: expected a number above 1")


def split_space(assignments, target):
    """``-p`` assignments -> (``{key: [choices]}``, ``{key: (kind, low, high)}``): the ranges
    (``uniform(a,b)``, ``loguniform(a,b)``) apart from the choices, each checked."""
    where = target.path or f"the example {target.name!r}"
    ranges, rest = {}, []
    for text in assignments or ():
        key, _, raw = text.partition("=")
        key, raw = key.strip(), raw.strip()
        match = RANGE.fullmatch(raw)
        if not match:
            rest.append(text)
            continue
        kind, inside = match.groups()
        try:
            low, high = (float(part) for part in inside.split(","))
        except ValueError:
            raise CLIError(f"-p {key}={raw}: expected {kind}(low,high) with two numbers, "
                           f"e.g. {kind}(0.0001,0.1)") from None
        if target.defaults:
            if key not in target.defaults:
                raise CLIError(f"-p {key}={raw}: {where} has no parameter {key!r}; its parameters are: "
                               f"{', '.join(sorted(target.defaults))}")
            default = target.defaults[key]
            if not isinstance(default, float):
                raise CLIError(f"-p {key}={raw}: a range draws floats, and {key!r} is not a float (the default "
                               f"is {default!r}); give its choices instead (-p {key}=1,2,3)")
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise CLIError(f"-p {key}={raw}: expected finite bounds with low < high")
        if kind == "loguniform" and low <= 0:
            raise CLIError(f"-p {key}={raw}: loguniform needs bounds above 0")
        ranges[key] = (kind, low, high)
    return sweep_space(rest, target), ranges


def _require_ray(search):
    for module in ("ray",) + (("optuna",) if search else ()):
        if importlib.util.find_spec(module) is None:
            raise CLIError(f"--backend ray{' --search optuna' if module == 'optuna' else ''} needs the "
                           f"{module!r} package, which is not installed: {EXTRA_HINT}")
    try:
        import ray.tune  # noqa: F401  (the tune extra's packages: pandas, pyarrow, ...)
    except ImportError as exc:
        raise CLIError(f"--backend ray needs Ray Tune, which does not import ({exc}): {EXTRA_HINT}") from None


def _decode(params, choices):
    """A trial's values as ``-p`` writes them: NumPy scalars from a search as Python numbers, and
    the choices that went to Optuna by their index (lists, dicts) as themselves."""
    plain = {}
    for key, value in params.items():
        if key in choices:
            value = choices[key][int(value)]
        elif hasattr(value, "item") and not isinstance(value, (list, dict, str)):
            value = value.item()
        plain[key] = value
    return plain


# -- the trial, in a Ray worker ---------------------------------------------------------------
class _RunMetrics:
    """The trial's run id (from the child's output) and the new points of one metric of that run."""

    def __init__(self, log_path, tracking_uri, metric):
        self.log_path, self.tracking_uri, self.metric = log_path, tracking_uri, metric
        self.run_id = None
        self.seen = 0
        self.last = (float("nan"), 0)   # (value, step)
        self._client = None

    def connect(self):
        """The MLflow client (importing mlflow takes seconds: done while the child starts)."""
        if self._client is None and self.metric is not None:
            from ..tracking import store  # mlflow is imported in the worker only when there is a metric
            self._client = store.client(self.tracking_uri)
        return self._client

    def find_run(self):
        if self.run_id is None:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                found = _RUN_LINE.findall(f.read())
            self.run_id = found[0] if found else None
        return self.run_id

    def new_points(self):
        """``[(step, value)]`` logged since the last call, in step order ([] until the run is known)."""
        if self.metric is None or self.find_run() is None or self.run_id.startswith("offline-"):
            return []
        try:
            history = self.connect().get_metric_history(self.run_id, self.metric)
        except Exception:   # the store is busy or away for a moment: the next read catches up
            return []
        new = sorted((m.step, m.value) for m in history[self.seen:])
        self.seen = len(history)
        if new:
            self.last = (new[-1][1], new[-1][0])
        return new


class _Child:
    """One trial's ``workbench run`` process and the new points of its ``--metric``, as Tune results."""

    def __init__(self, config, spec):
        index, params = config["trial"]["index"], _decode(config["trial"]["params"], spec.choices)
        os.makedirs(spec.log_folder, exist_ok=True)
        log_path = os.path.join(spec.log_folder, f"trial-{index}.log")
        cmd = [sys.executable, *_trial_command(spec.target, spec.experiment, f"{spec.parent_run_name}-{index}",
                                               params, spec.logdir, spec.tracking_uri)]
        cwd = spec.cwd if os.path.isdir(spec.cwd) else None   # on another machine of a cluster: the worker's
        self.metric = spec.metric
        self.log = open(log_path, "w", encoding="utf-8")
        # Ray's workers block SIGINT, and a child inherits the mask: it would never hear the SIGINT
        # that makes it end its run cleanly. Unblocked for the fork only.
        masked = hasattr(signal, "pthread_sigmask") and signal.SIGINT in signal.pthread_sigmask(
            signal.SIG_UNBLOCK, {signal.SIGINT})
        try:
            # its own process group, as in the process pool: stopping the trial stops everything it started
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd,
                                         env=dict(os.environ, **spec.env), start_new_session=True)
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        self.run = _RunMetrics(log_path, spec.env["WORKBENCH_TRACKING_URI"], spec.metric)
        self.pending = collections.deque()
        try:
            self.run.connect()   # while the child starts
        except Exception:   # new_points tries again, and says nothing until the store answers
            pass

    def next_result(self):
        """The next point logged, or the last result (``done``) once the child has ended."""
        while not self.pending:
            ended = self.proc.poll() is not None   # read after the end: the child sent everything before exiting
            for step, value in self.run.new_points():
                self.pending.append({self.metric: value, "step": step, "run_id": self.run.run_id,
                                     "script_ended": ended})
            if self.pending:
                break
            if ended:
                final = {"exit_status": self.proc.returncode, "run_id": self.run.find_run(), "script_ended": True,
                         "done": True}
                if self.metric is not None:   # Tune wants the metric in every result: the last point again
                    final.update({self.metric: self.run.last[0], "step": self.run.last[1]})
                return final
            time.sleep(POLL_SECONDS)
        return self.pending.popleft()

    def stop(self):
        """SIGINT while it runs (ASHA's stop, or the sweep's): its Experiment ends the run as KILLED
        with what it logged sent; SIGKILL if it has not ended after the tracking buffer's limit."""
        if self.proc.poll() is None:
            _stop_process_group(self.proc, first=signal.SIGINT, grace=STOP_GRACE_SECONDS)
        self.log.close()


# -- the driver --------------------------------------------------------------------------------
def _tune_classes():
    """Ray's classes, extended (built on first use, since ray is imported only by this backend)."""
    from ray.tune import Callback, Trainable  # ray is imported by this backend only
    from ray.tune.schedulers import AsyncHyperBandScheduler, TrialScheduler  # as above

    class TrialProcess(Trainable):
        """A Tune trial: a :class:`_Child`, one result per logged point. Tune calls ``cleanup``
        before it ends the actor, however the trial ends, so the child is stopped cleanly."""

        def setup(self, config, spec):
            self.child = _Child(config, spec)

        def step(self):
            return self.child.next_result()

        def cleanup(self):
            self.child.stop()

    class ASHA(AsyncHyperBandScheduler):
        """ASHA that remembers whom it stopped, and lets a trial whose script has ended report the
        rest of what it logged (stopping it would save nothing and hide its last values)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.stopped = {}   # trial id -> the result it was stopped at

        def on_trial_result(self, tune_controller, trial, result):
            action = super().on_trial_result(tune_controller, trial, result)
            if action == TrialScheduler.STOP:
                if result.get("script_ended"):
                    return TrialScheduler.CONTINUE
                self.stopped[trial.trial_id] = dict(result)
            return action

    class Progress(Callback):
        """The driver's lines for each trial, its record for the parent run, the stopped runs' tag."""

        def __init__(self, sweep):
            self.sweep = sweep

        def on_trial_start(self, iteration, trials, trial, **info):
            record = self.sweep.record(trial)
            record.started = time.time()
            print(f"trial {record.index}/{self.sweep.total} started: {_format_params(record.params)}", flush=True)

        def on_trial_complete(self, iteration, trials, trial, **info):
            self.sweep.ended(trial, trial.last_result or {})

        def on_trial_error(self, iteration, trials, trial, **info):
            error = f"Ray's error report: {trial.error_file}" if trial.error_file else "the trial raised"
            self.sweep.ended(trial, trial.last_result or {}, error=error)

    return TrialProcess, ASHA, Progress


def _optuna_searcher(space, metric, mode, seed):
    """OptunaSearch (TPE, seeded) whose configs are numbered ``{"trial": {"index", "params"}}`` like the grid's."""
    import optuna  # the sweep extra's; imported only for --search optuna
    from ray.tune.search.optuna import OptunaSearch  # as above

    class NumberedOptunaSearch(OptunaSearch):
        def suggest(self, trial_id):
            config = super().suggest(trial_id)
            if isinstance(config, dict):
                self.suggested = getattr(self, "suggested", 0) + 1
                config = {"trial": {"index": self.suggested, "params": config}}
            return config

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return NumberedOptunaSearch(space=space, metric=metric, mode=mode,
                                sampler=optuna.samplers.TPESampler(seed=seed))


class _Sweep:
    """The driver's records of the trials, and what it does as each one ends."""

    def __init__(self, total, records, log_folder, choices, metric, mode, scheduler, client):
        self.total, self.records, self.log_folder, self.choices = total, records, log_folder, choices
        self.metric, self.mode, self.scheduler, self.client = metric, mode, scheduler, client
        self.by_trial = {}
        self.last = {}   # trial index -> the metric's last value
        self.lock = threading.Lock()

    def __getstate__(self):   # Tune pickles its callbacks with the experiment's state
        return {k: v for k, v in self.__dict__.items() if k not in ("lock", "client")}

    def __setstate__(self, state):
        self.__dict__.update(state, lock=threading.Lock(), client=None)

    def record(self, trial):
        with self.lock:
            entry = trial.config["trial"]
            index = entry["index"]
            record = self.records.get(index)
            if record is None:   # a search's trial: its params are known when it starts
                record = self.records[index] = _Trial(index, dict(entry["params"]), "")
            record.log_path = os.path.join(self.log_folder, f"trial-{index}.log")
            record.params = _decode(entry["params"], self.choices)
            self.by_trial[trial.trial_id] = record
            return record

    def ended(self, trial, result, error=None):
        record = self.by_trial.get(trial.trial_id) or self.record(trial)
        record.seconds = time.time() - record.started if record.started else 0.0
        record.run_id = result.get("run_id") or record.run_id
        if self.metric is not None and self.metric in result:
            self.last[record.index] = result[self.metric]
        where = f" -> run {record.run_id}" if record.run_id else ""
        label = f"trial {record.index}/{self.total}"
        stop = self.scheduler.stopped.get(trial.trial_id) if self.scheduler is not None else None
        if error is not None:
            record.returncode = -1
            print(f"{label} FAILED in {record.seconds:.1f} s: {_format_params(record.params)}{where}\n  {error}",
                  flush=True)
        elif stop is not None:
            record.stopped = f"ASHA at step {stop.get('step')} ({self.metric}={stop.get(self.metric):.6g})"
            record.stop = stop   # its run is tagged once it has ended (_settle_stopped)
            print(f"{label} stopped early by {record.stopped} in {record.seconds:.1f} s: "
                  f"{_format_params(record.params)}{where}", flush=True)
        elif "exit_status" in result:
            record.returncode = int(result["exit_status"])
            state = "finished" if record.returncode == 0 else f"FAILED (exit status {record.returncode})"
            print(f"{label} {state} in {record.seconds:.1f} s: {_format_params(record.params)}{where}", flush=True)
            if record.returncode != 0 and os.path.exists(record.log_path):
                with open(record.log_path, encoding="utf-8", errors="replace") as f:
                    tail = f.read().rstrip().splitlines()[-15:]
                print(f"  last lines of {record.log_path}:\n" + "\n".join("    " + ln for ln in tail), flush=True)
        else:
            record.stopped = "the sweep's end (interrupted)"
            print(f"{label} stopped: {_format_params(record.params)}{where}", flush=True)


def _init_ray(args):
    """Connect to ``--address``, or start a local Ray instance; returns (ray, whether we started it, words)."""
    import logging  # Ray's log level, below

    import ray  # the sweep extra's; only this backend needs it

    if ray.is_initialized():   # a caller (a notebook, a test) has one: use it as it is
        return ray, False, "the Ray instance of this process"
    quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    if args.address:
        # the trials on the cluster's machines take the tracking and device settings of this shell
        env = {k: v for k, v in os.environ.items() if k.startswith(("WORKBENCH_", "MLFLOW_"))}
        try:
            ray.init(address=args.address, runtime_env={"env_vars": env} if env else None, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise CLIError(f"--address {args.address}: cannot connect to a Ray cluster there ({exc})", code=1) \
                from None
        return ray, True, f"the Ray cluster at {args.address}"
    cpus = args.cpus_per_trial or 1
    num_cpus = math.ceil(args.parallel * cpus) if args.parallel else max(os.cpu_count() or 1, math.ceil(cpus))
    ray.init(num_cpus=num_cpus, **quiet)
    gpus = args.gpus_per_trial or 0
    have = ray.cluster_resources().get("GPU", 0)
    if gpus > have:
        ray.shutdown()
        raise CLIError(f"--gpus-per-trial {gpus}: the local Ray instance sees {have:g} GPU(s)")
    return ray, True, f"a local Ray instance ({num_cpus} CPUs)"


def sweep_on_ray(args, target):
    space, ranges = split_space(args.param, target)
    if ranges and args.search is None:
        key, (kind, low, high) = next(iter(ranges.items()))
        raise CLIError(f"-p {key}={kind}({low:g},{high:g}): a range is drawn by a search: add --search optuna, "
                       "or give a list of choices")
    if not space and not ranges:
        raise CLIError("nothing to sweep: give choices with -p, e.g. -p learning_rate=0.1,0.01")
    _require_ray(args.search)
    if args.search is None:
        trials = sweep_trials(space, args.random, args.seed)
        kind = "grid" if args.random is None else f"random({len(trials)}, seed={args.seed})"
        total = len(trials)
    else:
        total = 10 if args.num_samples is None else args.num_samples
        kind = f"{args.search}({total}, seed={args.seed})"
    metric = args.metric
    mode = args.mode
    if metric is not None and mode is None:
        from ..tracking import best  # the rule best_<metric> follows
        mode = best.mode(metric)
    # Tune's own TensorBoard files would show each trial twice in `workbench ui` (its run has them):
    # Tune keeps only its result.json files; its progress tables give way to the lines below
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    from ray import tune  # the sweep extra's; checked by _require_ray
    from ray.tune.logger import JsonLoggerCallback  # as the line above

    TrialProcess, ASHA, Progress = _tune_classes()
    described = {**space, **{k: f"{kind_}({low!r},{high!r})" for k, (kind_, low, high) in ranges.items()}}
    parent = _sweep_parent(args, target, described, kind)
    ray, started, where = _init_ray(args)
    previous = None
    try:
        with parent:
            scheduler = None
            if args.scheduler == "asha":
                scheduler = ASHA(time_attr="step", metric=metric, mode=mode, max_t=args.max_t or 100,
                                 grace_period=args.grace_period or 1, reduction_factor=args.reduction_factor or 4,
                                 stop_last_trials=False)
            how = f"{args.parallel} at a time" if args.parallel else "as many at a time as the CPUs allow"
            extra = "".join([f", ASHA on {metric} ({mode})" if scheduler else "",
                             f", optimizing {metric} ({mode})" if args.search else ""])
            print(f"workbench: sweep {parent.run_name} ({parent.run_id}): {total} {kind} trials on {where}, "
                  f"{how}{extra}", flush=True)
            folder = os.path.abspath(_trial_log_folder(parent))
            choices = {}
            if args.search is None:
                records = {i + 1: _Trial(i + 1, p, os.path.join(folder, f"trial-{i + 1}.log"))
                           for i, p in enumerate(trials)}
                param_space = {"trial": tune.grid_search([{"index": i, "params": r.params}
                                                          for i, r in records.items()])}
                search_alg, num_samples = None, 1
            else:
                records = {}
                search = {}
                for key, values in space.items():
                    # Optuna's categorical choices are plain scalars: a list or dict choice goes by its index
                    plain = all(v is None or isinstance(v, (bool, int, float, str)) for v in values)
                    if not plain:
                        choices[key] = values
                    search[key] = tune.choice(values if plain else list(range(len(values))))
                for key, (kind_, low, high) in ranges.items():
                    search[key] = tune.uniform(low, high) if kind_ == "uniform" else tune.loguniform(low, high)
                param_space, search_alg, num_samples = {}, _optuna_searcher(search, metric, mode, args.seed), total
            client_uri = _trial_env(args, parent)["WORKBENCH_TRACKING_URI"]
            from ..tracking import store  # mlflow is imported already: the parent run is open
            sweep = _Sweep(total, records, folder, choices, metric, mode, scheduler, store.client(client_uri))
            spec = SimpleNamespace(
                target=target.spec, experiment=args.experiment or target.name, parent_run_name=parent.run_name,
                logdir=os.path.abspath(args.logdir), tracking_uri=None, env=_trial_env(args, parent),
                cwd=os.getcwd(), log_folder=folder, metric=metric, choices=choices)
            resources = {"cpu": args.cpus_per_trial or 1, "gpu": args.gpus_per_trial or 0}
            trainable = tune.with_resources(tune.with_parameters(TrialProcess, spec=spec), resources)
            tuner = tune.Tuner(
                trainable, param_space=param_space,
                # the search and the scheduler are given --metric and --mode themselves
                tune_config=tune.TuneConfig(search_alg=search_alg, scheduler=scheduler,
                                            num_samples=num_samples, max_concurrent_trials=args.parallel),
                run_config=tune.RunConfig(name=parent.run_name, storage_path=os.path.abspath(parent.logdir),
                                          verbose=0, callbacks=[Progress(sweep), JsonLoggerCallback()],
                                          # a trial is a process with its own checkpoints, not Tune's
                                          checkpoint_config=tune.CheckpointConfig(checkpoint_at_end=False)))
            if threading.current_thread() is threading.main_thread():
                # SIGTERM as Ctrl-C: Tune stops the trials, whose runs end as KILLED
                previous = signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
            try:
                tuner.fit()
            finally:
                _wait_for_runs(sweep)
                _settle_stopped(sweep)
                ordered = [sweep.records[i] for i in sorted(sweep.records)]
                _log_trials(parent, ordered)
                best = _best(sweep, ordered)
                if best is not None:
                    parent.set_tags({"workbench.sweep.best_run": best.run_id or "",
                                     f"workbench.sweep.best_{metric}": repr(sweep.last[best.index])})
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if started:
            ray.shutdown()
    failed = [t for t in ordered if t.returncode not in (0, None) and not t.stopped]
    stopped = [t for t in ordered if t.stopped]
    done = [t for t in ordered if t.returncode == 0 and not t.stopped]
    line = f"workbench: sweep {parent.run_name}: {len(done)} of {len(ordered)} trials finished"
    if stopped:
        line += f", {len(stopped)} stopped early"
    if failed:
        line += f", {len(failed)} failed"
    if best is not None:
        line += (f"; best {metric}={sweep.last[best.index]:.6g} in trial {best.index} "
                 f"({_format_params(best.params)})")
    print(line + f"; `workbench runs --experiment {args.experiment or target.name}` lists them", flush=True)
    return 1 if failed else 0


def _best(sweep, records):
    scored = [r for r in records if r.index in sweep.last and sweep.last[r.index] == sweep.last[r.index]]
    if not scored:
        return None
    pick = min if sweep.mode == "min" else max
    return pick(scored, key=lambda r: sweep.last[r.index])


def _wait_for_runs(sweep, timeout=30.0):
    """Wait until the runs of stopped trials have ended (their children flush and end them after the
    SIGINT), so the parent run ends after its children."""
    pending = [r.run_id for r in sweep.records.values() if r.stopped and r.run_id
               and not r.run_id.startswith("offline-")]
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        try:
            pending = [run_id for run_id in pending if sweep.client.get_run(run_id).info.status == "RUNNING"]
        except Exception:   # the store is away: the runs end on their own
            return
        if pending:
            time.sleep(0.5)


def _settle_stopped(sweep):
    """Tag the runs of the trials ASHA stopped, once they have ended. A trial whose script logged its
    last point and ended before the stop reached it (Tune reads results behind the script) ended
    its run as FINISHED: it counts as finished, untagged."""
    for record in sweep.records.values():
        stop = record.stop
        if stop is None or not record.run_id or record.run_id.startswith("offline-"):
            continue
        try:
            status = sweep.client.get_run(record.run_id).info.status
            if status == "FINISHED":
                record.stopped, record.returncode = "", 0
                print(f"trial {record.index}/{sweep.total} had finished before ASHA's stop reached it: "
                      f"counted as finished", flush=True)
                continue
            value = stop.get(sweep.metric)
            sweep.client.set_tag(record.run_id, STOPPED_TAG,
                                 f"by ASHA at step {stop.get('step')}: {sweep.metric}={value!r} was below "
                                 f"the rung's cutoff ({sweep.mode} is best)")
        except Exception as exc:   # the sweep goes on; the table on its run says it too
            print(f"  could not tag run {record.run_id} as stopped early: {exc}", file=sys.stderr)
