"""``keras.config``: Keras 3's global settings: the default float dtype (``floatx``,
``set_floatx``), the global dtype policy (``dtype_policy``, ``set_dtype_policy``) and the
constants Keras code reads (``epsilon``, ``image_data_format``, ``backend``).

>>> wb.keras.config.floatx(), wb.keras.config.dtype_policy()
('float32', <DTypePolicy "float32">)
"""

from __future__ import annotations

from .backend import backend, epsilon, image_data_format
from .dtype_policies import DTypePolicy, dtype_policy, floatx, set_dtype_policy, set_floatx

__all__ = ["DTypePolicy", "backend", "dtype_policy", "epsilon", "floatx", "image_data_format", "set_dtype_policy",
           "set_floatx"]
