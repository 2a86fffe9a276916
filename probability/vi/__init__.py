"""Variational inference with TensorFlow Probability's API (``tfp.vi``), on the tape.

>>> import workbench as wb
>>> from probability import distributions as tfd, vi
>>> loc, raw_scale = wb.Variable(0.0), wb.Variable(0.0)
>>> losses = vi.fit_surrogate_posterior(lambda x: -0.5 * (x - 3.0) ** 2,
...     lambda: tfd.Normal(loc, wb.softplus(raw_scale)), wb.optimizers.Adam(0.1), num_steps=300, seed=1)

``build_factored_surrogate_posterior``, ``build_affine_surrogate_posterior`` and
``build_asvi_surrogate_posterior`` (TFP's ``tfp.experimental.vi``) make trainable surrogates.
"""

from .csiszar import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .optimization import *  # noqa: F401,F403
from .surrogates import *  # noqa: F401,F403
from . import csiszar, losses, optimization, surrogates  # noqa: F401

__all__ = csiszar.__all__ + losses.__all__ + optimization.__all__ + surrogates.__all__
