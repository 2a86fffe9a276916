"""What ``Model.compile`` keeps: the losses and metrics of each model output (Keras 3's
``CompileLoss`` and ``CompileMetrics``).

Both are built on the first batch, when the targets and predictions show how many outputs
there are and, for ``"accuracy"``/``"acc"``, which accuracy fits: binary for one output unit,
sparse categorical for integer labels with one axis fewer than the predictions (or a last axis
of 1), categorical otherwise.

Names follow Keras: with one output, metrics are named as given (``"acc"`` stays ``acc``);
with several, each is prefixed by its output's name (``digit_accuracy``) and each output's
loss is tracked as ``<output>_loss``.
"""

from __future__ import annotations

import numpy as np

from .. import nest
from ..core import Tensor
from ..ops.elementwise import cast
from .dtype_policies import floatx
from . import losses as losses_module
from . import metrics as metrics_module

__all__ = ["CompileLoss", "CompileMetrics", "get_loss", "get_metric"]


def _shape(x):
    return tuple(x.shape)


def _binary_or_sparse(y_true, y_pred):
    """Keras' reading of the target/prediction shapes: (is_binary, is_sparse_categorical)."""
    t, p = _shape(y_true), _shape(y_pred)
    t_last = t[-1] if t else None
    p_last = p[-1] if p else None
    is_binary = p_last == 1
    is_sparse = len(t) < len(p) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _function_like(value):
    return value is None or isinstance(value, str) or callable(value)


def get_metric(identifier, y_true, y_pred):
    """One metric object for ``identifier`` (a name, a function or a Metric), named as Keras
    names it."""
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _binary_or_sparse(y_true, y_pred)
        if is_binary:
            return metrics_module.BinaryAccuracy(name=identifier)
        if is_sparse:
            return metrics_module.SparseCategoricalAccuracy(name=identifier)
        return metrics_module.CategoricalAccuracy(name=identifier)
    obj = metrics_module.get(identifier)
    if isinstance(obj, metrics_module.Metric):
        if isinstance(identifier, str) and obj.name != identifier:
            obj = _renamed(obj, identifier)
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
        return metrics_module.MeanMetricWrapper(obj, name=name)
    raise TypeError(f"compile: cannot interpret {identifier!r} as a metric")


def _renamed(metric, name):
    """The metric a string named, under that string (``"mse"``, not ``mean_squared_error``)."""
    config = metric.get_config() if hasattr(metric, "get_config") else {}
    config = dict(config, name=name)
    try:
        return type(metric).from_config(config) if hasattr(type(metric), "from_config") else type(metric)(**config)
    except TypeError:
        return type(metric)(name=name)


def get_loss(identifier, y_true, y_pred):
    """One Loss object for ``identifier``; ``"crossentropy"``/``"ce"`` picks binary, sparse
    or categorical cross-entropy from the shapes, as Keras does."""
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = _binary_or_sparse(y_true, y_pred)
        fn = (losses_module.binary_crossentropy if is_binary else
              losses_module.sparse_categorical_crossentropy if is_sparse else
              losses_module.categorical_crossentropy)
        return losses_module.LossFunctionWrapper(fn, name=identifier)
    obj = losses_module.get(identifier)
    if isinstance(obj, losses_module.Loss):
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "loss")
        return losses_module.LossFunctionWrapper(obj, name=name)
    raise TypeError(f"compile: cannot interpret {identifier!r} as a loss")


# ---------------------------------------------------------------------------
# Matching per-output arguments to the model's outputs


def flat_outputs(y_pred):
    """The model's outputs in flat order (dicts by sorted key, as ``nest.flatten``)."""
    return nest.flatten(y_pred) if isinstance(y_pred, (list, tuple, dict)) else [y_pred]


def output_names_for(y_pred, output_names):
    """One name per flat output: dict keys, else the model's output names, else ``output_<i>``."""
    if isinstance(y_pred, dict):
        return sorted(y_pred)
    n = len(flat_outputs(y_pred))
    if output_names and len(output_names) == n:
        return list(output_names)
    return [f"output_{i}" for i in range(n)] if n > 1 else [None]


