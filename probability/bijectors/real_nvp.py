"""RealNVP: the affine coupling layer of Dinh et al. (2017), for normalizing flows."""

import math

import workbench as wb

from .. import internal
from .bijector import Bijector
from .chain import Chain
from .scale import Scale
from .shift import Shift

__all__ = ["RealNVP", "real_nvp_default_template"]


class RealNVP(Bijector):
    """Affine coupling: the first ``num_masked`` units pass through and parameterize an affine
    map of the rest, ``y[d:] = x[d:] * exp(log_scale) + shift`` with
    ``shift, log_scale = shift_and_log_scale_fn(x[:d], D - d)``.

    ``log|det J| = sum(log_scale)``; the inverse costs one call of the function (it sees the
    same, unchanged, masked half). ``shift_and_log_scale_fn`` may return ``None`` for
    either part (``log_scale=None`` is volume-preserving, NICE). ``fraction_masked`` instead of
    ``num_masked`` masks a fraction of the units (negative: the last units are masked).
    ``bijector_fn(x0, output_units)`` may replace the function and return any
    rank-preserving vector bijector for the unmasked half.

    >>> nvp = RealNVP(num_masked=1, shift_and_log_scale_fn=real_nvp_default_template([8], seed=0))
    >>> nvp.forward(wb.zeros([5, 2])).shape
    (5, 2)
    """

    def __init__(self, num_masked=None, fraction_masked=None, shift_and_log_scale_fn=None, bijector_fn=None,
                 is_constant_jacobian=False, validate_args=False, name="real_nvp"):
        parameters = dict(locals())
        if (num_masked is None) == (fraction_masked is None):
            raise ValueError("RealNVP: give exactly one of `num_masked` and `fraction_masked`")
        if num_masked is not None and int(num_masked) < 0:
            raise ValueError(f"RealNVP: `num_masked` must be non-negative, got {num_masked}")
        if fraction_masked is not None and not -1.0 < float(fraction_masked) < 1.0:
            raise ValueError(f"RealNVP: `fraction_masked` must be in (-1, 1), got {fraction_masked}")
        if (shift_and_log_scale_fn is None) == (bijector_fn is None):
            raise ValueError("RealNVP: give exactly one of `shift_and_log_scale_fn` and `bijector_fn`")
        self._num_masked = None if num_masked is None else int(num_masked)
        self._fraction_masked = None if fraction_masked is None else float(fraction_masked)
        self._shift_and_log_scale_fn = shift_and_log_scale_fn
        self._bijector_fn = bijector_fn
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=is_constant_jacobian,
                         validate_args=validate_args, parameters=parameters, name=name)

    # -- the split -------------------------------------------------------------
    def _masked_count(self, depth):
        """Signed number of masked units: positive counts from the left, negative from the right."""
        d = self._num_masked if self._num_masked is not None else int(round(self._fraction_masked * depth))
        if abs(d) >= depth:   # none masked is allowed, as in TFP: the coupling sees an empty input
            what = "num_masked" if self._num_masked is not None else "fraction_masked"
            raise ValueError(f"RealNVP: `{what}` masks {abs(d)} of the event's {depth} units; it must leave "
                             "at least one unmasked")
        return d

    def _split(self, t):
        depth = t.shape[-1]
        d = self._masked_count(depth)
        if d > 0:
            return t[..., :d], t[..., d:], d
        return t[..., depth + d:], t[..., :depth + d], d

    @staticmethod
    def _join(masked, rest, d):
        return wb.concat([masked, rest] if d > 0 else [rest, masked], axis=-1)

    def _coupling(self, masked, units):
        """The bijector of the unmasked half, conditioned on the masked half."""
        if self._bijector_fn is not None:
            return self._bijector_fn(masked, units)
        return shift_then_scale(*self._shift_and_log_scale_fn(masked, units))

    # -- the maps ----------------------------------------------------------------
    def _forward(self, x):
        masked, rest, d = self._split(x)
        return self._join(masked, self._coupling(masked, rest.shape[-1]).forward(rest), d)

    def _inverse(self, y):
        masked, rest, d = self._split(y)
        return self._join(masked, self._coupling(masked, rest.shape[-1]).inverse(rest), d)

    def _forward_log_det_jacobian(self, x):
        masked, rest, _ = self._split(x)
        return self._coupling(masked, rest.shape[-1]).forward_log_det_jacobian(rest, event_ndims=1)

    def _inverse_log_det_jacobian(self, y):
        masked, rest, _ = self._split(y)
        return self._coupling(masked, rest.shape[-1]).inverse_log_det_jacobian(rest, event_ndims=1)


