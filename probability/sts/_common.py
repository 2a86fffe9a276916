"""Pieces the components share: default-prior statistics, the scaled softplus bijector and the
state space model base with TFP's per-component properties."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from . import util


def dtype_of(*values, hint=wb.float32):
    for v in values:
        if v is None:
            continue
        d = getattr(v, "dtype", None)
        if d is not None and d in (wb.float32, wb.float64):
            return d
    return hint


def series_statistics(observed_time_series, dtype):
    """``(mean, stddev, initial_centered)`` of the series, or ``(0, 1, 0)`` without one."""
    if observed_time_series is None:
        return (wb.constant(0., dtype=dtype), wb.constant(1., dtype=dtype), wb.constant(0., dtype=dtype))
    return util.empirical_statistics(observed_time_series)


def series_dtype(observed_time_series, *priors):
    if observed_time_series is not None:
        return util.canonicalize_observed_time_series_with_mask(observed_time_series).time_series.dtype
    return dtype_of(*priors)


def scaled_softplus(stddev, dtype):
    """``Scale(stddev) o Softplus(low=eps)``: positive parameters, preconditioned by the series' scale."""
    return tfb.Chain([tfb.Scale(scale=stddev), tfb.Softplus(low=float(np.finfo(np.dtype(dtype.name)).eps))])


def as_tensor(x, dtype, name):
    if isinstance(x, wb.Tensor):
        return x if x.dtype == dtype else wb.cast(x, dtype)
    try:
        return wb.constant(np.asarray(x), dtype=dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"`{name}` must be a float tensor, got {x!r}") from e


def mvn_diag(scale_diag, loc=None):
    return tfd.MultivariateNormalDiag(loc=loc, scale_diag=scale_diag)


class ComponentStateSpaceModel(tfd.LinearGaussianStateSpaceModel):
    """A ``LinearGaussianStateSpaceModel`` remembering the component's own constructor arguments."""

    def _set_parameters(self, parameters):
        parameters = dict(parameters)
        parameters.pop("self", None)
        parameters.pop("__class__", None)
        extra = parameters.pop("linear_gaussian_ssm_kwargs", {}) or {}
        parameters.update(extra)
        self._parameters = parameters

    def __getitem__(self, slices):
        raise NotImplementedError(f"{type(self).__name__}: batch slicing is not supported")


def scope_name(name, default):
    """TFP 0.25's component names are name scopes: ``'trend'`` becomes ``'trend/'``."""
    name = name or default
    return name if name.endswith("/") else name + "/"
