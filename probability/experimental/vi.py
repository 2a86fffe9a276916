"""``tfp.experimental.vi``: the surrogate posterior builders TFP first published here; they are
``tfp.vi``'s (``probability.vi.surrogates``)."""

from ..vi.surrogates import (build_affine_surrogate_posterior, build_asvi_surrogate_posterior,
                             build_factored_surrogate_posterior)

__all__ = ["build_affine_surrogate_posterior", "build_asvi_surrogate_posterior", "build_factored_surrogate_posterior"]
