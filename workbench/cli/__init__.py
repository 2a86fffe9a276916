"""The ``workbench`` command line (``workbench --help``; the parser and the command list are in
:mod:`workbench.cli.parser`), one module per command: ``run``, ``sweep``, ``runs`` (with
``compare``), ``ui``, ``sync``, ``examples``, ``devices``.

MLflow, TensorBoard and the experiment machinery are imported only by the commands that need
them, so ``workbench examples`` answers at once.
"""

from .common import CLIError, _tracking
from .params import coerce, parse_params, parse_value
from .parser import build_parser, main
from .sweep import _child_uri, _split_choices, sweep_space, sweep_trials
from .table import format_table, terminal_width
from .targets import _check_main_signature, _examples, describe_params, resolve_target

__all__ = ["CLIError", "build_parser", "coerce", "describe_params", "format_table", "main", "parse_params",
           "parse_value", "resolve_target", "sweep_space", "sweep_trials", "terminal_width"]