def per_output(value, names, what, single_is_shared=True):
    """``value`` spread over the outputs ``names``: one entry per output (None where absent).

    A dict is read by output name, a list/tuple by position; anything else is shared by all
    outputs (``single_is_shared``) or belongs to a single output."""
    n = len(names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"compile: in the dict argument `{what}`, key(s) {unknown} do not correspond to "
                             f"any model output; the outputs are {names}")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and n == 1 and len(value) == 1:
        return [value[0]]
    if isinstance(value, (list, tuple)) and n > 1:
        if len(value) != n:
            raise ValueError(f"For a model with multiple outputs, when providing the `{what}` argument as a "
                             f"list, it should have as many entries as the model has outputs. Received "
                             f"{what}={value!r} of length {len(value)} whereas the model has {n} outputs.")
        return list(value)
    if n == 1 or single_is_shared:
        return [value] * n
    raise ValueError(f"`{what}` must be given per output (a list or a dict keyed by {names})")


def flat_targets(y, y_pred, names, what="y"):
    """Targets (or sample weights) in the outputs' flat order."""
    n = len(names)
    if y is None:
        return [None] * n
    if isinstance(y, dict):
        if n == 1 and not isinstance(y_pred, dict) and len(y) == 1:
            return list(y.values())
        missing = [k for k in names if k not in y]
        if missing:
            raise ValueError(f"{what} is a dict with keys {sorted(y)}, but the model's outputs are named "
                             f"{names}: missing {missing}")
        return [y[k] for k in names]
    if isinstance(y, (list, tuple)):
        if n == 1 and len(y) == 1:
            return list(y)
        if len(y) != n:
            raise ValueError(f"{what} has {len(y)} entries but the model has {n} outputs {names}")
        return list(y)
    if n == 1:
        return [y]
    if what == "sample_weight":
        return [y] * n   # one weight array for every output
    raise ValueError(f"the model has {n} outputs {names}, so {what} must be a list or a dict of {n} "
                     f"arrays, got one {type(y).__name__}")


