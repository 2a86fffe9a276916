"""TF's ``tf.grad_pass_through``: a function whose gradient is the identity."""

from __future__ import annotations

import functools

from .custom import custom_gradient

__all__ = ["grad_pass_through"]


def grad_pass_through(f):
    """``f`` with its gradient replaced by the identity: ``grad_pass_through(f)(x)`` has the value
    ``f(x)``, and the output gradient flows to each tensor argument unchanged (so ``f(x)`` must
    have the shapes of its arguments). Variables that ``f`` reads get no gradient.

    >>> x = wb.Variable(3.0)
    >>> with wb.GradientTape() as tape:
    ...     y = wb.grad_pass_through(lambda a: a ** 2)(x)
    >>> float(y), float(tape.gradient(y, x))
    (9.0, 1.0)
    """
    if not callable(f):
        raise TypeError(f"grad_pass_through: f must be callable, got {type(f).__name__}")

    def forward(*args, **kwargs):
        def grad(*dys, variables=None):
            grads = dys[0] if len(dys) == 1 else list(dys)
            if variables:
                return grads, [None] * len(variables)
            return grads
        return f(*args, **kwargs), grad

    forward.__name__ = getattr(f, "__name__", "grad_pass_through")
    return functools.wraps(f)(custom_gradient(forward))
