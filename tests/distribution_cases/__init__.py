"""Cases for the generic distribution tests, one module per family (or group of families).

Each module defines ``CASES``: a list of :class:`DistCase`. ``tests/test_distributions.py``
runs every generic check on every case and asserts that every public family in
``probability.distributions`` has at least one case.
"""

import dataclasses
from typing import Callable, Optional

import numpy as np


@dataclasses.dataclass
class DistCase:
    name: str
    cls: type                      # the family
    params: dict                   # float64 NumPy parameters (differentiated in gradient checks)
    points: np.ndarray             # values in the support, broadcastable against batch + event
    scipy: Optional[Callable] = None   # params -> frozen scipy.stats distribution (univariate)
    fixed: dict = dataclasses.field(default_factory=dict)  # non-differentiable constructor args
    ref: dict = dataclasses.field(default_factory=dict)    # method name -> callable(params, points) or array
    checks: tuple = ("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile")
    grad_params: Optional[tuple] = None  # parameters to differentiate (default: all of params)
    sample_test: Optional[str] = "ks"    # "ks" (univariate continuous), "moments", or None
    invalid: Optional[dict] = None       # constructor params that validate_args must refuse
    discrete: bool = False
    seed_dependent: bool = True          # False where every draw is the same (Deterministic)
    rtol: float = 1e-6
    grad_order: int = 2

    def make(self, **override):
        import workbench as wb
        kwargs = {k: wb.constant(np.asarray(v, dtype=np.float64)) for k, v in self.params.items()}
        kwargs.update(self.fixed)
        kwargs.update(override)
        return self.cls(**kwargs)

    def __str__(self):
        return self.name
