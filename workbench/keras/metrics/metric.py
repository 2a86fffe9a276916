"""The metric base class and the reducing metrics: Sum, Mean and MeanMetricWrapper.

A metric keeps its state in non-trainable Variables: ``update_state(y_true, y_pred,
sample_weight=None)`` accumulates, ``result()`` reads the value, ``reset_state()`` starts
over; calling the metric updates and returns the result.
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import losses
from ..losses import weights_like
from ...module import Module, _NameScope, _snake_case
from ..variables import Variable as KerasVariable
from ..dtype_policies import floatx


# how a metric's state variable combines across workers (Keras 3's variable aggregations)
AGGREGATIONS = ("sum", "mean", "only_first_replica", "none")


class Metric(Module):
    """Base class: state Variables made with :meth:`add_weight`; subclasses implement
    ``update_state`` and ``result``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name or _snake_case(type(self).__name__))
        self.dtype = np.dtype(dtype or floatx())
        self._state = []

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Keras 3's metric state variable, with how the state combines across workers
        when ``fit`` reads the metric under a strategy: ``"sum"`` (counts, totals), ``"mean"``,
        ``"only_first_replica"`` (the chief's value) or ``"none"`` (each keeps its own)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, aggregation=aggregation,
                               name=name or f"variable_{len(self._state)}")

    def add_weight(self, *args, shape=None, initializer=None, dtype=None, aggregation="sum", name=None):
        """A non-trainable state ``wb.keras.Variable`` (Keras 3's ``Metric.add_weight(shape=(),
        initializer=None, dtype=None, name=None)``; ``initializer`` default zeros), reset to
        ``initializer``'s value by ``reset_state`` (``aggregation``: as :meth:`add_variable`).
        Positional arguments: ``(shape, initializer, dtype)``, or the Keras 2 order ``(name,
        shape, initializer, dtype)`` with a string first."""
        where = f"{type(self).__name__}.add_weight"
        if args:
            order = (("name", "shape", "initializer", "dtype") if isinstance(args[0], str)
                     else ("shape", "initializer", "dtype"))
            if len(args) > len(order):
                raise TypeError(f"{where}: takes at most {len(order)} positional arguments {order}, "
                                f"got {len(args)}")
            given = {"name": name, "shape": shape, "initializer": initializer, "dtype": dtype}
            for key, value in zip(order, args):
                if given[key] is not None:
                    raise ValueError(f"{where}: `{key}` was passed both positionally and as a keyword argument")
                given[key] = value
            name, shape, initializer, dtype = given["name"], given["shape"], given["initializer"], given["dtype"]
        shape = () if shape is None else shape
        initializer = "zeros" if initializer is None else initializer
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"{type(self).__name__}.add_weight: aggregation must be one of {list(AGGREGATIONS)}, "
                             f"got {aggregation!r}")
        init = wb.keras.initializers.get(initializer)
        dtype = np.dtype(dtype or self.dtype)
        # Keras 3's metric variable: name 'total', path '<metric>/total'
        with _NameScope(self.name):
            var = KerasVariable(init, shape=tuple(shape), dtype=dtype, trainable=False, aggregation=aggregation,
                                synchronization="on_read", name=name)
        self._state.append((var, init, aggregation))
        return var

    # Keras 3's metrics list their variables (wb.Module's tuples are TF's)
    @property
    def variables(self) -> list:
        return list(Module.variables.fget(self))

    @property
    def trainable_variables(self) -> list:
        return list(Module.trainable_variables.fget(self))

    @property
    def non_trainable_variables(self) -> list:
        return list(Module.non_trainable_variables.fget(self))

    def state_aggregations(self) -> list:
        """``(variable, aggregation)`` of every state variable made by :meth:`add_weight`."""
        return [(var, aggregation) for var, _, aggregation in self._state]

    def reset_state(self):
        for var, init, _ in self._state:
            var.assign(init(var.shape, dtype=var.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def _own_entries(self):
        return [(k, v) for k, v in super()._own_entries() if k != "_state"]

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        """The metric a :meth:`get_config` dict describes (with fresh state)."""
        return cls(**config)

    def __repr__(self):
        # Keras 3's: <Mean name=mean>
        return f"<{type(self).__name__} name={self.name}>"


def to_float(x, dtype):
    """``x`` as a tensor of the floating ``dtype``."""
    t = wb.convert_to_tensor(x)
    return t if t.dtype == dtype else wb.cast(t, dtype)


class Reduce(Metric):
    """The state of Sum and Mean: a weighted total."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_weight(name="total")

    def _weighted(self, values, sample_weight):
        values = to_float(values, self.dtype)
        if sample_weight is None:
            return values, None
        w = wb.broadcast_to(weights_like(sample_weight, values), values.shape)
        return values * w, w


class Sum(Reduce):
    """The (weighted) sum of all values seen.

    >>> wb.keras.metrics.Sum()([1, 3, 5, 7]).numpy()
    np.float32(16.0)
    """

    def update_state(self, values, sample_weight=None):
        values, _ = self._weighted(values, sample_weight)
        self.total.assign_add(wb.reduce_sum(values))

    def result(self):
        return wb.identity(self.total)


class Mean(Reduce):
    """The (weighted) mean of all values seen: ``sum(w * v) / sum(w)``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.count = self.add_weight(name="count")

    def update_state(self, values, sample_weight=None):
        weighted, w = self._weighted(values, sample_weight)
        self.total.assign_add(wb.reduce_sum(weighted))
        self.count.assign_add(wb.reduce_sum(w) if w is not None
                              else wb.constant(float(np.prod(weighted.shape)), dtype=self.dtype))

    def result(self):
        return wb.math.divide_no_nan(self.total, self.count)


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred)`` (per-example values)."""

    def __init__(self, fn, name=None, dtype=None, **fn_kwargs):
        super().__init__(name, dtype)
        self._fn = fn
        self._fn_kwargs = fn_kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:  # subclasses name their function by their class
            config["fn"] = losses.function_config(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper:
            config = {**config, "fn": losses.function_from_config(config["fn"])}
        return cls(**config)
