"""What ``run`` and ``sweep`` run: a bundled example or a script defining ``main(exp, params)``,
found by name or path, loaded without being run, and its ``PARAMS`` described for ``--help``."""

import argparse
import ast
import importlib
import importlib.util
import inspect
import io
import os
import pkgutil
import sys
import tokenize
from dataclasses import dataclass, field

from .. import examples as bundled_examples
from .common import CLIError
from .params import _BARE_WORD


def _examples():
    """Names of the bundled example modules (packages such as ``data`` and ``_private`` modules
    are not examples)."""
    return sorted(m.name for m in pkgutil.iter_modules(bundled_examples.__path__)
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
