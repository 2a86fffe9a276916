"""The ``workbench`` command line.

::

    workbench run digits_classifier -p epochs=10      # a bundled example or a script defining main(exp, params)
    workbench sweep train.py -p lr=0.1,0.01 -p layers=1,2 --parallel 2
    workbench runs --sort val/accuracy                # a table of runs from MLflow
    workbench compare 3f2a9c 81be07                   # params and metrics side by side
    workbench ui                                      # TensorBoard and the MLflow UI on loopback
    workbench sync                                    # send what an unreachable server missed
    workbench examples                                # the bundled examples
    workbench devices                                 # the CPU and the GPUs this process can use

MLflow, TensorBoard and the experiment machinery are imported only by the
commands that need them, so ``workbench examples`` answers at once.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import io
import os
import pkgutil
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tokenize
from dataclasses import dataclass, field

PARENT_ENV = "WORKBENCH_PARENT_RUN_ID"   # set by `workbench sweep` for its trials
EXTRA_HINT = "pip install 'research-workbench[tracking]'"


class CLIError(Exception):
    """A problem the user can fix; printed as one line, exit status ``code``."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


# -- what to run -----------------------------------------------------------------------------
def _examples():
    """Names of the bundled example modules (packages such as ``data`` and ``_private`` modules
    are not examples)."""
    from . import examples
    return sorted(m.name for m in pkgutil.iter_modules(examples.__path__)
                  if not m.ispkg and not m.name.startswith("_"))


@dataclass
class Target:
    """A runnable thing: a bundled example or a script file."""
    spec: str                    # what a child process is given to run the same thing
    name: str                    # default experiment name
    path: str | None = None      # the script file (None for an example)
    module: object = None
    defaults: dict = field(default_factory=dict)

    @property
    def main(self):
        return getattr(self.module, "main", None)