class _DenseTemplate:
    """A small multilayer perceptron ``x0 -> (shift, log_scale)`` whose Variables are made on the
    first call (when the input depth and ``output_units`` are known)."""

    def __init__(self, hidden_layers, shift_only, activation, seed, name):
        self._hidden_layers = [int(h) for h in hidden_layers]
        self._shift_only = bool(shift_only)
        self._activation = activation
        self._seed = internal.sanitize_seed(seed)
        self._name = name
        self._layers = None

    @property
    def trainable_variables(self):
        return tuple(v for layer in (self._layers or ()) for v in layer)

    def _build(self, depth, output_units, dtype):
        sizes = [depth] + self._hidden_layers + [output_units * (1 if self._shift_only else 2)]
        seeds = internal.split_seed(self._seed, len(sizes) - 1, salt="real_nvp")
        self._layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            limit = math.sqrt(6.0 / (fan_in + fan_out))   # Glorot uniform, as Keras' Dense
            kernel = wb.random.stateless_uniform((fan_in, fan_out), seed=seeds[i], minval=-limit,
                                                 maxval=limit, dtype=dtype)
            self._layers.append((wb.Variable(kernel, name=f"{self._name}/dense_{i}/kernel"),
                                 wb.Variable(wb.zeros((fan_out,), dtype=dtype), name=f"{self._name}/dense_{i}/bias")))
        self._output_units = output_units

    def __call__(self, x, output_units):
        if self._layers is None:
            self._build(x.shape[-1], output_units, x.dtype)
        elif output_units != self._output_units or x.shape[-1] != self._layers[0][0].shape[0]:
            raise ValueError(f"{self._name}: built for {self._layers[0][0].shape[0]} inputs and "
                             f"{self._output_units} output units, called with {x.shape[-1]} and {output_units}")
        h = x
        for kernel, bias in self._layers[:-1]:
            h = self._activation(wb.tensordot(h, kernel, axes=1) + bias)
        kernel, bias = self._layers[-1]
        out = wb.tensordot(h, kernel, axes=1) + bias
        if self._shift_only:
            return out, None
        return out[..., :output_units], out[..., output_units:]


def real_nvp_default_template(hidden_layers, shift_only=False, activation=None, name="real_nvp_default_template",
                              seed=None):
    """A ``shift_and_log_scale_fn`` for :class:`RealNVP`: dense layers of sizes ``hidden_layers``
    (``activation``, default relu), then a linear layer giving ``shift`` and ``log_scale``
    (``shift_only=True``: shift only, ``log_scale=None``). Its Variables appear on the first call
    and are listed by its ``trainable_variables`` (and the RealNVP's).
    """
    return _DenseTemplate(hidden_layers, shift_only, activation or wb.nn.relu, seed, name)


def shift_then_scale(shift, log_scale):
    """``x * exp(log_scale) + shift`` as a bijector (either part may be None): the affine map
    of RealNVP's and MAF's default ``shift_and_log_scale_fn``."""
    parts = []
    if shift is not None:
        parts.append(Shift(shift))
    if log_scale is not None:
        parts.append(Scale(log_scale=log_scale))
    return Chain(parts)
