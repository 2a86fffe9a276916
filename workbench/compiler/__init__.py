"""``wb.function``: trace a Python function once per input signature and replay it.

The package, in the order a call meets it: ``api`` (``function``, ``Function``), ``signature``
(the key a program is kept under), ``trace`` (the tracer that turns one eager run into
steps), ``planned`` (a first-order reverse walk as steps), ``program`` (the steps and how a
replay runs them), ``fusion`` (elementwise steps as one kernel) and ``cudagraph`` (a GPU
program as one CUDA graph).
"""

from .api import (Function, RetracingWarning, UnreplayableWarning, function, functions_run_eagerly,
                  run_functions_eagerly)
from .program import Program

__all__ = ["Function", "Program", "RetracingWarning", "UnreplayableWarning", "function",
           "functions_run_eagerly", "run_functions_eagerly"]