def _example_name(text):
    """``digits_classifier``, ``examples/digits_classifier(.py)`` or
    ``workbench.examples.digits_classifier`` -> the example's name, else None."""
    name = text
    for prefix in ("workbench.examples.", "workbench/examples/", "examples/", "examples."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    name = name[:-3] if name.endswith(".py") else name
    return name if name in _examples() else None


def resolve_target(text):
    """Find ``text`` as a script file or a bundled example, and load it (without running it)."""
    if os.path.isfile(text):
        return _load_script(text)
    name = _example_name(text)
    if name is not None:
        module = importlib.import_module(f"workbench.examples.{name}")
        return Target(spec=name, name=name, module=module, defaults=dict(getattr(module, "PARAMS", {})))
    if text.endswith(".py") or os.sep in text or (os.altsep and os.altsep in text):
        raise CLIError(f"no script at {text!r} (looked in {os.getcwd()})")
    raise CLIError(f"no bundled example or script named {text!r}; the examples are: "
                   f"{', '.join(_examples())} (`workbench examples` describes them)")


def _top_level(tree):
    """Names a module defines at top level, and whether it mentions ``Experiment`` anywhere."""
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    uses_experiment = any((isinstance(n, ast.Attribute) and n.attr == "Experiment")
                          or (isinstance(n, ast.Name) and n.id == "Experiment") for n in ast.walk(tree))
    return defined, uses_experiment


def _load_script(path):
    path = os.path.abspath(path)
    name = os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise CLIError(f"{path} is not valid Python: {exc.msg} (line {exc.lineno})") from None
    defined, uses_experiment = _top_level(tree)
    if "main" not in defined:
        if uses_experiment:
            return Target(spec=path, name=name, path=path)  # it opens its own wb.Experiment
        raise CLIError(f"{path} defines no main(exp, params) and does not use wb.Experiment itself; "
                       "add `def main(exp, params):` (and a PARAMS dict of defaults for -p)")
    # imported under its own name, as `python script.py` would see its folder on sys.path
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(f"workbench_script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "main", None)):
        raise CLIError(f"{path}: main is not a function")
    defaults = getattr(module, "PARAMS", {})
    if not isinstance(defaults, dict):
        raise CLIError(f"{path}: PARAMS must be a dict of default parameters, got {type(defaults).__name__}")
    return Target(spec=path, name=name, path=path, module=module, defaults=dict(defaults))


def _param_notes(source):
    """``{key: comment}`` for the keys of a top-level ``PARAMS = {...}`` literal whose line ends
    with a ``# comment`` (the examples document their parameters that way)."""
    try:
        tree = ast.parse(source)
        comments = {tok.start[0]: tok.string.lstrip("#").strip()
                    for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                    if tok.type == tokenize.COMMENT}
    except (SyntaxError, tokenize.TokenError, IndentationError):
        return {}
    notes = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PARAMS" for t in node.targets)
                and isinstance(node.value, ast.Dict)):
            ends = [v.end_lineno for v in node.value.values]
            for key, end in zip(node.value.keys, ends):
                if isinstance(key, ast.Constant) and ends.count(end) == 1 and end in comments:
                    notes[key.value] = comments[end]
    return notes


def _static_params(path):
    """The ``PARAMS`` literal of a script, read without running it (``{}`` when it has none or
    it is not a literal)."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PARAMS" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError):
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def _shown_value(value):
    """A default as it would be written after ``-p key=`` (bare words unquoted)."""
    if isinstance(value, str) and _BARE_WORD.fullmatch(value):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def describe_params(text):
    """The help text that lists the parameters of the example or script ``text`` with their
    defaults (and, for the examples, what they mean). A script is read, not run."""
    if os.path.isfile(text):
        path = os.path.abspath(text)
        defaults, what = _static_params(path), path
    else:
        name = _example_name(text)
        if name is None:
            resolve_target(text)  # raises the error that names the examples
        module = importlib.import_module(f"workbench.examples.{name}")
        path, defaults = module.__file__, dict(getattr(module, "PARAMS", {}))
        first = (module.__doc__ or "").strip().splitlines()
        what = f"{name}: {first[0]}" if first else name
    try:
        with open(path, encoding="utf-8") as f:
            notes = _param_notes(f.read())
    except OSError:
        notes = {}
    if not defaults:
        return (f"{what}\n\nno PARAMS dict of defaults: -p takes any key=value, passed to "
                "main(exp, params)")
    width = max(len(k) for k in defaults) + 2
    shown = {k: _shown_value(v) for k, v in defaults.items()}
    value_width = min(max(len(v) for v in shown.values()) + 2, 24)
    lines = [what, "", "parameters (-p KEY=VALUE; the defaults shown):"]
    for key, value in defaults.items():
        line = f"  {key:<{width}}{shown[key]:<{value_width}}"
        if key in notes:
            line += notes[key]
        lines.append(line.rstrip())
    return "\n".join(lines)


class _HelpWithParams(argparse.Action):
    """``-h``/``--help`` of ``run`` and ``sweep``: after the usage, the parameters of the script
    or example named before it (``workbench run digits_classifier --help``)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        parser.print_help()
        script = getattr(namespace, "script", None)
        if script is None:
            print(f"\n`{parser.prog} NAME --help` lists the parameters of an example or script")
            parser.exit()
        try:
            text = describe_params(script)
        except CLIError as exc:
            parser.exit(2, f"\n{parser.prog}: {exc}\n")
        print("\n" + text)
        parser.exit()


def _check_main_signature(target):
    try:
        inspect.signature(target.main).bind(None, {})
    except TypeError:
        where = target.path or f"workbench.examples.{target.name}"
        raise CLIError(f"{where}: main must take two arguments, main(exp, params); "
                       f"it is main{inspect.signature(target.main)}") from None


# -- -p key=value ------------------------------------------------------------------------------
_BARE_WORD = re.compile(r"[A-Za-z_][\w.\-/:+]*")


def _split_assignment(text):
    if "=" not in text:
        raise CLIError(f"-p {text!r}: expected key=value, e.g. -p learning_rate=0.01")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key.isidentifier():
        raise CLIError(f"-p {text!r}: {key!r} is not a parameter name (letters, digits and _)")
    if raw == "":
        raise CLIError(f"-p {key}=: the value for {key!r} is empty")
    return key, raw


def parse_value(key, raw):
    """A ``-p`` value as a Python literal; ``true``/``false``/``none`` and bare words
    (``adam``, ``relu``) are accepted unquoted.

    >>> parse_value("lr", "1e-3"), parse_value("opt", "adam"), parse_value("sizes", "[8, 16]")
    (0.001, 'adam', [8, 16])
    """
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    if _BARE_WORD.fullmatch(raw):
        return raw
    raise CLIError(f"-p {key}={raw}: {raw!r} is not a value for {key!r}: write a Python literal "
                   f"(an int, float, bool, quoted string or list), e.g. -p {key}=0.01 or -p {key}=\"'a b'\"")


def coerce(key, value, raw, defaults, where):
    """Check ``value`` against the default's type (ints widen to floats; a str default takes the
    text as written). Scripts without ``PARAMS`` take any key."""
    if not defaults:
        return value
    if key not in defaults:
        raise CLIError(f"-p {key}={raw}: {where} has no parameter {key!r}; its parameters are: "
                       f"{', '.join(sorted(defaults))}")
    default = defaults[key]
    if default is None or value is None:
        return value

    def wrong(expected):
        return CLIError(f"-p {key}={raw}: expected {expected} for {key!r} (the default is {default!r}), "
                        f"got {type(value).__name__} {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong("an integer")
        return value
    if isinstance(default, float):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise wrong("a number")
        return float(value)
    if isinstance(default, str):
        return value if isinstance(value, str) else raw
    if isinstance(default, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            raise wrong("a list")
        return type(default)(value)
    if isinstance(default, dict) and not isinstance(value, dict):
        raise wrong("a dict")
    return value


def parse_params(assignments, target):
    """``-p`` assignments -> the script's defaults updated with the parsed values."""
    where = target.path or f"the example {target.name!r}"
    params = dict(target.defaults)
    for text in assignments or ():
        key, raw = _split_assignment(text)
        params[key] = coerce(key, parse_value(key, raw), raw, target.defaults, where)
    return params


# -- tracking packages -----------------------------------------------------------------------
def _require(module, what):
    if importlib.util.find_spec(module) is None:
        raise CLIError(f"{what} needs the {module!r} package, which is not installed: {EXTRA_HINT}")


def _tracking():
    _require("mlflow", "MLflow tracking")
    from . import tracking
    return tracking


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


# -- run -----------------------------------------------------------------------------------------
def _experiment_class():
    _require("mlflow", "workbench run")
    _require("tensorboard", "workbench run")
    from .experiment import Experiment
    return Experiment


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
    if last:
        print("workbench: last values: " + ", ".join(f"{k}={_cell(v)}" for k, v in sorted(last.items())),
              flush=True)
    print(f"workbench: run {exp.run_name} ({exp.run_id}) finished; `workbench ui` shows it", flush=True)
    return result


def _cmd_run(args):
    target = resolve_target(args.script)
    if target.main is None:
        if args.param:
            raise CLIError(f"{target.path} has no main(exp, params), so -p cannot set its parameters; "
                           "define main(exp, params) and PARAMS")
        import runpy
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


# -- sweep ---------------------------------------------------------------------------------------
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


def sweep_space(assignments, target):
    """``-p key=v1,v2`` assignments -> ``{key: [values]}`` checked against the defaults."""
    where = target.path or f"the example {target.name!r}"
    space = {}
    for text in assignments or ():
        key, raw = _split_assignment(text)
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
        import numpy as np
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


class _Stop(KeyboardInterrupt):
    """SIGTERM, turned into an exception so cleanup runs in the main thread."""


def _raise_stop(signum, frame):
    raise _Stop()


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _reap_orphans():
    """Collect exited descendants handed to us as their subreaper (see :func:`_become_subreaper`)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_subreaper():
    """On Linux, adopt the orphans of our children (a server's helper processes whose parent
    died first), so that stopping a process group can also reap them instead of leaving
    zombies for an init that may never collect them. Elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _stop_process_group(proc, first=None, grace=10.0):
    """Signal ``proc``'s process group (``first``, default SIGTERM), then SIGKILL what is left
    after ``grace`` seconds, and wait until the group is empty."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, first or signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # any helper that outlived the leader
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait()
    deadline = time.time() + 5.0
    while _group_alive(proc.pid) and time.time() < deadline:
        _reap_orphans()
        time.sleep(0.05)


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


def _format_params(params):
    return " ".join(f"{k}={v!r}" for k, v in params.items())


def _start_trial(trial, target, args, parent_run_name, env, total):
    cmd = [sys.executable, "-m", "workbench.cli", "run", target.spec,
           "--experiment", args.experiment or target.name,
           "--run-name", f"{parent_run_name}-{trial.index}", "--logdir", args.logdir]
    if args.tracking_uri:
        cmd += ["--tracking-uri", args.tracking_uri]
    for key, value in trial.params.items():
        cmd += ["-p", f"{key}={value!r}"]
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
    found = re.findall(r"workbench: run \S+ \(((?:offline-)?[0-9a-f]{32})\)", output)
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
    space = sweep_space(args.param, target)
    if not space:
        raise CLIError("nothing to sweep: give choices with -p, e.g. -p learning_rate=0.1,0.01")
    if args.random is not None and args.random < 1:
        raise CLIError(f"--random {args.random}: give the number of trials to draw (1 or more)")
    trials = sweep_trials(space, args.random, args.seed)
    Experiment = _experiment_class()
    kind = "grid" if args.random is None else f"random({len(trials)}, seed={args.seed})"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # the space goes into tags, so `workbench runs` shows the trials' params, not the parent's
    tags = {f"workbench.sweep.{k}": ",".join(repr(v) for v in vs) for k, vs in space.items()}
    tags.update({"workbench.sweep": kind, "workbench.target": target.spec})
    parent = Experiment(name=args.experiment or target.name, run_name=f"{target.name}-sweep-{stamp}",
                        params={}, tracking_uri=args.tracking_uri, logdir=args.logdir, tags=tags,
                        system_metrics=False)
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        with parent:
            print(f"workbench: sweep {parent.run_name} ({parent.run_id}): {len(trials)} {kind} trials, "
                  f"{max(1, args.parallel)} at a time", flush=True)
            folder = os.path.join(parent.logdir, "trial-logs")
            os.makedirs(folder, exist_ok=True)
            env = dict(os.environ, **{PARENT_ENV: parent.run_id, "WORKBENCH_TRACKING_URI": _child_uri(args, parent)})
            records = [_Trial(i + 1, p, os.path.join(folder, f"trial-{i + 1}.log")) for i, p in enumerate(trials)]
            try:
                _run_trials(records, target, args, parent.run_name, env)
            finally:
                finished = [t for t in records if t.returncode is not None]
                parent.log_metrics({"trials_finished": sum(t.returncode == 0 for t in finished),
                                    "trials_failed": sum(t.returncode != 0 for t in finished)}, step=0)
                parent.log_text("trials", _trials_markdown(records), step=0)
                for trial in finished:
                    parent.log_artifact(trial.log_path)
    except _Stop:
        return 143
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [t for t in records if t.returncode != 0]
    print(f"workbench: sweep {parent.run_name}: {len(records) - len(failed)} of {len(records)} trials "
          f"finished; `workbench runs --experiment {args.experiment or target.name}` lists them", flush=True)
    return 1 if failed else 0


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
        if t.returncode is None:
            status = "not run"
        else:
            status = "finished" if t.returncode == 0 else f"failed ({t.returncode})"
        lines.append(f"| {t.index} | {_format_params(t.params)} | {status} | {t.seconds:.1f} | {t.run_id or ''} |")
    return "\n".join(lines)


# -- runs and compare -----------------------------------------------------------------------------
def _cell(value, width=48):
    if isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = "" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def _elide(text, width):
    """``text`` cut to ``width`` characters in the middle, where run names differ least
    (``digits_cl…-20261206-0304``)."""
    if len(text) <= width:
        return text
    if width < 2:
        return text[:width]
    tail = (width - 1) // 2
    return text[:width - 1 - tail] + "…" + (text[-tail:] if tail else "")


def _fit_columns(natural, minimum, priority, width):
    """``(kept column indexes, their widths)`` so that the kept columns, two spaces apart, fit in
    ``width``: the widest columns are elided first (down to ``minimum``), then the columns last in
    ``priority`` are left out (the first one always stays)."""
    kept = list(range(len(natural)))
    dropping = [i for i in reversed(priority) if i != priority[0]]
    while True:
        widths = {i: natural[i] for i in kept}
        excess = sum(widths.values()) + 2 * (len(kept) - 1) - width
        slack = sum(widths[i] - min(minimum[i], natural[i]) for i in kept)
        if excess <= 0:
            return kept, widths
        if excess <= slack or not dropping:
            while excess > 0:
                i = max((i for i in kept if widths[i] > minimum[i]), key=lambda i: widths[i], default=None)
                if i is None:
                    break  # even the minimums do not fit: lines are cut at the width
                widths[i] -= 1
                excess -= 1
            return kept, widths
        kept.remove(dropping.pop(0))


def format_table(headers, rows, width=None, minimum=None, priority=None, hint=None):
    """A plain-text table with a rule under the header row.

    With ``width`` (characters; None or 0: no limit), every line fits: long cells are elided
    in the middle with ``…`` down to ``minimum[i]`` characters (default: the header's length, at least 8),
    then the columns last in ``priority`` (column indexes, most important first; default left
    to right) are left out, and a note under the table names them (with ``hint``, how to see
    them).
    """
    cells = [[_cell(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    natural = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    kept, widths = list(range(len(headers))), dict(enumerate(natural))
    if width:
        minimum = minimum or [max(len(c), 8) for c in cells[0]]
        kept, widths = _fit_columns(natural, minimum, list(priority or range(len(headers))), width)
    lines = ["  ".join(_elide(row[i], widths[i]).ljust(widths[i]) for i in kept).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * widths[i] for i in kept))
    if width:
        lines = [line[:width] for line in lines]
        left_out = [cells[0][i] for i in range(len(headers)) if i not in kept]
        if left_out:
            note = f"not shown ({len(left_out)} more columns): {', '.join(left_out)}"
            lines += textwrap.wrap(note + (f"; {hint}" if hint else ""), width)
    return "\n".join(lines)


def terminal_width(requested=None):
    """Characters per line for tables: ``requested`` if given (0: no limit), else ``COLUMNS`` or
    the terminal's width, else no limit (output to a pipe or a file keeps whole lines)."""
    if requested is not None:
        if requested < 0:
            raise CLIError(f"--width {requested}: expected a number of characters (0: no limit)")
        return requested
    return shutil.get_terminal_size(fallback=(0, 0)).columns


def _wrap(text, width):
    return "\n".join(textwrap.wrap(text, width)) if width else text


def _last_and_best(metrics, key):
    """``0.9805 (0.9861)``: a metric's last value and, where it differs, its ``best_`` value."""
    last, best = metrics.get(key), metrics.get(f"best_{key}")
    if last is None:
        return None
    if best is None or best == last:
        return f"{last:.4g}"
    return f"{last:.4g} ({best:.4g})"


def _is_system(metric):
    return metric.startswith("system/")


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
        from .tracking import best  # the CLI imports tracking only for the commands that use it
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


# -- ui --------------------------------------------------------------------------------------
def _free_port():
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port):
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class _Service:
    """A child server in its own process group, its output kept (last lines) by a reader thread."""

    def __init__(self, label, cmd, env=None):
        import collections
        import threading
        self.label, self.url = label, None
        self.lines = collections.deque(maxlen=60)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     errors="replace", env=env, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def tail(self):
        return "\n".join("    " + ln for ln in list(self.lines)[-15:])

    def stop(self):
        _stop_process_group(self.proc, grace=5.0)


def _wait_ready(services, timeout):
    """Wait until every service has a URL (TensorBoard prints it; the MLflow UI answers
    ``/health``); raise CLIError if one exits or the time runs out."""
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        for s in services:
            if s.proc.poll() is not None:
                raise CLIError(f"{s.label} exited (status {s.proc.returncode}) before it was ready:\n{s.tail()}",
                               code=1)
            if s.url is None and s.label == "TensorBoard":
                for line in list(s.lines):
                    found = re.search(r"TensorBoard \S+ at (http://\S+?)/? ", line + " ")
                    if found:
                        s.url = found.group(1).rstrip("/") + "/"
            elif s.url is None and s.label == "MLflow UI":
                try:
                    with urllib.request.urlopen(f"{s.pending_url}health", timeout=1) as r:
                        r.read()
                    s.url = s.pending_url
                except OSError:
                    pass
        if all(s.url for s in services):
            return
        time.sleep(0.2)
    waiting = [s for s in services if not s.url]
    raise CLIError("timed out waiting for " + " and ".join(s.label for s in waiting) + ":\n"
                   + "\n".join(s.tail() for s in waiting), code=1)


def _cmd_ui(args):
    _require("tensorboard", "workbench ui")
    _require("mlflow", "workbench ui")
    tracking = _tracking()
    uri = tracking.resolve_tracking_uri(args.tracking_uri)
    logdir = os.path.abspath(args.logdir)
    if not os.path.isdir(logdir):
        print(f"note: {args.logdir}/ does not exist yet; TensorBoard shows runs once one writes there",
              flush=True)
    services = []
    _become_subreaper()
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        tb = _Service("TensorBoard", [sys.executable, "-m", "tensorboard.main", "--logdir", logdir,
                                      "--host", "127.0.0.1", "--port", str(args.port_tb),
                                      # scalars=0 would mean "all" but returns no points with the fast loader
                                      "--samples_per_plugin", "scalars=100000"])
        services.append(tb)
        if tracking.is_remote(uri):
            remote = uri
        else:
            remote = None
            port = args.port_mlflow
            if port is None:
                port = 5000 if _port_free(5000) else _free_port()
            elif port == 0:
                port = _free_port()
            env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
            ml = _Service("MLflow UI", [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri,
                                        "--host", "127.0.0.1", "--port", str(port), "--workers", "1"], env=env)
            ml.pending_url = f"http://127.0.0.1:{port}/"
            services.append(ml)
        _wait_ready(services, args.timeout)
        print(f"TensorBoard  {tb.url}  (logs in {logdir}; pid {tb.proc.pid})", flush=True)
        if remote:
            print(f"MLflow UI    {remote}/  (the tracking server; not started here)", flush=True)
        else:
            print(f"MLflow UI    {ml.url}  (store {uri}; pid {ml.proc.pid})", flush=True)
        print("Press Ctrl-C to stop both.", flush=True)
        while True:
            for s in services:
                if s.proc.poll() is not None:
                    raise CLIError(f"{s.label} stopped (status {s.proc.returncode}):\n{s.tail()}", code=1)
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stop):
        print("stopping...", flush=True)
        return 0
    finally:
        for s in services:
            s.stop()
        signal.signal(signal.SIGTERM, previous)


# -- sync, examples, devices -------------------------------------------------------------------
def _cmd_sync(args):
    tracking = _tracking()
    try:
        results = tracking.sync(args.path, logdir=args.logdir, upload=args.upload or ())
    except FileNotFoundError as exc:
        raise CLIError(str(exc)) from None
    if not results:
        where = args.path or f"{args.logdir}/"
        print(f"nothing to sync: no unsent tracking data in {where}")
        return 0
    failed = 0
    for r in results:
        if r["error"]:
            failed += 1
            print(f"{r['path']}: not sent ({r['error']}); it stays for the next `workbench sync`")
        elif r.get("provisional_id"):
            print(f"{r['path']}: created run {r['run_id']} (started offline as {r['provisional_id']}) "
                  f"and sent {r['sent']} item(s)")
        else:
            print(f"{r['path']}: sent {r['sent']} item(s) to run {r['run_id']}")
    return 1 if failed else 0


def _cmd_examples(args):
    for name in _examples():
        mod = importlib.import_module(f"workbench.examples.{name}")
        first = (mod.__doc__ or "").strip().splitlines()[0] if mod.__doc__ else ""
        print(f"{name:20s} {first}")
    print("\nrun one with: workbench run NAME [-p key=value ...]")
    return 0


def _cmd_devices(args):
    from . import backend
    for d in backend.list_devices():
        print(d)
    return 0


# -- the parser ---------------------------------------------------------------------------------
def _add_run_options(p, sweep=False):
    if sweep:
        p.add_argument("-p", "--param", action="append", metavar="KEY=V1,V2,...",
                       help="the values to try for a parameter, comma-separated Python literals "
                            "(repeat for several parameters)")
    else:
        p.add_argument("-p", "--param", action="append", metavar="KEY=VALUE",
                       help="set a parameter (a Python literal; repeat for several)")
    p.add_argument("--experiment", help="MLflow experiment name (default: the script's name)")
    p.add_argument("--logdir", default="runs", help="TensorBoard log folder (default: runs)")
    p.add_argument("--tracking-uri", help="MLflow store (default: WORKBENCH_TRACKING_URI, "
                                          "MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="workbench", description="research-workbench command line",
        epilog="examples:\n" + __doc__.split("::", 1)[1].split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run a bundled example or a script with main(exp, params)", add_help=False)
    p.add_argument("-h", "--help", action=_HelpWithParams,
                   help="show this help and, after NAME, its parameters and their defaults")
    p.add_argument("script", help="example name (see `workbench examples`) or a path to a script")
    _add_run_options(p)
    p.add_argument("--run-name", help="the run's name (default: <name>-<timestamp>)")
    p.add_argument("--resume", metavar="RUN_ID",
                   help="continue an earlier run: its steps, checkpoints and MLflow run")
    p.set_defaults(fn=_cmd_run)

    p = sub.add_parser("sweep", help="run a script once per combination of parameters (grid or random)",
                       add_help=False)
    p.add_argument("-h", "--help", action=_HelpWithParams,
                   help="show this help and, after NAME, its parameters and their defaults")
    p.add_argument("script", help="example name or a path to a script with main(exp, params)")
    _add_run_options(p, sweep=True)
    p.add_argument("--random", type=int, metavar="N", help="draw N distinct combinations instead of the full grid")
    p.add_argument("--seed", type=int, default=0, help="seed of the random draw (default 0)")
    p.add_argument("--parallel", type=int, default=1, metavar="N", help="trials run at once (default 1)")
    p.set_defaults(fn=_cmd_sweep)

    p = sub.add_parser("runs", help="a table of runs from MLflow")
    p.add_argument("--experiment", help="only this experiment (default: all)")
    p.add_argument("--sort", metavar="METRIC", help="order by this metric's last value")
    p.add_argument("--order", choices=("auto", "asc", "desc"), default="auto",
                   help="auto: ascending for losses and errors, else descending")
    p.add_argument("--limit", type=int, default=20, help="at most this many runs (default 20)")
    p.add_argument("--width", type=int, metavar="N",
                   help="characters per line (default: COLUMNS or the terminal's width; 0: no limit)")
    p.add_argument("--tracking-uri", help="MLflow store (default as for `workbench run`)")
    p.set_defaults(fn=_cmd_runs)

    p = sub.add_parser("compare", help="params and metrics of runs side by side")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run id, unique id prefix, or run name")
    p.add_argument("--system", action="store_true", help="include system metrics")
    p.add_argument("--tracking-uri", help="MLflow store (default as for `workbench run`)")
    p.set_defaults(fn=_cmd_compare)

    p = sub.add_parser("ui", help="start TensorBoard and the MLflow UI on loopback")
    p.add_argument("--logdir", default="runs", help="TensorBoard log folder (default: runs)")
    p.add_argument("--port-tb", type=int, default=0, help="TensorBoard port (default 0: any free port)")
    p.add_argument("--port-mlflow", type=int, default=None,
                   help="MLflow UI port (default 5000, or a free one if 5000 is taken; 0: any free port)")
    p.add_argument("--tracking-uri", help="MLflow store (default as for `workbench run`)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for both to start")
    p.set_defaults(fn=_cmd_ui)

    p = sub.add_parser("sync", help="send tracking data that an unreachable server missed, creating "
                                    "runs that started offline")
    p.add_argument("path", nargs="?",
                   help="a spill file, run folder, log folder or run id (default: all under --logdir)")
    p.add_argument("--logdir", default="runs", help="where runs keep their logs (default: runs)")
    p.add_argument("--upload", action="append", metavar="PATH",
                   help="also upload this artifact, logged from outside its run's folder (repeat for several)")
    p.set_defaults(fn=_cmd_sync)

    sub.add_parser("examples", help="list the bundled examples").set_defaults(fn=_cmd_examples)
    sub.add_parser("devices", help="list the devices this process can use").set_defaults(fn=_cmd_devices)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args) or 0
    except CLIError as exc:
        print(f"workbench {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `workbench runs | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's flush does not fail again
        return 141


if __name__ == "__main__":
    sys.exit(main())
