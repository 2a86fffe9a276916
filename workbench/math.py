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
from .ops.tf_extra import (  # noqa: F401  (more of tf.math)
    angle, confusion_matrix, count_nonzero, cumulative_logsumexp, imag, invert_permutation,
    nextafter, real, reciprocal_no_nan, sobol_sample, zero_fraction, zeta,
)
from .ops.nn import log_softmax, softmax, softsign  # noqa: F401  (tf.math's, tf.nn's too)
from .core import convert_to_tensor as _convert, dispatchable as _dispatchable  # noqa: E402
from .ops.elementwise import cast as _cast, maximum as _maximum, sqrt as _sqrt  # noqa: E402
from .ops.segment import unsorted_segment_sum as _unsorted_segment_sum  # noqa: E402
from .ops.shape import reshape as _reshape  # noqa: E402


@_dispatchable
def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of each segment over the square root of its size (0 for an empty segment;
    TF's ``tf.math.unsorted_segment_sqrt_n``). Differentiable in ``data``.

    >>> wb.math.unsorted_segment_sqrt_n([[1.0], [3.0], [5.0]], [0, 0, 1], 2).numpy()
    array([[2.828427],
           [5.      ]], dtype=float32)
    """
    total = _unsorted_segment_sum(data, segment_ids, num_segments)
    ones = _cast(_convert(segment_ids) * 0 + 1, total.dtype)
    counts = _unsorted_segment_sum(ones, segment_ids, num_segments)
    counts = _reshape(counts, tuple(counts.shape) + (1,) * (total.ndim - counts.ndim))
    return total / _sqrt(_maximum(counts, 1.0))
from .ops import math_special as special  # noqa: F401,E402  (tf.math.special)
