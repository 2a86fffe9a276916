"""``tfp.experimental.vi``: the surrogate posterior builders TFP first published here (they are
``tfp.vi``'s, ``probability.vi.surrogates``), and ``util``, the trainable LinearOperator builders."""

from ...vi.surrogates import (build_affine_surrogate_posterior, build_asvi_surrogate_posterior,
                              build_factored_surrogate_posterior)
from . import util

__all__ = ["build_affine_surrogate_posterior", "build_asvi_surrogate_posterior", "build_factored_surrogate_posterior",
           "util"]
