"""Cases for wb.debugging's check_numerics op (an identity that also checks its gradient)."""

import workbench as wb
import workbench.debugging  # noqa: F401 - registers the check_numerics op

from . import Case, uniform

CASES = [
    Case("check_numerics", lambda x: wb.debugging.check_numerics(x * x, "x squared") * x,
         [uniform(-1, 1, (2, 3), 31)]),
]
