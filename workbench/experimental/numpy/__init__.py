"""``wb.experimental.numpy`` (TF's ``tf.experimental.numpy``, commonly ``tnp``): NumPy's API on
wb tensors. Results are Tensors (``tnp.ndarray`` is ``wb.Tensor``); mixed operands promote by
NumPy's rules (Python numbers weak; Python floats float64); the functions are wb ops underneath,
so they differentiate under ``GradientTape`` and trace under ``wb.function``.

>>> import workbench.experimental.numpy as tnp
>>> tnp.asarray(1.5).dtype
wb.float64
>>> tnp.add(tnp.ones(2, tnp.int32), 1).dtype
wb.int32
"""

import numpy as _np

from ...core import Tensor as ndarray  # noqa: F401  (tnp.ndarray)
from . import random  # noqa: F401  (tnp.random)
from .behavior import experimental_enable_numpy_behavior  # noqa: F401
from .creation import *  # noqa: F401,F403
from .dtypes import (  # noqa: F401
    asarray, bool_, complex64, complex128, complex_, finfo, float16, float32, float64, float_, iinfo,
    inexact, int8, int16, int32, int64, int_, issubdtype, object_, promote_types, result_type, string_,
    uint8, uint16, uint32, uint64, unicode_,
)
from .manipulation import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .products import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403

e = _np.e
pi = _np.pi
inf = _np.inf
newaxis = None

__all__ = sorted(n for n, v in globals().items() if not n.startswith("_") and (n == "random" or not isinstance(v, type(_np))))
