"""``wb.math``: elementwise math, reductions and segment ops under TF's ``tf.math`` names."""

from .ops.elementwise import *  # noqa: F401,F403
from .ops.elementwise import abs, add_n, pow, round  # noqa: F401
from .ops.reduce import *  # noqa: F401,F403
from .ops.segment import *  # noqa: F401,F403
from .ops.indexing import top_k  # noqa: F401  (TF: tf.math.top_k)
from .ops.nn import approx_max_k, approx_min_k, l2_normalize  # noqa: F401  (tf.nn's too)
from .ops.special import *  # noqa: F401,F403
from .ops.tf_extra import (  # noqa: F401  (TF's tf.math names; the Bessel i-functions at both levels)
    accumulate_n, bessel_i0, bessel_i0e, bessel_i1, bessel_i1e, bincount, conj, erfcinv, in_top_k,
    is_non_decreasing, is_strictly_increasing, polyval, scalar_mul,
)
from .ops import math_special as special  # noqa: F401,E402  (tf.math.special)