class CompileLoss:
    """The total loss of a batch: each output's loss times its weight, summed."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, float, int)):
            raise ValueError("Expected `loss_weights` argument to be a float (single output case) or a "
                             "list, tuple, or dict (multiple output case). Received instead: "
                             f"loss_weights={loss_weights!r} of type {type(loss_weights).__name__}")
        if not isinstance(loss, (list, tuple, dict)) and not _function_like(loss):
            raise TypeError(f"compile: cannot interpret loss={loss!r} as a loss")
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics = []
        self._losses = None

    def build(self, y_true, y_pred):
        names = output_names_for(y_pred, self.output_names)
        self.names = names
        ys = flat_targets(y_true, y_pred, names)
        ps = flat_outputs(y_pred)
        fns = per_output(self._user_loss, names, "loss")
        weights = per_output(self._user_loss_weights, names, "loss_weights")
        self._losses = []
        for name, fn, weight, yt, yp in zip(names, fns, weights, ys, ps):
            if fn is None:
                self._losses.append(None)
                continue
            loss = get_loss(fn, yt, yp)
            self._losses.append((loss, None if weight is None else float(weight), name or loss.name))
        active = [entry for entry in self._losses if entry is not None]
        if not active:
            raise ValueError("compile: every output's loss is None; give a loss for at least one output")
        if len(active) > 1:
            self.metrics = [metrics_module.Mean(name=f"{entry[2]}_loss") for entry in active]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        ys = flat_targets(y_true, y_pred, self.names)
        ps = flat_outputs(y_pred)
        sws = flat_targets(sample_weight, y_pred, self.names, "sample_weight")
        trackers = iter(self.metrics)
        total = None
        for entry, yt, yp, sw in zip(self._losses, ys, ps, sws):
            if entry is None:
                continue
            loss, weight, _ = entry
            yp = _in_floatx(yp)
            value = loss(yt, yp, sample_weight=sw)
            if value.dtype.kind != "f":
                value = cast(value, np.float32)
            if self.metrics:
                next(trackers).update_state(value, sample_weight=int(_shape(yp)[0]) if _shape(yp) else 1)
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


def _in_floatx(y_pred):
    """A floating output in ``floatx()`` (float32): Keras 3 computes the compiled losses in it,
    so a float16 output of a mixed-precision model is scored in float32 (a float64 one too)."""
    if isinstance(y_pred, Tensor):
        dtype = y_pred._data.dtype
        if dtype.kind == "f" and dtype != np.dtype(floatx()):
            return cast(y_pred, floatx())
    return y_pred


class _MetricsList:
    def __init__(self, metrics, output_name=None):
        self.metrics = metrics
        self.output_name = output_name


class CompileMetrics(metrics_module.Metric):
    """The metrics given to ``compile``, as one metric whose result is a dict of them."""

    def __init__(self, metrics, weighted_metrics, output_names=None):
        super().__init__(name="compile_metrics")
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{arg}` argument to be a list, tuple, or dict. Received instead: "
                                 f"{arg}={value!r} of type {type(value).__name__}")
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.output_names = output_names
        self.built = False
        self._flat = []
        self._flat_weighted = []

    @property
    def metrics(self):
        out = []
        for entry in self._flat + self._flat_weighted:
            if entry is not None:
                out.extend(entry.metrics)
        return out

    def _build_set(self, given, names, ys, ps, what):
        if not given:
            return [None] * len(names)
        multi = len(names) > 1
        if not multi:
            if isinstance(given, dict):
                unknown = [k for k in given if k not in names]
                if unknown:
                    raise ValueError(f"compile: in the dict argument `{what}`, key(s) {unknown} do not "
                                     f"correspond to any model output; the output is {names[0]!r}")
            lists = [nest.flatten(given) if isinstance(given, dict) else list(given)]
        else:
            lists = per_output(given if isinstance(given, dict) else list(given), names, what,
                               single_is_shared=False)
        out = []
        for name, entries, yt, yp in zip(names, lists, ys, ps):
            if entries is None:
                out.append(None)
                continue
            if not isinstance(entries, (list, tuple)):
                entries = [entries]
            bad = [e for e in entries if not _function_like(e)]
            if bad:
                raise ValueError(f"Expected all entries in the `{what}` list to be metric objects. "
                                 f"Received instead: {bad!r}")
            out.append(_MetricsList([get_metric(e, yt, yp) for e in entries if e is not None],
                                    name if multi else None))
        return out

    def build(self, y_true, y_pred):
        names = output_names_for(y_pred, self.output_names)
        self.names = names
        ys = flat_targets(y_true, y_pred, names)
        ps = flat_outputs(y_pred)
        self._flat = self._build_set(self._user_metrics, names, ys, ps, "metrics")
        self._flat_weighted = self._build_set(self._user_weighted_metrics, names, ys, ps, "weighted_metrics")
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        ys = flat_targets(y_true, y_pred, self.names)
        ps = flat_outputs(y_pred)
        sws = flat_targets(sample_weight, y_pred, self.names, "sample_weight")
        for entry, yt, yp in zip(self._flat, ys, ps):
            if entry is not None:
                for m in entry.metrics:
                    m.update_state(yt, yp)
        for entry, yt, yp, sw in zip(self._flat_weighted, ys, ps, sws):
            if entry is not None:
                for m in entry.metrics:
                    m.update_state(yt, yp, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def result(self):
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results, seen = {}, {}
        for entry in self._flat:
            if entry is None:
                continue
            for m in entry.metrics:
                name = f"{entry.output_name}_{m.name}" if entry.output_name else m.name
                if name in seen:
                    seen[name] += 1
                    name = f"{name}_{seen[name] - 1}"
                else:
                    seen[name] = 1
                results[name] = m.result()
        for entry in self._flat_weighted:
            if entry is None:
                continue
            for m in entry.metrics:
                name = f"{entry.output_name}_{m.name}" if entry.output_name else m.name
                if name in seen:
                    name = f"weighted_{m.name}"
                    if entry.output_name:
                        name = f"{entry.output_name}_{name}"
                    if name in seen:
                        seen[name] += 1
                        name = f"{name}_{seen[name] - 1}"
                seen[name] = seen.get(name, 1)
                results[name] = m.result()
        return results

    def _own_entries(self):
        return []
