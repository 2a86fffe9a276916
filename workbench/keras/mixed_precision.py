"""``keras.mixed_precision``: float16 or bfloat16 computation with float32 weights.

>>> keras = wb.keras
>>> keras.mixed_precision.set_global_policy("mixed_float16")
>>> layer = keras.layers.Dense(2)
>>> y = layer(np.ones((1, 3)))
>>> y.dtype, layer.kernel.dtype, layer.compute_dtype, layer.variable_dtype
(wb.float16, wb.float32, 'float16', 'float32')
>>> keras.mixed_precision.set_global_policy("float32")

``Model.compile`` wraps the optimizer of a ``"mixed_float16"`` model in a
:class:`LossScaleOptimizer` (dynamic loss scaling), as Keras 3 does; ``"mixed_bfloat16"``
(bfloat16 has float32's exponent range) needs none.
"""

from __future__ import annotations

from ..optimizers.loss_scale_optimizer import LossScaleOptimizer
from .dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy

Policy = DTypePolicy                 # Keras' legacy names
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
