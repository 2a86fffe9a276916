"""``tfp.experimental.util``: objects rebuilt at every use, and trainable distributions.

``DeferredModule(build_fn, *args, **kwargs)`` calls ``build_fn(*args, **kwargs)`` afresh at every
attribute access, so a method called under a ``GradientTape`` is differentiated back to the
variables among the arguments. ``make_trainable(cls)`` builds ``cls`` from one unconstrained
variable per preferred parameter, mapped into the parameter's domain by its default
constraining bijector; ``make_trainable_stateless`` gives the same as ``(init_fn, apply_fn)``.

>>> mean, variance = wb.Variable(3.2), wb.Variable(9.1)
>>> dist = DeferredModule(lambda mean, variance: tfd.Gamma(mean ** 2 / variance, mean / variance),
...                       mean=mean, variance=variance)
>>> with wb.GradientTape() as tape:
...     lp = dist.log_prob(5.0)
>>> tape.gradient(lp, [mean, variance])    # both defined
"""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .. import internal

__all__ = ["DeferredModule", "make_trainable", "make_trainable_stateless"]


def _collect_variables(value, out):
    if isinstance(value, wb.Variable):
        if not any(value is v for v in out):
            out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect_variables(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _collect_variables(v, out)
    elif hasattr(value, "trainable_variables"):
        for v in value.trainable_variables:
            _collect_variables(v, out)


class DeferredModule(wb.Module):
    """An object built by ``build_fn(*args, **kwargs)`` again at every attribute access (TFP's
    ``tfp.experimental.util.DeferredModule``). ``trainable_variables`` are the variables among the
    arguments and in ``also_track``."""

    def __init__(self, build_fn, *args, also_track=None, **kwargs):
        if not callable(build_fn):
            raise TypeError(f"DeferredModule: `build_fn` must be callable, got {type(build_fn).__name__}")
        super().__init__()
        object.__setattr__(self, "_build_fn", build_fn)
        object.__setattr__(self, "_build_args", args)
        object.__setattr__(self, "_build_kwargs", kwargs)
        object.__setattr__(self, "_also_track", also_track)

    def _build_module(self):
        return self._build_fn(*self._build_args, **self._build_kwargs)

    @property
    def trainable_variables(self):
        out = []
        _collect_variables([self._build_args, self._build_kwargs, self._also_track], out)
        return tuple(v for v in out if v.trainable)

    @property
    def variables(self):
        out = []
        _collect_variables([self._build_args, self._build_kwargs, self._also_track], out)
        return tuple(out)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_build_fn", "_build_args", "_build_kwargs", "_also_track"):
            raise AttributeError(name)
        return getattr(self._build_module(), name)

    def __getitem__(self, slices):
        return self._build_module()[slices]

    def __call__(self, *args, **kwargs):
        return self._build_module()(*args, **kwargs)

    def __repr__(self):
        return f"<DeferredModule of {self._build_module()!r}>"


def _trainable_parameters(cls, parameter_dtype, init_kwargs, initial_parameters):
    """(name, properties) of the parameters that get a variable: the preferred tensor parameters
    with a default constraining bijector, unless given in ``init_kwargs``."""
    if not hasattr(cls, "parameter_properties"):
        raise TypeError(f"make_trainable: `cls` must have parameter_properties() (a distribution or bijector "
                        f"class), got {cls!r}")
    given = set(initial_parameters) if isinstance(initial_parameters, dict) else set()
    out = []
    for name, props in cls.parameter_properties(dtype=parameter_dtype).items():
        if name in init_kwargs or not props.is_tensor:
            continue
        if not props.is_preferred and name not in given:
            continue
        if props.default_constraining_bijector_fn is None:
            continue
        out.append((name, props))
    unknown = sorted(given - {n for n, _ in out})
    if unknown:
        raise ValueError(f"make_trainable: initial_parameters {unknown} are not trainable parameters of "
                         f"{cls.__name__}; they are {[n for n, _ in out]}")
    return out


def make_trainable_stateless(cls, initial_parameters=None, batch_and_event_shape=(), parameter_dtype=np.float32,
                             **init_kwargs):
    """``(init_fn, apply_fn)``: ``init_fn(seed=None)`` gives the unconstrained parameters (a
    StructTuple, one tensor per trainable parameter), ``apply_fn(params)`` builds ``cls`` from them. Unspecified
    parameters start at a standard normal draw in the unconstrained space, as in TFP; ``initial_parameters``
    gives values in the parameter's own domain (a dict) or a function
    ``f(parameter_name, shape, dtype, seed, constraining_bijector)`` returning one."""
    dtype = np.dtype(wb.as_dtype(parameter_dtype).as_numpy_dtype)
    params = _trainable_parameters(cls, dtype, init_kwargs, initial_parameters)
    shape = tuple(int(s) for s in np.asarray(batch_and_event_shape, dtype=np.int64).reshape(-1))
    bijectors = [props.default_constraining_bijector_fn() for _, props in params]
    struct = collections.namedtuple("StructTuple", [n for n, _ in params])

    def init_fn(seed=None):
        seed = internal.sanitize_seed(seed)
        raw = []
        for (name, props), bij in zip(params, bijectors):
            seed, s = internal.split_seed(seed, 2)   # TFP's flow: one split per parameter
            pshape = tuple(props.shape_fn(shape))            # the parameter's own shape
            rshape = tuple(bij.inverse_event_shape(pshape))  # its unconstrained variable's
            if callable(initial_parameters):
                value = bij.inverse(wb.cast(initial_parameters(name, pshape, dtype, s, bij), dtype))
            elif isinstance(initial_parameters, dict) and name in initial_parameters:
                value = bij.inverse(wb.cast(initial_parameters[name], dtype))
            else:
                # TFP's default: a standard normal draw in the unconstrained space (through the
                # bijector and back, as TFP computes it)
                value = bij.inverse(bij.forward(wb.random.stateless_normal(rshape, seed=s, dtype=dtype)))
            raw.append(wb.convert_to_tensor(value))
        return struct(*raw)

    def apply_fn(raw_parameters):
        raw_parameters = list(raw_parameters.values()) if isinstance(raw_parameters, dict) else list(raw_parameters)
        if len(raw_parameters) != len(params):
            raise ValueError(f"make_trainable_stateless: apply_fn expected {len(params)} parameters "
                             f"{[n for n, _ in params]}, got {len(raw_parameters)}")
        values = {name: bij.forward(raw) for (name, _), bij, raw in zip(params, bijectors, raw_parameters)}
        return cls(**values, **init_kwargs)

    return init_fn, apply_fn


def make_trainable(cls, initial_parameters=None, batch_and_event_shape=(), parameter_dtype=np.float32, seed=None,
                   **init_kwargs):
    """``cls`` built from trainable ``wb.Variable``s (a ``DeferredModule``): one unconstrained
    variable per preferred parameter, named after it; see ``make_trainable_stateless``.

    >>> model = make_trainable(tfd.Normal)       # loc and softplus(raw scale) are trained
    >>> [v.name for v in model.trainable_variables]
    """
    init_fn, apply_fn = make_trainable_stateless(cls, initial_parameters, batch_and_event_shape, parameter_dtype,
                                                 **init_kwargs)
    dtype = np.dtype(wb.as_dtype(parameter_dtype).as_numpy_dtype)
    names = [n for n, _ in _trainable_parameters(cls, dtype, init_kwargs, initial_parameters)]
    variables = tuple(wb.Variable(v, name=n) for v, n in zip(init_fn(seed), names))
    return DeferredModule(lambda *raw: apply_fn(raw), *variables)
