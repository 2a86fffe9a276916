"""``wb.keras.ops``: Keras 3's backend-agnostic ops, on the workbench's tensors.

``keras.ops.*`` holds every name of ``numpy`` (NumPy's functions and argument names), ``nn``
(activations, ``one_hot``, cross-entropies), ``math``, ``linalg`` and ``core`` (``cond``,
``while_loop``, conversions); the submodules are also reachable by name (``ops.nn.relu``), and
``ops.image`` holds ``resize``.
Called on a ``wb.keras.Input`` (or a tensor computed from one), an op records a node of the
functional graph, as Keras 3's ops do on a KerasTensor: ``ops.mean(x, axis=1)``.
Gradients flow through all of them.

>>> from workbench.keras import ops
>>> x = ops.reshape(ops.arange(6, dtype="float32"), (2, 3))
>>> ops.sum(x, axis=1).numpy().tolist()
[3.0, 12.0]
>>> ops.matmul(x, ops.transpose(x)).shape
TensorShape([2, 2])
"""

from . import core, image, linalg, math, nn, numpy  # noqa: F401
from ._symbolic import wrap_names as _wrap_names

# every op also takes symbolic tensors (wb.keras.Input): it then records a functional graph node
for _module in (numpy, math, linalg, nn, core, image):
    _wrap_names(_module, _module.__all__)
from .core import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403
from .numpy import convert_to_tensor  # noqa: F401  (numpy's, which takes dtype=)

__all__ = sorted(set(core.__all__ + linalg.__all__ + math.__all__ + nn.__all__ + numpy.__all__))
