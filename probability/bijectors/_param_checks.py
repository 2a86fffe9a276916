"""Checks of bijector parameters with ``validate_args=True`` (eager values)."""

import numpy as np

import workbench as wb


def check_positive(owner, **params):
    """Raise a ValueError naming the first parameter that is not positive everywhere."""
    for pname, p in params.items():
        v = np.asarray(p if isinstance(p, (int, float)) else wb.convert_to_tensor(p).numpy())
        if not np.all(v > 0):
            raise ValueError(f"{owner}: argument `{pname}` must be positive, got {v!r}")
