"""Tensors computed from a variable at every use: TFP's ``DeferredTensor`` and ``TransformedVariable``.

A constrained parameter (a positive scale) is usually trained through an unconstrained
variable: ``scale = softplus(raw)``. Computing ``softplus(raw)`` once, when a distribution is
built, freezes it: later steps would neither see new values of ``raw`` nor send gradients to
it. A ``DeferredTensor`` holds ``raw`` and the transform instead and converts to a fresh Tensor
each time an op reads it, under whatever tapes are active then. It converts through the core's
``__wb_tensor__`` protocol, so every op, operator and distribution parameter accepts it.
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import _printing
from ..bijectors.bijector import Bijector, _variables

__all__ = ["DeferredTensor", "TransformedVariable"]


class DeferredTensor:
    """``transform_fn(pretransformed_input)``, recomputed at every use.

    ``pretransformed_input``: usually a ``wb.Variable`` (or another DeferredTensor).
    ``transform_fn``: a bijector (its ``forward`` is applied) or a callable.
    ``dtype`` and ``shape`` default to the input's (a bijector's ``forward_event_shape`` of it);
    give them when the transform changes them.

    >>> raw = wb.Variable(0.0)
    >>> d = tfd.Normal(0.0, DeferredTensor(raw, wb.exp))   # scale = exp(raw), read at each use
    >>> with wb.GradientTape() as tape:
    ...     loss = -d.log_prob(2.0)
    >>> tape.gradient(loss, raw).numpy()   # d/draw of log(s) + 2**2 / (2 s**2) at s = 1
    -3.0
    """

    def __init__(self, pretransformed_input, transform_fn, dtype=None, shape=None, also_track=None,
                 name=None):
        if not callable(transform_fn) and not isinstance(transform_fn, Bijector):
            raise TypeError(f"DeferredTensor: transform_fn must be a bijector or a callable, "
                            f"got {type(transform_fn).__name__}")
        if not (isinstance(pretransformed_input, Tensor) or isinstance(pretransformed_input, DeferredTensor)):
            pretransformed_input = wb.convert_to_tensor(pretransformed_input)
        self._pretransformed_input = pretransformed_input
        self._transform_fn = transform_fn
        self._dtype = None if dtype is None else np.dtype(dtype)
        self._shape = None if shape is None else tuple(int(s) for s in shape)
        self._also_track = also_track
        self._name = _default_name(name, transform_fn, pretransformed_input)

    # -- the value -------------------------------------------------------
    def __wb_tensor__(self):
        fn = self._transform_fn
        value = fn.forward(self._pretransformed_input) if isinstance(fn, Bijector) else fn(self._pretransformed_input)
        value = wb.convert_to_tensor(value)
        if self._dtype is not None and value.dtype != self._dtype:
            raise TypeError(f"{self._name}: the transform gave dtype {value.dtype}, but the "
                            f"{type(self).__name__} was declared with dtype {self._dtype}")
        return value

    def _value(self, dtype=None, name=None, as_ref=False):
        """The current value as a Tensor (TFP's ``DeferredTensor._value``, which its tutorials call)."""
        value = self.__wb_tensor__()
        return value if dtype is None else wb.cast(value, dtype)

    def numpy(self) -> np.ndarray:
        return self.__wb_tensor__().numpy()

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    # -- metadata ----------------------------------------------------------
    @property
    def pretransformed_input(self):
        return self._pretransformed_input

    @property
    def transform_fn(self):
        return self._transform_fn

    @property
    def also_track(self):
        return self._also_track

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> np.dtype:
        return self._dtype if self._dtype is not None else np.dtype(self._pretransformed_input.dtype)

    @property
    def shape(self) -> tuple:
        if self._shape is not None:
            return self._shape
        shape = tuple(self._pretransformed_input.shape)
        fn = self._transform_fn
        return tuple(fn.forward_event_shape(shape)) if isinstance(fn, Bijector) else shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # -- variables ---------------------------------------------------------
    def _trackable_children(self) -> dict:
        """What ``wb.Module`` walks to find this object's variables."""
        children = {"pretransformed_input": self._pretransformed_input}
        extra = list(_variables([self._transform_fn, self._also_track], set()))
        if extra:
            children["tracked"] = extra
        return children

    @property
    def variables(self) -> tuple:
        return tuple(_variables([self._pretransformed_input, self._transform_fn, self._also_track], set()))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    def __repr__(self):
        # TFP's text: <TransformedVariable: name=softplus, dtype=float32, shape=[2, 1], fn="softplus", numpy=...>
        fn = self._transform_fn
        fn_name = f'"{fn.name}"' if isinstance(fn, Bijector) else getattr(fn, "__name__", type(fn).__name__)
        try:
            value = self.numpy()
            value = repr(value) if value.shape else str(value)
            value = "\n" + value if "\n" in value else value
        except Exception as exc:  # a repr must not raise (a broken transform shows its error)
            value = str(exc)
        shape = "[" + ", ".join(str(d) for d in self.shape) + "]"
        return (f"<{type(self).__name__}: name={self._name}, dtype={np.dtype(self.dtype).name}, shape={shape}, "
                f"fn={fn_name}, numpy={value}>")


def _default_name(name, transform_fn, pretransformed_input):
    """TFP's name: the one given, else the bijector's, else ``<fn>_<input's name>`` in lower snake
    case (``square_variable_0``), with characters other than letters, digits and ``_`` as ``_``."""
    if not name:
        name = getattr(transform_fn, "name", None) if isinstance(transform_fn, Bijector) else None
    if not name:
        raw = "_".join([getattr(transform_fn, "__name__", type(transform_fn).__name__),
                        getattr(pretransformed_input, "name", "") or ""])
        name = _printing.lower_snake(_printing.strip_invalid(raw))
    return _printing.instance_name(name, name)


def _delegate(method):
    def fn(self, *args):
        return getattr(self.__wb_tensor__(), method)(*args)
    fn.__name__ = method
    return fn


# operators act on the current value (TF 2 tensors' operators; == and hash stay identity-based so
# the objects can key dicts and sets, as TFP's do)
for _m in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
           "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__",
           "__matmul__", "__rmatmul__", "__neg__", "__pos__", "__abs__", "__lt__", "__le__", "__gt__",
           "__ge__", "__getitem__", "__float__", "__int__", "__bool__", "__len__", "__iter__"):
    setattr(DeferredTensor, _m, _delegate(_m))
