"""Keras 3's dtype policies: the dtypes a layer computes in and keeps its weights in.

A policy named after a floating dtype (``"float32"``, ``"float64"``, ``"float16"``,
``"bfloat16"``) computes and stores in it; ``"mixed_float16"`` computes in float16 and keeps
float32 weights, which a layer reads as float16 inside its ``call`` (Keras' autocasting);
``"mixed_bfloat16"`` does the same in bfloat16 (``wb.bfloat16``, ml_dtypes' type) and, as in
Keras, needs no loss scaling. Layers made with
``dtype=None`` take the global policy: ``DTypePolicy(floatx())`` ("float32") until
:func:`set_dtype_policy` sets another.

>>> policy = wb.keras.DTypePolicy("mixed_float16")
>>> policy, policy.compute_dtype, policy.variable_dtype
(<DTypePolicy "mixed_float16">, 'float16', 'float32')
>>> wb.keras.layers.Dense(2, dtype="float64").dtype_policy
<DTypePolicy "float64">

Float16 runs on NumPy (CuPy on a GPU): correct but slow on the CPU; NumPy's float16 matmul
accumulates its products in float32 and rounds the result to float16, as TF's CPU kernel does
(bfloat16's too). CuPy has no bfloat16, so bfloat16 policies run on the CPU only.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tensor, convert_to_tensor
from ..ops.elementwise import cast

__all__ = ["DTypePolicy", "FloatDTypePolicy", "dtype_policy", "floatx", "get", "serialize", "set_dtype_policy",
           "set_floatx"]

_FLOATX_CHOICES = ("float16", "bfloat16", "float32", "float64")
_state = {"floatx": "float32", "policy": None}


def floatx() -> str:
    """The default float dtype (Keras' ``keras.config.floatx``): ``"float32"`` unless
    :func:`set_floatx` changed it."""
    return _state["floatx"]


def set_floatx(value):
    """Set the default float dtype: ``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``. As in Keras 3,
    the global dtype policy follows it only while no policy has been set or used yet."""
    name = value if isinstance(value, str) else getattr(value, "name", None)
    if name not in _FLOATX_CHOICES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {set(_FLOATX_CHOICES)}")
    dtypes.as_dtype(name)   # bfloat16: imports ml_dtypes, which gives NumPy the name
    _state["floatx"] = name


def _standard_name(name):
    """The canonical name of a dtype name (``"double"`` -> ``"float64"``), or None."""
    try:
        return dtypes.as_dtype(name).name
    except TypeError:
        return None


class DTypePolicy:
    """A layer's dtype policy (Keras 3's ``keras.DTypePolicy``, also ``mixed_precision.Policy``).

    ``name``: ``"mixed_float16"`` (float16 computation, float32 variables), ``"mixed_bfloat16"``
    (bfloat16 computation, float32 variables) or a dtype name
    (both dtypes that one); None: the global policy's name. ``compute_dtype`` and
    ``variable_dtype`` are dtype names, as in Keras 3.
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    @staticmethod
    def _parse_name(name):
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                            f"(of type {type(name)})")
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            return "bfloat16", "float32"
        dtype = _standard_name(name)
        if dtype is None:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
                             "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
                             "'float32'.")
        return dtype, dtype

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's inputs, computations and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype the layer creates its weights in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None: this library has no quantized policies."""
        return self._quantization_mode

    @property
    def is_mixed(self) -> bool:
        """Whether weights are read in another dtype than they are kept in."""
        return self._compute_dtype != self._variable_dtype

    def convert_input(self, x, autocast, dtype):
        """``x`` as a layer of this policy takes it: a floating tensor (or array) of another
        dtype is cast to ``dtype`` when ``autocast``; other inputs are left as they are."""
        if not isinstance(x, Tensor):
            if not isinstance(x, np.ndarray):
                return x
            x = convert_to_tensor(x)
        want = dtypes.np_dtype(dtype)
        if autocast and x.dtype.kind == "f" and np.dtype(x._data.dtype) != want:
            return cast(x, want)
        return x

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and self._name == other._name

    def __hash__(self):
        return hash(("DTypePolicy", self._name))


FloatDTypePolicy = DTypePolicy   # Keras 3 keeps this name as an alias


def set_dtype_policy(policy):
    """Set the global policy, which layers made with ``dtype=None`` take (Keras 3's
    ``keras.config.set_dtype_policy``, also ``mixed_precision.set_global_policy``): a
    :class:`DTypePolicy` or its name."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError("Invalid `policy` argument. Expected the string name of a policy (such as "
                         f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy} "
                         f"(of type {type(policy)})")
    _state["policy"] = policy


def dtype_policy() -> DTypePolicy:
    """The global policy (Keras 3's ``keras.config.dtype_policy``): the one set last, else
    ``DTypePolicy(floatx())``, which then stays the global policy."""
    policy = _state["policy"]
    if policy is None:
        policy = _state["policy"] = DTypePolicy(floatx())
    return policy


def reset():
    """Forget the global policy, so that the next one follows :func:`floatx` again
    (``keras.backend.clear_session`` does this, as Keras 3's clears its global state)."""
    _state["policy"] = None


def get(identifier) -> DTypePolicy:
    """A policy from a layer's ``dtype`` argument: None (the global policy), a policy, its
    name, a dtype (``np.float64``, ``wb.float64``) or its serialized dict."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    if isinstance(identifier, dict):
        if identifier.get("class_name") in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
            return DTypePolicy.from_config(identifier.get("config") or {})
        raise ValueError(f"Cannot interpret the dtype policy {identifier!r}: expected "
                         "{'class_name': 'DTypePolicy', 'config': {'name': ...}}")
    try:
        name = dtypes.as_dtype(identifier).name
    except TypeError:
        raise TypeError(f"dtype must be a dtype name ('float32', 'mixed_float16'), a dtype or a DTypePolicy, "
                        f"got {identifier!r} (of type {type(identifier).__name__})") from None
    return DTypePolicy(name)


def serialize(policy) -> dict:
    """Keras 3's form of a policy in configs: ``{"module": "keras", "class_name": "DTypePolicy",
    "config": {"name": ...}, "registered_name": None}``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(), "registered_name": None}
