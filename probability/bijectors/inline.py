"""Inline: a bijector made of user functions."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Inline"]


class Inline(Bijector):
    """A bijector from functions: ``forward_fn``, ``inverse_fn`` and either log-det function
    (unreduced: one value per ``forward_min_event_ndims`` block of ``x``, or of ``y`` for the
    inverse). With neither log-det function and ``forward_min_event_ndims == 0`` the log-det is
    ``log|dy/dx|`` taken by autodiff of ``forward_fn``. Event shape functions default to the
    identity; ``is_increasing`` is a callable (TFP's) for monotone scalar maps.

    >>> exp = Inline(forward_fn=wb.exp, inverse_fn=wb.math.log,
    ...              inverse_log_det_jacobian_fn=lambda y: -wb.math.log(y), forward_min_event_ndims=0)
    >>> exp.forward_log_det_jacobian(wb.constant([0.5, 1.0]), event_ndims=1).numpy()   # 0.5 + 1.0
    1.5000001
    """

    def __init__(self, forward_fn=None, inverse_fn=None, inverse_log_det_jacobian_fn=None,
                 forward_log_det_jacobian_fn=None, forward_event_shape_fn=None, forward_event_shape_tensor_fn=None,
                 inverse_event_shape_fn=None, inverse_event_shape_tensor_fn=None, is_constant_jacobian=False,
                 is_increasing=None, validate_args=False, forward_min_event_ndims=None, inverse_min_event_ndims=None,
                 name="inline"):
        parameters = dict(locals())
        if forward_min_event_ndims is None and inverse_min_event_ndims is None:
            raise ValueError("Inline: give at least one of `forward_min_event_ndims` and `inverse_min_event_ndims`")
        fns = dict(forward_fn=forward_fn, inverse_fn=inverse_fn,
                   inverse_log_det_jacobian_fn=inverse_log_det_jacobian_fn,
                   forward_log_det_jacobian_fn=forward_log_det_jacobian_fn,
                   forward_event_shape_fn=forward_event_shape_fn,
                   forward_event_shape_tensor_fn=forward_event_shape_tensor_fn,
                   inverse_event_shape_fn=inverse_event_shape_fn,
                   inverse_event_shape_tensor_fn=inverse_event_shape_tensor_fn, is_increasing=is_increasing)
        for key, fn in fns.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"Inline: `{key}` must be callable, got {type(fn).__name__}")
        self._fns = fns
        super().__init__(forward_min_event_ndims=forward_min_event_ndims,
                         inverse_min_event_ndims=inverse_min_event_ndims, is_constant_jacobian=is_constant_jacobian,
                         validate_args=validate_args, parameters=parameters, name=name)
        if forward_log_det_jacobian_fn is not None:
            self._forward_log_det_jacobian = forward_log_det_jacobian_fn
        if inverse_log_det_jacobian_fn is not None:
            self._inverse_log_det_jacobian = inverse_log_det_jacobian_fn
        if forward_log_det_jacobian_fn is None and inverse_log_det_jacobian_fn is None \
                and self.forward_min_event_ndims == 0 and forward_fn is not None:
            self._forward_log_det_jacobian = self._autodiff_fldj

    def _call(self, key, *args):
        fn = self._fns[key]
        if fn is None:
            raise NotImplementedError(f"Inline '{self.name}': no `{key}` was given")
        return fn(*args)

    def _forward(self, x):
        return wb.convert_to_tensor(self._call("forward_fn", x))

    def _inverse(self, y):
        return wb.convert_to_tensor(self._call("inverse_fn", y))

    def _autodiff_fldj(self, x):
        """``log|dy/dx|`` of an elementwise ``forward_fn``, by autodiff."""
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = self._fns["forward_fn"](x)
        return wb.log(wb.abs(tape.gradient(y, x)))

    def _forward_event_shape(self, shape):
        fn = self._fns["forward_event_shape_fn"]
        return shape if fn is None else tuple(wb.TensorShape(fn(wb.TensorShape(shape))))

    def _inverse_event_shape(self, shape):
        fn = self._fns["inverse_event_shape_fn"]
        return shape if fn is None else tuple(wb.TensorShape(fn(wb.TensorShape(shape))))

    def forward_event_shape_tensor(self, input_shape):
        fn = self._fns["forward_event_shape_tensor_fn"]
        return super().forward_event_shape_tensor(input_shape) if fn is None else wb.convert_to_tensor(fn(input_shape))

    def inverse_event_shape_tensor(self, output_shape):
        fn = self._fns["inverse_event_shape_tensor_fn"]
        return super().inverse_event_shape_tensor(output_shape) if fn is None else \
            wb.convert_to_tensor(fn(output_shape))

    def _is_increasing(self):
        return self._call("is_increasing")
