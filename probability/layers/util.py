"""The posterior and prior builders of TFP's variational dense layers (``tfp.layers.util``).

A builder is called by a layer's ``build`` as ``fn(dtype, shape, name, trainable,
add_variable_fn)`` and returns a distribution over a weight of ``shape``, whose
variables it creates with ``add_variable_fn`` (the layer's ``add_weight``)::

    posterior = default_mean_field_normal_fn()     # Independent(Normal(loc, softplus(rho)))
    prior = default_multivariate_normal_fn         # Independent(Normal(0, 1))
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import distributions as tfd
from ..util import DeferredTensor

__all__ = ["default_loc_scale_fn", "default_mean_field_normal_fn", "default_multivariate_normal_fn"]


def _add(add_variable_fn, **kwargs):
    constraint = kwargs.pop("constraint", None)
    if constraint is not None:
        raise NotImplementedError(f"{kwargs['name']}: variable constraints are not supported by wb.keras "
                                  f"layers; got {constraint!r}")
    return add_variable_fn(**kwargs)


def default_loc_scale_fn(is_singular=False, loc_initializer=None, untransformed_scale_initializer=None,
                         loc_regularizer=None, untransformed_scale_regularizer=None, loc_constraint=None,
                         untransformed_scale_constraint=None):
    """A builder ``fn(dtype, shape, name, trainable, add_variable_fn) -> (loc, scale)``: a variable
    ``<name>_loc`` (initialized from N(0, 0.1^2)) and, unless ``is_singular`` (then ``scale`` is
    None), ``scale = eps + softplus(<name>_untransformed_scale)`` read at each use (initialized from
    N(-3, 0.1^2), so scales start near 0.05)."""
    loc_init = loc_initializer or wb.keras.initializers.RandomNormal(stddev=0.1)
    scale_init = untransformed_scale_initializer or wb.keras.initializers.RandomNormal(mean=-3.0, stddev=0.1)

    def fn(dtype, shape, name, trainable, add_variable_fn):
        dtype = np.dtype(dtype)
        loc = _add(add_variable_fn, name=name + "_loc", shape=shape, initializer=loc_init,
                   regularizer=loc_regularizer, constraint=loc_constraint, dtype=dtype, trainable=trainable)
        if is_singular:
            return loc, None
        untransformed = _add(add_variable_fn, name=name + "_untransformed_scale", shape=shape,
                             initializer=scale_init, regularizer=untransformed_scale_regularizer,
                             constraint=untransformed_scale_constraint, dtype=dtype, trainable=trainable)
        eps = np.finfo(dtype).eps
        scale = DeferredTensor(untransformed, lambda x: eps + wb.nn.softplus(x))
        return loc, scale
    return fn


def default_mean_field_normal_fn(is_singular=False, loc_initializer=None, untransformed_scale_initializer=None,
                                 loc_regularizer=None, untransformed_scale_regularizer=None,
                                 loc_constraint=None, untransformed_scale_constraint=None):
    """A builder of the mean-field posterior ``Independent(Normal(loc, scale))`` over the whole
    weight (``Independent(Deterministic(loc))`` when ``is_singular``); see
    :func:`default_loc_scale_fn` for the variables and their initial values."""
    loc_scale_fn = default_loc_scale_fn(is_singular, loc_initializer, untransformed_scale_initializer,
                                        loc_regularizer, untransformed_scale_regularizer, loc_constraint,
                                        untransformed_scale_constraint)

    def fn(dtype, shape, name, trainable, add_variable_fn):
        loc, scale = loc_scale_fn(dtype, shape, name, trainable, add_variable_fn)
        dist = tfd.Deterministic(loc=loc) if scale is None else tfd.Normal(loc=loc, scale=scale)
        return tfd.Independent(dist, reinterpreted_batch_ndims=len(dist.batch_shape))
    return fn


@wb.keras.serialization.register_serializable(package="probability.layers")
def default_multivariate_normal_fn(dtype, shape, name, trainable, add_variable_fn):
    """The standard Normal prior ``Independent(Normal(zeros(shape), 1))`` over a weight of
    ``shape`` (it creates no variables)."""
    del name, trainable, add_variable_fn
    dtype = np.dtype(dtype)
    dist = tfd.Normal(loc=wb.zeros(tuple(shape), dtype=dtype), scale=wb.constant(1.0, dtype=dtype))
    return tfd.Independent(dist, reinterpreted_batch_ndims=len(dist.batch_shape))
