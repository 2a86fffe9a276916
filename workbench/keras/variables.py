"""``wb.keras.Variable``: Keras 3's variable, a ``wb.Variable`` with Keras' names and repr.

Keras 3 gives a weight a short ``name`` (``'kernel'``) and a ``path`` that says where it
lives (``'dense/kernel'``: the layers whose build or call created it, then the name).
Everything that must tell two weights apart (optimizer slots, weight decay patterns,
TensorBoard weight tags, ONNX initializers, saved models) keys them by ``path``; a
checkpoint keys them by the attributes that hold them. Being a ``wb.Variable``, it
works with every op, tape and optimizer.

>>> v = wb.keras.Variable("ones", shape=(2,), name="w")
>>> v
<Variable path=w, shape=(2,), dtype=float32, value=[1. 1.]>
>>> v.name, v.path, v.value.numpy()
('w', 'w', array([1., 1.], dtype=float32))
>>> layer = wb.keras.layers.Dense(2)
>>> _ = layer(wb.ones([1, 3]))
>>> layer.kernel.name, layer.kernel.path
('kernel', 'dense/kernel')
"""

from __future__ import annotations

import numpy as np

from .. import backend, core, dtypes
from ..core import Tensor, convert_to_tensor
from ..module import current_scope_name
from . import dtype_policies, initializers

__all__ = ["Variable"]

_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")
_SYNCHRONIZATIONS = ("none", "on_read", "on_write", "auto")
_name_counts: dict = {}


def _auto_name() -> str:
    # Keras numbers unnamed variables as it numbers layers: variable, variable_1, ...
    n = _name_counts.get("variable", 0)
    _name_counts["variable"] = n + 1
    return "variable" if n == 0 else f"variable_{n}"


class Variable(core.Variable):
    """A Keras 3 variable (``keras.Variable``).

    ``initializer``: an initial value (array, list, number, tensor) or an initializer (a name
    such as ``"zeros"``, an initializer object or a callable ``(shape, dtype)``), which then
    needs ``shape``. ``dtype``: default the value's dtype, or ``floatx()`` (float32) for an
    initializer.
    ``name`` (no ``/``; default ``'variable'``, ``'variable_1'``, ...) is the short name;
    ``path`` adds the layers whose build or call is running (``'dense/kernel'``).
    ``autocast``, ``aggregation`` (``'none'``, ``'mean'``, ``'sum'``,
    ``'only_first_replica'``) and ``synchronization`` (``'none'``, ``'on_read'``,
    ``'on_write'``, ``'auto'``) are kept and reported as Keras does. ``autocast``: inside the
    ``call`` of a layer with a mixed dtype policy (``"mixed_float16"``) the layer's floating
    weights read as its compute dtype (float16), as Keras' AutoCastVariable does; False keeps
    them in their own dtype (the normalization layers' weights).

    ``value`` is the current value as a tensor (a property, as in Keras 3; a tape records
    the read); ``assign``, ``assign_add``, ``assign_sub`` and ``numpy()`` are
    ``wb.Variable``'s.
    """

    __slots__ = ("_short_name", "_autocast", "_aggregation", "_synchronization", "regularizer", "constraint",
                 "overwrite_with_gradient")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True, aggregation="none",
                 synchronization="auto", name=None):
        if name is None:
            name = _auto_name()
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"Variable: name must be a non-empty string without '/', got {name!r}")
        if aggregation is None:
            aggregation = "none"
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"Variable '{name}': aggregation must be one of {list(_AGGREGATIONS)} or None, "
                             f"got {aggregation!r}")
        if synchronization is None:
            synchronization = "none"
        if synchronization not in _SYNCHRONIZATIONS:
            raise ValueError(f"Variable '{name}': synchronization must be one of {list(_SYNCHRONIZATIONS)} or "
                             f"None, got {synchronization!r}")
        want = None if dtype is None else dtypes.np_dtype(dtype)
        if shape is not None:
            try:
                shape = tuple(int(d) for d in shape)
            except (TypeError, ValueError):
                raise ValueError(f"Variable '{name}': shape must be a sequence of integers (fully defined), "
                                 f"got {shape!r}") from None
        value = self._initial_value(initializer, shape, want, name)
        super().__init__(value, trainable=trainable, name=current_scope_name(name))
        self._short_name = name
        self._autocast = bool(autocast)
        self._aggregation = aggregation
        self._synchronization = synchronization
        self.regularizer = None
        self.constraint = None
        self.overwrite_with_gradient = False

    @staticmethod
    def _initial_value(initializer, shape, dtype, name):
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, Tensor)):
            init = initializers.get(initializer)
            if shape is None:
                raise ValueError(f"Variable '{name}': an initializer ({initializer!r}) needs the argument "
                                 "shape, got shape=None")
            dtype = dtype if dtype is not None else np.dtype(dtype_policies.floatx())
            value = init(shape, dtype=dtype)
        else:
            if initializer is None:
                raise ValueError(f"Variable '{name}': initializer must be an initial value or an initializer, "
                                 "got None")
            value = initializer
        value = convert_to_tensor(value) if not isinstance(value, Tensor) else value
        arr = value.numpy()
        if dtype is not None and arr.dtype != dtype:
            arr = np.asarray(arr).astype(dtype)
        if shape is not None and tuple(np.shape(arr)) != shape:
            raise ValueError(f"Variable '{name}': the initial value has shape {tuple(np.shape(arr))}, "
                             f"the argument shape is {shape}")
        return arr

    # -- Keras 3's names ----------------------------------------------------------------
    @property
    def name(self) -> str:
        """The short name given at creation (``'kernel'``), as Keras 3's."""
        return self._short_name

    @property
    def path(self) -> str:
        """Where the variable lives: the layers that created it, then its name (``'dense/kernel'``)."""
        return self._name

    @property
    def value(self) -> Tensor:
        """The current value as a tensor (a read that tapes record)."""
        return self.read_value()

    @property
    def autocast(self) -> bool:
        return self._autocast

    @property
    def aggregation(self) -> str:
        return self._aggregation

    @property
    def synchronization(self) -> str:
        return self._synchronization

    def __repr__(self):
        arr = np.asarray(backend.to_numpy(self._data))   # without counting as a read
        return f"<Variable path={self.path}, shape={tuple(self.shape)}, dtype={self.dtype.name}, value={arr}>"

    __str__ = __repr__
