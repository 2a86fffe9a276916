"""The kernel base class: parameters and batch shapes, apply/matrix/tensor, sums and products."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ... import internal

__all__ = ["PositiveSemidefiniteKernel"]


class PositiveSemidefiniteKernel:
    """Base class of every kernel (TFP's ``PositiveSemidefiniteKernel``).

    Subclasses declare ``_param_feature_ndims`` (name -> trailing dims that are not batch dims,
    0 for most) and implement ``_apply(x1, x2, example_ndims)``, where ``x1`` and ``x2``
    broadcast and the parameters, read through ``self._param(name, example_ndims)``, already
    have ``example_ndims`` trailing ones.
    """

    _param_feature_ndims: dict = {}

    def __init__(self, feature_ndims=1, dtype=None, name=None, validate_args=False, parameters=None):
        if int(feature_ndims) < 0:
            raise ValueError(f"{type(self).__name__}: feature_ndims must be >= 0, got {feature_ndims!r}")
        self._feature_ndims = int(feature_ndims)
        self._dtype = dtype
        self._name = name or type(self).__name__
        self._validate_args = bool(validate_args)
        params = dict(parameters or {})
        params.pop("self", None)
        params.pop("__class__", None)
        self._parameters = params

    def _init_params(self, values, dtype_hint=np.float32, positive=()):
        """Convert the parameters (None stays None) to one floating dtype. A kernel given no
        parameters has no dtype (None, as TFP's): it computes in its inputs' floating dtype."""
        given = [v for v in values.values() if v is not None]
        dtype = internal.common_dtype(given, dtype_hint or np.float32)
        self._params = {k: None if v is None else internal.as_param(v, k, dtype, type(self).__name__)
                        for k, v in values.items()}
        self._dtype = dtype if given else None
        if self._validate_args:
            for k in positive:
                v = self._params.get(k)
                if v is not None and not np.all(np.asarray(wb.convert_to_tensor(v).numpy()) > 0):
                    raise ValueError(f"{type(self).__name__}: argument `{k}` must be positive, got "
                                     f"{wb.convert_to_tensor(v).numpy()!r}")

    # -- properties ---------------------------------------------------------------
    @property
    def feature_ndims(self):
        return self._feature_ndims

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def validate_args(self):
        return self._validate_args

    @property
    def parameters(self):
        return dict(self._parameters)

    @property
    def batch_shape(self):
        shapes = []
        for k, v in getattr(self, "_params", {}).items():
            if v is None:
                continue
            nd = self._param_feature_ndims.get(k, 0)
            shape = tuple(v.shape)
            shapes.append(shape[:len(shape) - nd] if nd else shape)
        return wb.TensorShape(internal.broadcast_shapes(*shapes) if shapes else ())

    def batch_shape_tensor(self):
        return wb.constant(np.asarray(self.batch_shape, dtype=np.int32))

    def _param(self, name, example_ndims):
        """A parameter with ``example_ndims`` ones inserted before its feature dims (None stays None)."""
        v = self._params[name]
        if v is None:
            return None
        v = wb.convert_to_tensor(v)
        nd = self._param_feature_ndims.get(name, 0)
        shape = tuple(v.shape)
        return wb.reshape(v, shape[:len(shape) - nd] + (1,) * example_ndims + shape[len(shape) - nd:]) \
            if example_ndims else v

    # -- evaluation -----------------------------------------------------------------
    def _input(self, x, what):
        if self._dtype is None:   # no parameters: a floating input keeps its dtype, Python floats are float32
            t = wb.convert_to_tensor(x)
            dtype = t.dtype if t.dtype.kind == "f" else np.dtype(np.float32)
        else:
            dtype = self._dtype
            t = x if isinstance(x, wb.Tensor) else wb.constant(np.asarray(x) if isinstance(x, (list, tuple)) else x,
                                                               dtype=dtype)
        if t.dtype != dtype:
            if t.dtype.kind in "iu":
                t = wb.cast(t, dtype)
            else:
                raise TypeError(f"{type(self).__name__}: `{what}` has dtype {t.dtype}, the kernel has dtype {dtype}")
        if t.ndim < self._feature_ndims:
            raise ValueError(f"{type(self).__name__}: `{what}` has shape {t.shape}, which has fewer than "
                             f"feature_ndims={self._feature_ndims} dimensions")
        return t

    def apply(self, x1, x2, example_ndims=0, name=None):
        """The kernel on pairs: ``x1`` and ``x2`` of shapes ``B + E + F`` that broadcast (``E`` has
        ``example_ndims`` dims, ``F`` is the feature shape); result ``batch + E``."""
        x1, x2 = self._input(x1, "x1"), self._input(x2, "x2")
        return self._apply(x1, x2, int(example_ndims))

    def matrix(self, x1, x2, name=None):
        """Every pair: ``x1`` of shape ``B + [n] + F``, ``x2`` of shape ``B + [m] + F``; result
        ``batch + [n, m]``."""
        return self.tensor(x1, x2, 1, 1)

    def tensor(self, x1, x2, x1_example_ndims, x2_example_ndims, name=None):
        """Every pair of the example dims of ``x1`` and ``x2``: result ``batch + E1 + E2``."""
        x1, x2 = self._input(x1, "x1"), self._input(x2, "x2")
        f, e1, e2 = self._feature_ndims, int(x1_example_ndims), int(x2_example_ndims)
        x1 = wb.reshape(x1, tuple(x1.shape[:x1.ndim - f]) + (1,) * e2 + tuple(x1.shape[x1.ndim - f:]))
        split = x2.ndim - f - e2
        x2 = wb.reshape(x2, tuple(x2.shape[:split]) + (1,) * e1 + tuple(x2.shape[split:]))
        return self._apply(x1, x2, e1 + e2)

    def _apply(self, x1, x2, example_ndims):
        raise NotImplementedError(f"{type(self).__name__} does not implement apply")

    # -- helpers for subclasses ---------------------------------------------------------
    def _sum_features(self, t):
        f = self._feature_ndims
        return wb.reduce_sum(t, axis=list(range(-f, 0))) if f else t

    def _squared_distance(self, x1, x2):
        return self._sum_features(wb.square(x1 - x2))

    # -- algebra ----------------------------------------------------------------------
    def __add__(self, other):
        return _SumKernel([self, other])

    def __mul__(self, other):
        return _ProductKernel([self, other])

    def __repr__(self):
        return (f"<probability.math.psd_kernels.{type(self).__name__} '{self._name}' "
                f"batch_shape={list(self.batch_shape)} feature_ndims={self._feature_ndims} dtype={self._dtype}>")


class _CombinedKernel(PositiveSemidefiniteKernel):
    def __init__(self, kernels, name=None):
        kernels = [k for item in kernels for k in (item.kernels if type(item) is type(self) else [item])]
        for k in kernels:
            if not isinstance(k, PositiveSemidefiniteKernel):
                raise TypeError(f"{type(self).__name__[1:]}: can only combine kernels, got {type(k).__name__}")
        if len({k.feature_ndims for k in kernels}) != 1:
            raise ValueError(f"{type(self).__name__[1:]}: the kernels have different feature_ndims "
                             f"{[k.feature_ndims for k in kernels]}")
        dtypes = {np.dtype(k.dtype) for k in kernels if k.dtype is not None}
        if len(dtypes) > 1:
            raise TypeError(f"{type(self).__name__[1:]}: the kernels have different dtypes {sorted(map(str, dtypes))}")
        super().__init__(kernels[0].feature_ndims, dtypes.pop() if dtypes else None, name,
                         parameters={"kernels": kernels})
        self._kernels = kernels

    @property
    def kernels(self):
        return list(self._kernels)

    @property
    def batch_shape(self):
        return wb.TensorShape(internal.broadcast_shapes(*[k.batch_shape for k in self._kernels]))


class _SumKernel(_CombinedKernel):
    """``k1 + k2 + ...``: the sum of kernels (also positive semidefinite)."""

    def _apply(self, x1, x2, example_ndims):
        return wb.add_n([k._apply(x1, x2, example_ndims) for k in self._kernels])


class _ProductKernel(_CombinedKernel):
    """``k1 * k2 * ...``: the elementwise product of kernels (Schur product theorem)."""

    def _apply(self, x1, x2, example_ndims):
        out = self._kernels[0]._apply(x1, x2, example_ndims)
        for k in self._kernels[1:]:
            out = out * k._apply(x1, x2, example_ndims)
        return out
