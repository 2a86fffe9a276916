"""``wb.autograph``: TF's ``tf.autograph`` names, for a tracer that does not rewrite Python.

TF's AutoGraph rewrites a function's source so that ``if``/``while``/``for`` on tensors
become graph control flow. ``wb.function`` needs no rewrite: it records the ops one eager run
of the unchanged code takes, and runs the function eagerly for a signature whose Python
control flow reads tensor values (see ``workbench.compiler.api``). So here:

- ``to_code(f)`` is the source that runs: ``f``'s own (TF returns the rewritten source);
- ``to_graph(f)`` is ``f`` itself, which ``wb.function`` traces as it is;
- ``do_not_convert`` and ``experimental.do_not_convert`` return the function unchanged (there
  is nothing to turn off); ``set_verbosity`` keeps the level (``get_verbosity``); ``trace``
  prints its arguments, as TF's does in eager code.

>>> def f(x):
...     return x + 1
>>> print(wb.autograph.to_code(f))
def f(x):
    return x + 1
<BLANKLINE>
"""

from __future__ import annotations

import enum
import inspect
import textwrap
import types

__all__ = ["to_code", "to_graph", "do_not_convert", "set_verbosity", "get_verbosity", "trace",
           "experimental"]

_VERBOSITY = [0]


def _callable(entity, where):
    if not callable(entity):
        raise TypeError(f"autograph.{where}: entity must be a function, method or class, "
                        f"got {type(entity).__name__}")
    return getattr(entity, "python_function", entity)  # a wb.function: the Python it traces


def to_code(entity, recursive=True, experimental_optional_features=None) -> str:
    """The source code that runs for ``entity`` (its own source, dedented; a ``wb.function``'s
    Python function). ``OSError`` where Python cannot find the source (a lambda typed at a
    prompt, a built-in)."""
    fn = _callable(entity, "to_code")
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as e:
        raise OSError(f"autograph.to_code: the source of {entity!r} is not available: {e}") from None
    return textwrap.dedent(source)


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """``entity`` as ``wb.function`` traces it: unchanged (its Python function, for a
    ``wb.function``)."""
    return _callable(entity, "to_graph")


def do_not_convert(func=None):
    """``func`` unchanged (as a decorator too): ``wb.function`` never rewrites code."""
    if func is None:
        return do_not_convert
    return _callable(func, "do_not_convert")


def set_verbosity(level, alsologtostdout=False):
    """Keep AutoGraph's logging level (an int >= 0), as TF's ``set_verbosity``."""
    if isinstance(level, bool) or not isinstance(level, int) or level < 0:
        raise ValueError(f"autograph.set_verbosity: level must be an int >= 0, got {level!r}")
    _VERBOSITY[0] = level


def get_verbosity() -> int:
    return _VERBOSITY[0]


def trace(*args):
    """Print the arguments (TF's ``tf.autograph.trace`` in eager code)."""
    print(*args)


class Feature(enum.Enum):
    """TF's optional AutoGraph features (accepted, nothing to switch here)."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """TF's loop hints for AutoGraph's ``while_loop``; Python loops run as they are here."""


experimental = types.SimpleNamespace(do_not_convert=do_not_convert, Feature=Feature,
                                     set_loop_options=set_loop_options)
