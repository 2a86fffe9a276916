"""Invert: a bijector with forward and inverse swapped."""

from ._structured import is_structured
from .bijector import Bijector

__all__ = ["Invert"]


class Invert(Bijector):
    """``Invert(b).forward == b.inverse`` and ``Invert(b).inverse == b.forward``.

    >>> Invert(Exp()).forward(wb.constant(1.0)).numpy()   # log(1)
    0.0
    """

    def __init__(self, bijector, validate_args=False, name=None):
        parameters = dict(locals())
        if not isinstance(bijector, Bijector):
            raise TypeError(f"Invert: `bijector` must be a Bijector, got {type(bijector).__name__}")
        self._bijector = bijector
        super().__init__(forward_min_event_ndims=bijector.inverse_min_event_ndims,
                         inverse_min_event_ndims=bijector.forward_min_event_ndims,
                         is_constant_jacobian=bijector.is_constant_jacobian, validate_args=validate_args,
                         dtype=bijector.dtype, parameters=parameters, name=name or "invert_" + bijector.name)

    @property
    def bijector(self):
        return self._bijector

    def _forward(self, x):
        return self._bijector.inverse(x)

    def _inverse(self, y):
        return self._bijector.forward(y)

    def _fldj_reduced(self, x, ev):
        return self._bijector.inverse_log_det_jacobian(x, event_ndims=ev)

    def _ildj_reduced(self, y, ev):
        return self._bijector.forward_log_det_jacobian(y, event_ndims=ev)

    def _forward_event_shape(self, shape):
        return self._bijector.inverse_event_shape(shape)

    def _inverse_event_shape(self, shape):
        return self._bijector.forward_event_shape(shape)

    def experimental_batch_shape(self, x_event_ndims=None):
        ev = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        return self._bijector.experimental_batch_shape(self.forward_event_ndims(ev))

    def _is_increasing(self):
        return self._bijector._is_increasing()

    # a bijector over structures (Restructure, JointMap, ...) takes and gives structures, which the
    # tensor path cannot convert: its inverse is called as it is
    def forward(self, x, name=None):
        if is_structured(self._bijector):
            return self._bijector.inverse(x)
        return super().forward(x, name=name)

    def inverse(self, y, name=None):
        if is_structured(self._bijector):
            return self._bijector.forward(y)
        return super().inverse(y, name=name)

    def forward_log_det_jacobian(self, x, event_ndims=None, name=None):
        if is_structured(self._bijector):
            return self._bijector.inverse_log_det_jacobian(x, event_ndims=event_ndims)
        return super().forward_log_det_jacobian(x, event_ndims=event_ndims, name=name)

    def inverse_log_det_jacobian(self, y, event_ndims=None, name=None):
        if is_structured(self._bijector):
            return self._bijector.forward_log_det_jacobian(y, event_ndims=event_ndims)
        return super().inverse_log_det_jacobian(y, event_ndims=event_ndims, name=name)

    def forward_event_shape(self, input_shape):
        if is_structured(self._bijector):
            return self._bijector.inverse_event_shape(input_shape)
        return super().forward_event_shape(input_shape)

    def inverse_event_shape(self, output_shape):
        if is_structured(self._bijector):
            return self._bijector.forward_event_shape(output_shape)
        return super().inverse_event_shape(output_shape)

    def forward_event_ndims(self, event_ndims):
        if is_structured(self._bijector):
            return self._bijector.inverse_event_ndims(event_ndims)
        return super().forward_event_ndims(event_ndims)

    def inverse_event_ndims(self, event_ndims):
        if is_structured(self._bijector):
            return self._bijector.forward_event_ndims(event_ndims)
        return super().inverse_event_ndims(event_ndims)
