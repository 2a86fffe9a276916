"""Numeric preprocessing: Normalization (with ``adapt``), Rescaling and Discretization.

>>> norm = wb.keras.layers.Normalization()
>>> norm.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> norm(wb.constant([[2.0, 20.0]])).numpy().tolist()
[[0.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ....errors import argcheck
from ..base import Layer
from .common import batches, check_output_mode, encode, host, to_tensor

__all__ = ["Discretization", "Normalization", "Rescaling"]

_EPSILON = 1e-7   # Keras' backend epsilon: the smallest standard deviation divided by


def _listify(value):
    if value is None:
        return None
    arr = np.asarray(host(value), dtype=np.float64)
    return arr.tolist()


class Normalization(Layer):
    """``(x - mean) / max(sqrt(variance), 1e-7)`` per feature (Keras' ``Normalization``).

    ``axis``: the axis (or axes) that keep separate statistics (default -1, the features);
    ``None`` means one mean and variance for everything. ``mean``/``variance``: given
    statistics (broadcast to the kept axes); otherwise :meth:`adapt` computes them from data.
    ``invert=True`` maps normalized values back: ``mean + x * max(sqrt(variance), 1e-7)``.
    The statistics are non-trainable weights (``mean``, ``variance``, ``count`` once adapted).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            self.axis = ()
        else:
            self.axis = tuple(argcheck.integers(axis, "axis", "Normalization"))
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both mean and variance or neither, got mean={mean!r} and "
                             f"variance={variance!r}")
        self.input_mean, self.input_variance = _listify(mean), _listify(variance)
        self._axis_arg = axis if axis is None or isinstance(axis, int) else list(axis)
        self.invert = bool(invert)
        self.supports_masking = True

    def _keep(self, rank):
        keep = []
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError(f"Normalization '{self.name}': axis {a} is out of range for inputs of rank {rank}")
            keep.append(a % rank)
        if 0 in keep and rank > 1:
            raise ValueError(f"Normalization '{self.name}': axis may not include the batch axis (0), got {self.axis}")
        return sorted(set(keep))

    def build(self, input_shape):
        rank = len(input_shape)
        keep = self._keep(rank)
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(f"Normalization '{self.name}': the size of axis {a} must be known, got input "
                                 f"shape {input_shape}")
        self._keep_axes = keep
        self._stat_shape = tuple(input_shape[a] for a in keep)
        self._broadcast_shape = tuple(input_shape[a] if a in keep else 1 for a in range(rank))
        if self.input_mean is not None:
            # given statistics broadcast against the input (Keras 3): (3,), (1, 3) or a scalar
            mean = np.broadcast_to(np.asarray(self.input_mean, np.float64), self._broadcast_shape).reshape(
                self._stat_shape)
            var = np.broadcast_to(np.asarray(self.input_variance, np.float64), self._broadcast_shape).reshape(
                self._stat_shape)
        else:
            mean, var = np.zeros(self._stat_shape), np.ones(self._stat_shape)
        self.adapt_mean = self.add_weight(name="mean", shape=self._stat_shape, initializer=_const(mean),
                                          trainable=False)
        self.adapt_variance = self.add_weight(name="variance", shape=self._stat_shape, initializer=_const(var),
                                              trainable=False)
        self.count = self.add_weight(name="count", shape=(), dtype=np.int64, initializer="zeros", trainable=False)

    # Keras 3: the weights (``adapt_mean``/``adapt_variance``, named 'mean'/'variance') hold one
    # value per kept axis; ``mean``/``variance`` are them reshaped to broadcast against the input
    # (``(1, 9)`` after adapting on rows of 9 features); None before the layer is built
    @property
    def mean(self):
        var = self.__dict__.get("adapt_mean")
        return None if var is None else wb.reshape(var, self._broadcast_shape)

    @property
    def variance(self):
        var = self.__dict__.get("adapt_variance")
        return None if var is None else wb.reshape(var, self._broadcast_shape)

    def adapt(self, data):
        """Set ``mean`` and ``variance`` to the statistics of ``data`` (an array or tensor, or a
        ``wb.data.Dataset`` of batches, read batch by batch) over every axis but ``axis``; the
        variance is the population variance."""
        count, mean, m2 = 0, None, None
        for batch in batches(data, f"Normalization '{self.name}'"):
            batch = np.asarray(batch, dtype=np.float64)
            if batch.ndim == 0:
                batch = batch.reshape(1)
            if not self.built:
                self._maybe_build(wb.constant(batch[:1]))
            if batch.ndim != len(self._broadcast_shape):
                raise ValueError(f"Normalization '{self.name}'.adapt: data of rank {batch.ndim}, but the layer was "
                                 f"built for rank {len(self._broadcast_shape)}")
            reduce = tuple(a for a in range(batch.ndim) if a not in self._keep_axes)
            n = int(np.prod([batch.shape[a] for a in reduce])) if reduce else 1
            if n == 0:
                continue
            b_mean = batch.mean(axis=reduce).reshape(self._stat_shape)
            b_m2 = ((batch - b_mean.reshape(self._broadcast_shape)) ** 2).sum(axis=reduce).reshape(self._stat_shape)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
            else:   # Chan et al.'s pairwise update
                delta = b_mean - mean
                total = count + n
                mean = mean + delta * (n / total)
                m2 = m2 + b_m2 + delta ** 2 * (count * n / total)
                count = total
        if mean is None:
            raise ValueError(f"Normalization '{self.name}'.adapt: the data holds no values")
        self.adapt_mean.assign(mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign((m2 / count).astype(self.adapt_variance.dtype))
        self.count.assign(np.int64(count))

    def call(self, inputs):
        x = wb.convert_to_tensor(inputs)
        if x.dtype != self.compute_dtype:
            x = wb.cast(x, self.compute_dtype)
        mean = wb.reshape(self.adapt_mean, self._broadcast_shape)
        std = wb.maximum(wb.sqrt(wb.reshape(self.adapt_variance, self._broadcast_shape)), _EPSILON)
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def get_config(self):
        return {**super().get_config(), "axis": self._axis_arg, "invert": self.invert,
                "mean": self.input_mean, "variance": self.input_variance}


def _const(value):
    value = np.asarray(value)

    def init(shape, dtype=None):
        return np.array(np.broadcast_to(value, shape), dtype=dtype)
    return init


class Rescaling(Layer):
    """``inputs * scale + offset`` (Keras' ``Rescaling``), e.g. ``scale=1/255`` for pixels in [0, 1];
    ``scale`` and ``offset`` may be numbers or per-channel lists. Integer inputs become floats."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = _number_or_list(scale, "scale"), _number_or_list(offset, "offset")
        self.supports_masking = True

    def call(self, inputs):
        x = wb.convert_to_tensor(inputs)
        if x.dtype != self.compute_dtype:
            x = wb.cast(x, self.compute_dtype)
        scale = wb.constant(np.asarray(self.scale, dtype=self.compute_dtype))
        offset = wb.constant(np.asarray(self.offset, dtype=self.compute_dtype))
        return x * scale + offset

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def _number_or_list(value, what):
    if isinstance(value, (list, tuple, np.ndarray)) or isinstance(value, wb.Tensor):
        arr = np.asarray(host(value), dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"Rescaling: {what} must be finite, got {value!r}")
        return arr.tolist()
    return argcheck.number(value, what, "Rescaling")


class Discretization(Layer):
    """Bucket values by ``bin_boundaries`` (Keras' ``Discretization``): bucket ``i`` holds
    ``boundaries[i-1] <= x < boundaries[i]``, so there are ``len(boundaries) + 1`` buckets.

    ``num_bins`` with :meth:`adapt` takes the boundaries at the ``1/num_bins, 2/num_bins, …``
    quantiles of the data, estimated from a compressed summary as Keras does (``epsilon`` sets
    its resolution), so the boundaries are Keras'. ``output_mode``:
    ``"int"`` (bucket indices, int32), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.

    >>> layer = wb.keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    >>> layer(wb.constant([[-1.5, 1.0, 3.4, 0.5]])).numpy().tolist()
    [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 **kwargs):
        super().__init__(**kwargs)
        if sparse:
            raise ValueError("Discretization: sparse=True is not supported (outputs are dense)")
        if bin_boundaries is None and num_bins is None:
            raise ValueError("Discretization: give bin_boundaries, or num_bins (and call adapt)")
        if bin_boundaries is not None and num_bins is not None and len(bin_boundaries) != num_bins - 1:
            raise ValueError(f"Discretization: num_bins={num_bins} needs {num_bins - 1} bin_boundaries, got "
                             f"{len(bin_boundaries)}")
        if bin_boundaries is not None:
            bounds = [float(b) for b in bin_boundaries]
            if any(b2 < b1 for b1, b2 in zip(bounds, bounds[1:])):
                raise ValueError(f"Discretization: bin_boundaries must be sorted, got {list(bin_boundaries)}")
            self.bin_boundaries = bounds
        else:
            self.bin_boundaries = None
        self.num_bins = None if num_bins is None else argcheck.integer(num_bins, "num_bins", "Discretization",
                                                                       minimum=1)
        self.epsilon = argcheck.number(epsilon, "epsilon", "Discretization")
        self.output_mode = check_output_mode(output_mode, "Discretization")
        self.sparse = False

    def adapt(self, data, steps=None):
        """Boundaries at the ``num_bins``-quantiles of ``data`` (an array, tensor or Dataset of
        batches), estimated as Keras does: each batch is summarized (sorted values, thinned to
        about ``1 / epsilon`` weighted points), the summaries are merged and compressed, and the
        boundaries are read off the merged summary."""
        if self.num_bins is None:
            raise ValueError(f"Discretization '{self.name}'.adapt: the layer was given bin_boundaries; adapt "
                             "needs num_bins")
        summary = np.zeros((2, 0))
        for i, batch in enumerate(batches(data, f"Discretization '{self.name}'")):
            if steps is not None and i >= steps:
                break
            summary = _merge(summary, _summarize(np.asarray(batch, np.float64), self.epsilon), self.epsilon)
        if summary.shape[1] == 0:
            raise ValueError(f"Discretization '{self.name}'.adapt: the data holds no values")
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}': call adapt(data) first (num_bins was given, "
                             "so the boundaries come from data)")
        x = host(inputs)
        # bucket indices are int32, Keras 3's output dtype for output_mode="int"
        idx = np.searchsorted(np.asarray(self.bin_boundaries), x, side="right").astype(np.int32)
        depth = len(self.bin_boundaries) + 1
        out = encode(idx, depth, self.output_mode, self.compute_dtype, f"Discretization '{self.name}'")
        return to_tensor(out, inputs)

    def get_config(self):
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse}


# -- Keras' approximate quantiles: a summary is [values, weights], sorted by value ----------------------


def _summarize(values, epsilon):
    """Sorted ``values`` thinned to about ``1 / epsilon`` points, each weighing the values it stands for."""
    values = np.sort(values.ravel())
    step = int(values.size / (1.0 / epsilon))
    picked = values[step::max(step, 1)]
    return np.stack([picked, np.full(picked.shape, float(max(step, 1)))])


def _compress(summary, epsilon):
    """The summary resampled at cumulative-weight fractions ``epsilon, 2 epsilon, …, 1``."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    values = np.interp(fractions, cum / cum[-1], summary[0])
    cum = np.interp(fractions, cum / cum[-1], cum)
    weights = cum - np.concatenate([[0.0], cum[:-1]])
    return np.stack([values, weights]).astype(np.float32)


def _merge(a, b, epsilon):
    merged = np.concatenate([a, b], axis=1)
    return _compress(merged[:, np.argsort(merged[0], kind="stable")], epsilon)
