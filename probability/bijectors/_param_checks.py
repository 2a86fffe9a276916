"""Checks of bijector parameters with ``validate_args=True`` (eager values)."""

import numpy as np

import workbench as wb

from .bijector import Bijector, as_bijector_param


def check_positive(owner, **params):
    """Raise a ValueError naming the first parameter that is not positive everywhere."""
    for pname, p in params.items():
        v = np.asarray(p if isinstance(p, (int, float)) else wb.convert_to_tensor(p).numpy())
        if not np.all(v > 0):
            raise ValueError(f"{owner}: argument `{pname}` must be positive, got {v!r}")


def init_scalar_bijector(bijector, owner, params, validate_args, parameters, name, positive=()):
    """Set up a bijector on scalars whose parameters are ``params`` (name -> value): each is
    converted (``as_bijector_param``) and kept as ``_<name>``, the dtype is the first tensor
    parameter's, and with ``validate_args`` those named in ``positive`` are checked."""
    values = {k: as_bijector_param(v, k, owner) for k, v in params.items()}
    for k, v in values.items():
        setattr(bijector, "_" + k, v)
    dtype = next((v.dtype for v in values.values() if isinstance(v, wb.Tensor)), None)
    Bijector.__init__(bijector, forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                      parameters=parameters, name=name)
    if validate_args and positive:
        check_positive(owner, **{k: values[k] for k in positive})


def param_property(name):
    """A read-only property for the parameter kept as ``_<name>``."""
    return property(lambda self: getattr(self, "_" + name), doc=f"The ``{name}`` parameter.")
