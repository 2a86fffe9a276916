"""MaskedAutoregressiveFlow (Papamakarios et al., 2017) and its MADE network, AutoregressiveNetwork
(Germain et al., 2015).

A MAF maps ``x`` to ``y`` with ``y[i] = x[i] * exp(log_scale[i]) + shift[i]`` where
``shift[i], log_scale[i]`` depend only on ``y[j]`` for the ``j`` before ``i`` in an
autoregressive order: the inverse takes one pass of the network (it sees ``y`` whole), the
forward takes ``event_size`` passes (each fixes one more coordinate).

``AutoregressiveNetwork`` is a Keras layer. The class is made on first use from
``wb.keras.layers.Layer``, reached through the ``workbench`` package face: the bijectors sit
below the Keras kit, and importing it with every bijector would load Keras (about 0.8 s) for
programs that never build a network.

>>> made = tfb.AutoregressiveNetwork(params=2, hidden_units=[16, 16], activation="tanh")
>>> maf = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=made)
>>> flow = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), [2]), maf)
>>> flow.log_prob(wb.zeros([5, 2])).shape
(5,)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal
from .bijector import Bijector, _reduce
from .real_nvp import shift_then_scale

# AutoregressiveNetwork is reached through the module's __getattr__ (made on first use)
__all__ = ["MaskedAutoregressiveFlow"]


class MaskedAutoregressiveFlow(Bijector):
    """TFP's ``MaskedAutoregressiveFlow``: an autoregressive affine (or any) bijector.

    ``shift_and_log_scale_fn(y)`` returns ``shift, log_scale`` for every coordinate, each
    depending only on earlier coordinates of ``y`` (an :class:`AutoregressiveNetwork` with
    ``params=2``, whose ``[..., event_size, 2]`` output is unstacked on its last axis; a pair
    ``(shift, log_scale)``, either of which may be None, works too). ``bijector_fn(y)`` may
    instead return any bijector whose parameters have that property.

    ``forward(x)`` runs ``event_size`` passes: ``y = bijector_fn(y).forward(x)`` from ``y = 0``,
    each pass fixing one more coordinate (``unroll_loop`` is accepted for TFP compatibility;
    both run the same Python loop eagerly). ``inverse(y) = bijector_fn(y).inverse(y)`` and
    ``inverse_log_det_jacobian(y)`` take one pass. ``event_ndims`` is the number of rightmost
    dims the autoregressive function acts on (1 for vectors). Keyword arguments of ``forward``,
    ``inverse`` and the log-dets (``conditional_input=c`` for a conditional network) are passed
    to the function.

    >>> maf = MaskedAutoregressiveFlow(AutoregressiveNetwork(params=2, hidden_units=[8]))
    >>> x = wb.random.normal([4, 3])
    >>> maf.inverse(maf.forward(x)).shape
    (4, 3)
    """

    def __init__(self, shift_and_log_scale_fn=None, bijector_fn=None, is_constant_jacobian=False,
                 validate_args=False, unroll_loop=False, event_ndims=1, name=None):
        parameters = dict(locals())
        if (shift_and_log_scale_fn is None) == (bijector_fn is None):
            raise ValueError("MaskedAutoregressiveFlow: give exactly one of `shift_and_log_scale_fn` and "
                             "`bijector_fn`")
        fn = shift_and_log_scale_fn if bijector_fn is None else bijector_fn
        if not callable(fn):
            which = "shift_and_log_scale_fn" if bijector_fn is None else "bijector_fn"
            raise TypeError(f"MaskedAutoregressiveFlow: `{which}` must be callable, got {type(fn).__name__}")
        if isinstance(event_ndims, bool) or not isinstance(event_ndims, (int, np.integer)) or event_ndims < 1:
            raise ValueError(f"MaskedAutoregressiveFlow: `event_ndims` must be an int >= 1, got {event_ndims!r}")
        self._shift_and_log_scale_fn = shift_and_log_scale_fn
        self._user_bijector_fn = bijector_fn
        self._unroll_loop = bool(unroll_loop)
        self._flow_event_ndims = int(event_ndims)
        super().__init__(forward_min_event_ndims=self._flow_event_ndims, is_constant_jacobian=is_constant_jacobian,
                         validate_args=validate_args, parameters=parameters,
                         name=name or ("masked_autoregressive_flow" if bijector_fn is None else
                                       "masked_autoregressive_flow_bijector_fn"))

    # -- conditioning: keyword arguments (``conditional_input=c``) go to the function, as in TFP.
    # A conditioned call skips the forward/inverse cache (its result depends on the condition).
    def forward(self, x, name=None, **condition_kwargs):
        if not condition_kwargs:
            return super().forward(x, name)
        x = self._convert(x, "forward")
        self._check_rank(x, self._flow_event_ndims, "forward", "x")
        return self._forward(x, **condition_kwargs)

    def inverse(self, y, name=None, **condition_kwargs):
        if not condition_kwargs:
            return super().inverse(y, name)
        y = self._convert(y, "inverse")
        self._check_rank(y, self._flow_event_ndims, "inverse", "y")
        return self._inverse(y, **condition_kwargs)

    def inverse_log_det_jacobian(self, y, event_ndims=None, name=None, **condition_kwargs):
        if not condition_kwargs:
            return super().inverse_log_det_jacobian(y, event_ndims, name)
        y = self._convert(y, "inverse_log_det_jacobian")
        ev = self._event_ndims(event_ndims, self._flow_event_ndims, y, "inverse_log_det_jacobian", "y")
        return _reduce(self._inverse_log_det_jacobian(y, **condition_kwargs), y, self._flow_event_ndims, ev)

    def forward_log_det_jacobian(self, x, event_ndims=None, name=None, **condition_kwargs):
        if not condition_kwargs:
            return super().forward_log_det_jacobian(x, event_ndims, name)
        y = self.forward(x, **condition_kwargs)
        return -self.inverse_log_det_jacobian(y, event_ndims, **condition_kwargs)

    def _bijector_fn(self, y, **condition_kwargs):
        if self._user_bijector_fn is not None:
            b = self._user_bijector_fn(y, **condition_kwargs)
            if not isinstance(b, Bijector):
                raise TypeError(f"MaskedAutoregressiveFlow: `bijector_fn` returned a {type(b).__name__}, "
                                "not a Bijector")
            return b
        params = self._shift_and_log_scale_fn(y, **condition_kwargs)
        if isinstance(params, Tensor):
            if params.shape[-1] != 2:
                raise ValueError("MaskedAutoregressiveFlow: `shift_and_log_scale_fn` returned one tensor of "
                                 f"shape {params.shape}; its last axis must hold (shift, log_scale), size 2")
            shift, log_scale = wb.unstack(params, num=2, axis=-1)
        elif isinstance(params, (list, tuple)) and len(params) == 2:
            shift, log_scale = params
        else:
            raise TypeError("MaskedAutoregressiveFlow: `shift_and_log_scale_fn` must return a tensor with a "
                            f"last axis of 2 or a pair (shift, log_scale), got {type(params).__name__}")
        return shift_then_scale(shift, log_scale)

    def _event_size(self, t):
        return int(np.prod(t.shape[t.ndim - self._flow_event_ndims:], dtype=np.int64))

    def _forward(self, x, **condition_kwargs):
        y = wb.zeros_like(x)
        for _ in range(self._event_size(x)):
            y = self._bijector_fn(y, **condition_kwargs).forward(x)
        return y

    def _inverse(self, y, **condition_kwargs):
        return self._bijector_fn(y, **condition_kwargs).inverse(y)

    def _inverse_log_det_jacobian(self, y, **condition_kwargs):
        return self._bijector_fn(y, **condition_kwargs).inverse_log_det_jacobian(y, event_ndims=self._flow_event_ndims)


# -- MADE: degrees and masks --------------------------------------------------------------------

def _input_order(event_size, input_order, rng):
    """Degrees 1..event_size of the inputs, in TFP's convention (a unit of degree d may depend on
    inputs of degree < d)."""
    if isinstance(input_order, str):
        if input_order == "left-to-right":
            return np.arange(1, event_size + 1)
        if input_order == "right-to-left":
            return np.arange(event_size, 0, -1)
        if input_order == "random":
            order = np.arange(1, event_size + 1)
            rng.shuffle(order)
            return order
        raise ValueError("AutoregressiveNetwork: `input_order` must be 'left-to-right', 'right-to-left', "
                         f"'random' or an explicit order, got {input_order!r}")
    order = np.asarray(input_order)
    if order.shape != (event_size,) or sorted(order.tolist()) != list(range(1, event_size + 1)):
        raise ValueError(f"AutoregressiveNetwork: an explicit `input_order` must be a permutation of "
                         f"1..{event_size} (the event size), got {list(np.ravel(order))}")
    return order.astype(np.int64)


def _degrees(event_size, hidden_units, input_order, hidden_degrees, rng):
    degrees = [input_order]
    for units in hidden_units:
        low = min(int(np.min(degrees[-1])), event_size - 1)
        if hidden_degrees == "random":
            degrees.append(rng.integers(low, event_size, size=units) if event_size > low
                           else np.full(units, low))
        elif hidden_degrees == "equal":
            spread = np.ceil(np.arange(1, units + 1) * (event_size - 1) / float(units + 1)).astype(np.int64)
            degrees.append(np.maximum(low, spread))
        else:
            raise ValueError(f"AutoregressiveNetwork: `hidden_degrees` must be 'equal' or 'random', "
                             f"got {hidden_degrees!r}")
    return degrees


def make_dense_autoregressive_masks(params, event_size, hidden_units, input_order="left-to-right",
                                    hidden_degrees="equal", seed=None):
    """The 0/1 kernel masks of a MADE network: one ``[fan_in, fan_out]`` array per dense layer,
    the last of shape ``[last_hidden, event_size * params]`` (output ``i * params + p`` belongs to
    input ``i``). A hidden unit of degree ``k`` sees inputs of degree ``<= k``; an output of
    degree ``d`` sees hidden units of degree ``< d``."""
    if seed is None or isinstance(seed, (int, np.integer)):
        rng = np.random.default_rng(None if seed is None else (int(seed), 0))
    else:   # a stateless pair (its words as unsigned ints)
        rng = np.random.default_rng([int(v) & 0xFFFFFFFF for v in internal.sanitize_seed(seed).numpy()])
    order = _input_order(event_size, input_order, rng)
    degrees = _degrees(event_size, list(hidden_units), order, hidden_degrees, rng)
    masks = [(inp[:, None] <= out).astype(np.float64) for inp, out in zip(degrees[:-1], degrees[1:])]
    last = (degrees[-1][:, None] < degrees[0]).astype(np.float64)
    masks.append(np.repeat(last, params, axis=1))
    return masks


class _AutoregressiveNetworkBody:
    """MADE (Germain et al., 2015), TFP's ``AutoregressiveNetwork``: a Keras layer taking
    ``[..., event_size]`` to ``[..., event_size, params]`` where output ``[..., i, :]`` depends
    only on the inputs that come before ``i`` in ``input_order``.

    Dense layers of ``hidden_units`` (``activation`` between them, none after the last) with
    kernels multiplied by fixed 0/1 masks at every call, so the autoregressive property is exact
    for any weights, gradients included. ``input_order``: 'left-to-right', 'right-to-left',
    'random' (drawn with ``seed``) or an explicit permutation of ``1..event_size``;
    ``hidden_degrees``: 'equal' or 'random'. ``conditional=True`` adds an unmasked dense map of
    a ``conditional_input`` (shape ``[..., *conditional_event_shape]``) to every layer's
    pre-activation (``conditional_input_layers='all_layers'``) or to the first only
    (``'first_layer'``). ``event_shape`` (rank 1) defaults to the first input's last dim.

    >>> made = AutoregressiveNetwork(params=2, hidden_units=[10, 10], activation="tanh")
    >>> made(wb.zeros([7, 3])).shape
    (7, 3, 2)
    """

    def __init__(self, params, event_shape=None, conditional=False, conditional_event_shape=None,
                 conditional_input_layers="all_layers", hidden_units=None, input_order="left-to-right",
                 hidden_degrees="equal", activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, validate_args=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = "AutoregressiveNetwork"
        if isinstance(params, bool) or not isinstance(params, (int, np.integer)) or params < 1:
            raise ValueError(f"{where}: `params` must be a positive int, got {params!r}")
        self._params = int(params)
        self._event_shape = None if event_shape is None else _rank1_shape(event_shape, "event_shape")
        self._conditional = bool(conditional)
        if self._conditional and conditional_event_shape is None:
            raise ValueError(f"{where}: `conditional=True` needs `conditional_event_shape`")
        if not self._conditional and conditional_event_shape is not None:
            raise ValueError(f"{where}: `conditional_event_shape` was given but `conditional` is False")
        self._conditional_event_shape = (None if conditional_event_shape is None else
                                         internal.shape_tuple(conditional_event_shape, "conditional_event_shape"))
        if conditional_input_layers not in ("all_layers", "first_layer"):
            raise ValueError(f"{where}: `conditional_input_layers` must be 'all_layers' or 'first_layer', "
                             f"got {conditional_input_layers!r}")
        self._conditional_input_layers = conditional_input_layers
        self._hidden_units = [int(h) for h in (hidden_units or [])]
        if any(h < 1 for h in self._hidden_units):
            raise ValueError(f"{where}: `hidden_units` must be positive ints, got {hidden_units!r}")
        if hidden_degrees not in ("equal", "random"):
            raise ValueError(f"{where}: `hidden_degrees` must be 'equal' or 'random', got {hidden_degrees!r}")
        if not isinstance(input_order, str):
            input_order = [int(i) for i in np.ravel(input_order)]
        self._input_order_arg = input_order
        self._hidden_degrees = hidden_degrees
        self._activation_arg = activation
        self._activation = wb.keras.activations.get(activation)
        self._use_bias = bool(use_bias)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer
        self._kernel_regularizer = kernel_regularizer
        self._bias_regularizer = bias_regularizer
        for arg, value in (("kernel_constraint", kernel_constraint), ("bias_constraint", bias_constraint)):
            if value is not None:
                raise ValueError(f"{where}: `{arg}` is not supported (the kernels are masked at every call); "
                                 f"got {value!r}")
        self._validate_args = bool(validate_args)
        self._seed = seed
        self._masks = None

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def params(self):
        return self._params

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], tuple):
            input_shape = input_shape[0]
        if self._event_shape is None:
            if not input_shape or input_shape[-1] is None:
                raise ValueError(f"AutoregressiveNetwork: cannot infer event_shape from input shape {input_shape}")
            self._event_shape = (int(input_shape[-1]),)
        event_size = self._event_shape[0]
        masks = make_dense_autoregressive_masks(self._params, event_size, self._hidden_units,
                                                self._input_order_arg, self._hidden_degrees, self._seed)
        self._masks = [wb.constant(m.astype(self.dtype)) for m in masks]
        sizes = [event_size] + self._hidden_units + [event_size * self._params]
        self._kernels, self._biases, self._cond_kernels = [], [], []
        cond_size = (int(np.prod(self._conditional_event_shape, dtype=np.int64)) if self._conditional else 0)
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            kernel = self.add_weight(f"dense_{i}/kernel", (fan_in, fan_out), initializer=self._kernel_initializer,
                                     regularizer=self._kernel_regularizer)
            kernel.assign(kernel * self._masks[i])    # the masked entries start (and stay unused) at zero
            self._kernels.append(kernel)
            self._biases.append(self.add_weight(f"dense_{i}/bias", (fan_out,), initializer=self._bias_initializer,
                                                regularizer=self._bias_regularizer) if self._use_bias else None)
            if self._conditional and (i == 0 or self._conditional_input_layers == "all_layers"):
                self._cond_kernels.append(self.add_weight(f"dense_{i}/conditional_kernel", (cond_size, fan_out),
                                                          initializer=self._kernel_initializer,
                                                          regularizer=self._kernel_regularizer))
            else:
                self._cond_kernels.append(None)

    def call(self, x, conditional_input=None):
        event_size = self._event_shape[0]
        if x.shape[-1] != event_size:
            raise ValueError(f"AutoregressiveNetwork '{self.name}': input has shape {x.shape}; its last dim must be "
                             f"the event size {event_size}")
        if self._conditional:
            if conditional_input is None:
                raise ValueError(f"AutoregressiveNetwork '{self.name}': built with conditional=True, so "
                                 "`conditional_input` is required")
            c = wb.convert_to_tensor(conditional_input)
            if c.dtype != x.dtype:
                c = wb.cast(c, x.dtype)
            nc = len(self._conditional_event_shape)
            if tuple(c.shape[c.ndim - nc:]) != self._conditional_event_shape:
                raise ValueError(f"AutoregressiveNetwork '{self.name}': `conditional_input` has shape {c.shape}; "
                                 f"its rightmost dims must be conditional_event_shape "
                                 f"{list(self._conditional_event_shape)}")
            c = wb.reshape(c, tuple(c.shape[:c.ndim - nc]) + (-1,))
        elif conditional_input is not None:
            raise ValueError(f"AutoregressiveNetwork '{self.name}': `conditional_input` given to a network built "
                             "with conditional=False")
        h = x
        last = len(self._kernels) - 1
        for i, (kernel, mask, bias, cond) in enumerate(zip(self._kernels, self._masks, self._biases,
                                                           self._cond_kernels)):
            h = wb.tensordot(h, kernel * mask, axes=1)
            if bias is not None:
                h = h + bias
            if cond is not None:
                h = h + wb.tensordot(c, cond, axes=1)
            if i < last and self._activation is not None:
                h = self._activation(h)
        return wb.reshape(h, tuple(x.shape[:-1]) + (event_size, self._params))

    def get_config(self):
        k = wb.keras
        config = {"params": self._params,
                  "event_shape": None if self._event_shape is None else list(self._event_shape),
                  "conditional": self._conditional,
                  "conditional_event_shape": (None if self._conditional_event_shape is None
                                              else list(self._conditional_event_shape)),
                  "conditional_input_layers": self._conditional_input_layers,
                  "hidden_units": list(self._hidden_units), "input_order": self._input_order_arg,
                  "hidden_degrees": self._hidden_degrees,
                  "activation": k.activations.serialize(self._activation) if self._activation else None,
                  "use_bias": self._use_bias,
                  "kernel_initializer": k.initializers.serialize(k.initializers.get(self._kernel_initializer)),
                  "bias_initializer": k.initializers.serialize(k.initializers.get(self._bias_initializer)),
                  "kernel_regularizer": (None if self._kernel_regularizer is None else
                                         k.regularizers.serialize(k.regularizers.get(self._kernel_regularizer))),
                  "bias_regularizer": (None if self._bias_regularizer is None else
                                       k.regularizers.serialize(k.regularizers.get(self._bias_regularizer))),
                  "validate_args": self._validate_args, "seed": self._seed}
        # the base config (name, trainable, dtype) from the Keras layer this body is mixed into
        return {**super().get_config(), **config}


def _rank1_shape(shape, what):
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else internal.shape_tuple(shape, what)
    if len(shape) != 1 or shape[0] < 1:
        raise ValueError(f"AutoregressiveNetwork: `{what}` must describe a rank-1 shape of positive size, "
                         f"got {list(shape)}")
    return shape


_network_class = None


def autoregressive_network_class():
    """The ``AutoregressiveNetwork`` class, made from ``wb.keras.layers.Layer`` on first use."""
    global _network_class
    if _network_class is None:
        _network_class = type("AutoregressiveNetwork", (_AutoregressiveNetworkBody, wb.keras.layers.Layer),
                              {"__module__": __name__, "__doc__": _AutoregressiveNetworkBody.__doc__,
                               "__qualname__": "AutoregressiveNetwork"})
    return _network_class


def __getattr__(name):
    if name == "AutoregressiveNetwork":
        return autoregressive_network_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
