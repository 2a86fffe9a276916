"""``wb.math.special``: TF's ``tf.math.special`` (Bessel functions, Dawson's integral, the
exponential integral, Fresnel integrals, Spence's function), each an op with gradients."""

from .tf_extra import (  # noqa: F401
    bessel_i0, bessel_i0e, bessel_i1, bessel_i1e, bessel_j0, bessel_j1, bessel_k0, bessel_k0e,
    bessel_k1, bessel_k1e, bessel_y0, bessel_y1, dawsn, expint, fresnel_cos, fresnel_sin, spence,
)
from .tf_extra import SPECIAL_NAMES as __all__  # noqa: F401
