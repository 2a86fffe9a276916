"""Variational inference with TensorFlow Probability's API (``tfp.vi``), on the tape.

>>> import workbench as wb
>>> from probability import distributions as tfd, vi
>>> loc, raw_scale = wb.Variable(0.0), wb.Variable(0.0)
>>> losses = vi.fit_surrogate_posterior(lambda x: -0.5 * (x - 3.0) ** 2,
...     lambda: tfd.Normal(loc, wb.softplus(raw_scale)), wb.optimizers.Adam(0.1), num_steps=300, seed=1)
"""

from .losses import *  # noqa: F401,F403
from .optimization import *  # noqa: F401,F403
from . import losses, optimization  # noqa: F401

__all__ = losses.__all__ + optimization.__all__
