"""``wb.optimizers``: Keras 3's optimizers and learning-rate schedules on NumPy/CuPy.

>>> w = wb.Variable([1.0, -2.0])
>>> opt = wb.optimizers.Adam(learning_rate=0.1)
>>> for _ in range(3):
...     _ = opt.minimize(lambda: wb.reduce_sum(w * w), [w])

``get("adam")``, ``get({"class_name": "Adam", "config": {...}})``, ``serialize`` and
``deserialize`` resolve optimizers as Keras 3 does (names are case-insensitive).
"""

from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .ftrl import Ftrl
from .lazy_adam import LazyAdam
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Ftrl",
           "LazyAdam", "Lion", "LossScaleOptimizer", "schedules", "deserialize", "get", "serialize"]

_BY_NAME = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta,
                                                  Ftrl, Lion, LazyAdam, LossScaleOptimizer)}


def serialize(optimizer) -> dict:
    """Keras' form ``{"class_name": "Adam", "config": {...}}`` of an optimizer's hyperparameters
    (its state travels in checkpoints, not in the config)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize: expected a wb.optimizers.Optimizer, got {type(optimizer).__name__}")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """The optimizer a :func:`serialize` dict describes; built-in class names match in any case,
    ``custom_objects`` maps other names to Optimizer classes."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"an optimizer config must be a dict with a string 'class_name', got {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; known: {sorted(_BY_NAME)}")
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """An optimizer from a name (``"adam"``, ``"SGD"``: default arguments), a config dict or an
    Optimizer (returned as it is); None gives None.

    >>> wb.optimizers.get("rmsprop")
    <wb.optimizers.RMSprop name='RMSprop' iterations=0>
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"cannot interpret {identifier!r} as an optimizer: expected a name, a config dict "
                    "or a wb.optimizers.Optimizer")
