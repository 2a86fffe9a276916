"""Log: ``y = log(x)``, the inverse of Exp."""

from .exp import Exp
from .invert import Invert

__all__ = ["Log"]


class Log(Invert):
    """``y = log(x)`` for ``x > 0``; ``log|dy/dx| = -log(x)``.

    >>> Log().forward(wb.constant(1.0)).numpy()
    0.0
    """

    def __init__(self, validate_args=False, name="log"):
        super().__init__(Exp(validate_args=validate_args), validate_args=validate_args, name=name)
        self._parameters = {"validate_args": validate_args, "name": name}
