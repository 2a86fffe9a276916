"""Shared shell of the kernels of ``||x - y|| / length_scale`` scaled by an amplitude:
ExponentiatedQuadratic, the Materns, GeneralizedMatern, RationalQuadratic, ExpSinSquared,
Parabolic. Each declares its parameters as properties and keeps only its own formula."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel


def parameter(name):
    """A read-only property for the kernel parameter ``name`` (None where it was not given)."""
    return property(lambda self: self._params[name], doc=f"The `{name}` parameter (None: its default).")


def safe_norm(d2):
    """``sqrt(d2)`` whose gradient is 0 (not NaN) where ``d2`` is 0 (the diagonal of a matrix)."""
    pos = d2 > 0
    return wb.where(pos, wb.sqrt(wb.where(pos, d2, wb.ones_like(d2))), wb.zeros_like(d2))


class AmplitudeLengthScaleKernel(PositiveSemidefiniteKernel):
    """A kernel with ``amplitude`` and ``length_scale`` (and, where ``_inverse_length_scale`` is
    True, TFP's alternative ``inverse_length_scale``); None means 1 for each."""

    amplitude = parameter("amplitude")
    length_scale = parameter("length_scale")
    _inverse_length_scale = False

    def _init_kernel(self, feature_ndims, name, validate_args, parameters, **params):
        """The base class's ``__init__`` and ``_init_params``, with ``amplitude``, ``length_scale``
        and any scale-like parameter checked positive."""
        if params.get("length_scale") is not None and params.get("inverse_length_scale") is not None:
            raise ValueError(f"{type(self).__name__}: give `length_scale` or `inverse_length_scale`, not both")
        PositiveSemidefiniteKernel.__init__(self, feature_ndims, None, name or type(self).__name__, validate_args,
                                            parameters)
        self._init_params(params, positive=tuple(k for k in params if k != "inverse_length_scale"))

    def _length_scale(self, example_ndims):
        """The length scale, from ``length_scale`` or ``inverse_length_scale`` (None: 1)."""
        ls = self._param("length_scale", example_ndims)
        if ls is not None or not self._inverse_length_scale:
            return ls
        inv = self._param("inverse_length_scale", example_ndims)
        return None if inv is None else 1.0 / inv

    def _scaled_squared_distance(self, x1, x2, example_ndims):
        """``||x1 - x2||**2 / length_scale**2``."""
        d2 = self._squared_distance(x1, x2)
        ls = self._length_scale(example_ndims)
        return d2 if ls is None else d2 / wb.square(ls)

    def _scaled_distance(self, x1, x2, example_ndims):
        """``||x1 - x2|| / length_scale``, with a zero gradient where the points coincide."""
        r = safe_norm(self._squared_distance(x1, x2))
        ls = self._length_scale(example_ndims)
        return r if ls is None else r / ls

    def _amplified(self, out, example_ndims, squared=True):
        """``amplitude**2 * out`` (``squared=False``: ``amplitude * out``)."""
        amp = self._param("amplitude", example_ndims)
        if amp is None:
            return out
        return (wb.square(amp) if squared else amp) * out
