"""The vector Deterministic distribution: all its mass at one point ``loc`` in ``R^k``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .deterministic import _BaseDeterministic
from .distribution import FULLY_REPARAMETERIZED

__all__ = ["VectorDeterministic"]


class VectorDeterministic(_BaseDeterministic):
    """``VectorDeterministic(loc, atol=None, rtol=None)``: a constant random vector equal to ``loc``
    ``[..., k]`` (event shape ``[k]``).

    ``prob(x)`` is 1 where ``|x - loc| <= atol + rtol * |loc|`` holds in every coordinate and 0 elsewhere
    (``atol`` and ``rtol`` broadcast against ``loc``, default 0), so ``log_prob`` is 0 or ``-inf``.
    Samples are ``loc`` (reparameterized), the variance and entropy are 0; ``KL(VectorDeterministic || q)``
    is ``-q.log_prob(loc)``. As TFP, there is no ``cdf`` or ``covariance``.

    >>> VectorDeterministic([0.0, 2.0]).log_prob([[0.0, 2.0], [0.0, 2.1]]).numpy()
    array([  0., -inf], dtype=float32)
    """

    _param_event_ndims = {"loc": 1, "atol": 1, "rtol": 1}

    def __init__(self, loc, atol=None, rtol=None, validate_args=False, allow_nan_stats=True,
                 name="VectorDeterministic"):
        parameters = dict(locals())
        owner = "VectorDeterministic"
        dtype = internal.common_dtype([loc, atol, rtol])
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        if self._loc.ndim < 1:
            raise ValueError("VectorDeterministic: argument `loc` must be at least rank 1 ([..., k]), got a scalar")
        self._atol = self._tolerance(atol, "atol", dtype)
        self._rtol = self._tolerance(rtol, "rtol", dtype)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # loc, atol and rtol must broadcast: fail here, naming their shapes
        internal.broadcast_shapes(tuple(self._loc.shape[-1:]), tuple(self._atol.shape[-1:]),
                                  tuple(self._rtol.shape[-1:]))

    def _tolerance(self, value, name, dtype):
        t = internal.as_param(0.0 if value is None else value, name, dtype, "VectorDeterministic")
        return wb.reshape(t, (1,)) if t.ndim == 0 else t   # a scalar tolerance applies to every coordinate

    def _event_shape(self):
        return (int(self._loc.shape[-1]),)

    def _sample_n(self, n, seed):
        full = self._loc + wb.zeros_like(self._slack())
        return wb.broadcast_to(full, (n,) + tuple(self.batch_shape) + tuple(self.event_shape))

    def _prob(self, x):
        return wb.cast(wb.reduce_all(wb.abs(x - self._loc) <= self._slack(), axis=-1), self.dtype)