DeferredTensor.__array_priority__ = 100  # NumPy arrays defer binary operators to us
del _m


class TransformedVariable(DeferredTensor):
    """A variable that lives in a constrained space: ``bijector.forward(v)`` for an unconstrained
    ``wb.Variable`` ``v`` initialized to ``bijector.inverse(initial_value)`` (TFP's
    ``tfp.util.TransformedVariable``).

    It is a ``DeferredTensor``: every use recomputes ``bijector.forward(v)``, so a distribution
    built once with it sees each update and sends gradients to ``v``; ``trainable_variables``
    is ``(v,)`` and ``wb.Module`` finds ``v`` through it. ``assign(value)`` sets
    ``v = bijector.inverse(value)``. Extra keyword arguments (``trainable``...) go to the Variable.

    >>> scale = TransformedVariable(1.0, probability.bijectors.Softplus())
    >>> d = tfd.Normal(0.0, scale)
    >>> scale.trainable_variables[0].numpy()        # softplus^-1(1)
    0.54132485
    >>> _ = scale.assign(2.0)                       # after d was built
    >>> float(d.stddev())
    2.0
    """

    def __init__(self, initial_value, bijector, dtype=None, name=None, **kwargs):
        if not isinstance(bijector, Bijector):
            raise TypeError(f"TransformedVariable: bijector must be a probability.bijectors.Bijector, "
                            f"got {type(bijector).__name__}")
        if callable(initial_value):
            initial_value = initial_value()
        initial = wb.convert_to_tensor(initial_value, dtype=dtype)
        # TFP's names: the variable takes the name given (wb.Variable's default without one), the
        # TransformedVariable the same or its bijector's
        variable = wb.Variable(bijector.inverse(initial), name=name, **kwargs)
        name = _printing.instance_name(name, bijector.name) if name else bijector.name
        super().__init__(variable, bijector, dtype=initial.dtype, shape=initial.shape, name=name)

    @property
    def bijector(self) -> Bijector:
        return self._transform_fn

    @property
    def trainable(self) -> bool:
        return self._pretransformed_input.trainable

    def _constrained(self, value, what):
        value = wb.convert_to_tensor(value) if isinstance(value, (Tensor, DeferredTensor)) \
            else wb.constant(value, dtype=self.dtype)
        if value.dtype != self.dtype:
            raise TypeError(f"{self._name}.{what}: value has dtype {value.dtype}, the variable has dtype {self.dtype}")
        return value

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Set the variable so that the value becomes ``value`` (``v = bijector.inverse(value)``)."""
        self._pretransformed_input.assign(self.bijector.inverse(self._constrained(value, "assign")))
        return self

    def assign_add(self, value, use_locking=False, name=None, read_value=True):
        return self.assign(self.__wb_tensor__() + self._constrained(value, "assign_add"))

    def assign_sub(self, value, use_locking=False, name=None, read_value=True):
        return self.assign(self.__wb_tensor__() - self._constrained(value, "assign_sub"))
