"""AbsoluteValue: ``y = |x|``, a two-to-one map whose inverse gives both preimages."""

import workbench as wb

from .bijector import Bijector

__all__ = ["AbsoluteValue"]


class AbsoluteValue(Bijector):
    """``y = |x|``. Not injective: ``inverse(y)`` is the pair ``(-y, y)`` and
    ``inverse_log_det_jacobian(y)`` the pair of (zero) log-determinants of each branch;
    ``forward_log_det_jacobian`` does not exist, as in TFP.

    >>> [t.numpy() for t in AbsoluteValue().inverse(wb.constant(2.0))]
    [-2.0, 2.0]
    """

    _is_injective = False

    def __init__(self, validate_args=False, name="absolute_value"):
        parameters = dict(locals())
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=parameters, name=name)

    def _remember(self, inp, out, inp_table, out_table):
        pass   # |x| forgets the sign: no (x, y) pair to recall

    def _check_y(self, y, method):
        if self._validate_args and not bool(wb.reduce_all(y >= 0.0).numpy()):
            raise ValueError(f"AbsoluteValue.{method}: `y` must be non-negative, got {y.numpy()!r}")

    def _forward(self, x):
        return wb.abs(x)

    def inverse(self, y, name=None):
        """The two preimages ``(-y, y)``."""
        y = self._convert(y, "inverse")
        self._check_y(y, "inverse")
        return -y, y

    def inverse_log_det_jacobian(self, y, event_ndims=None, name=None):
        """``(0, 0)``: each branch ``x = -y``, ``x = y`` has ``|dx/dy| = 1`` (summed over ``event_ndims``)."""
        y = self._convert(y, "inverse_log_det_jacobian")
        ev = self._event_ndims(event_ndims, 0, y, "inverse_log_det_jacobian", "y")
        self._check_y(y, "inverse_log_det_jacobian")
        zero = wb.zeros(y.shape[:y.ndim - ev], dtype=y.dtype)
        return zero, zero

    def forward_log_det_jacobian(self, x, event_ndims=None, name=None):
        raise NotImplementedError("AbsoluteValue: forward_log_det_jacobian does not exist for a non-injective "
                                  "map; use inverse_log_det_jacobian, which gives one value per branch")
