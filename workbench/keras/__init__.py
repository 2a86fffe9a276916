"""``wb.keras``: Keras 3's namespace, so that Keras code ports by writing ``keras = wb.keras``.

>>> keras = wb.keras
>>> model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
>>> model(wb.ones([4, 3])).shape
(4, 1)

``layers``, ``Model``, ``Sequential``, ``Input``, ``models``, ``losses``, ``metrics``,
``optimizers`` (``wb.optimizers``), ``callbacks``, ``initializers``, ``regularizers``, ``constraints``,
``activations``, ``backend``, ``config`` (``floatx``, the global dtype policy), ``mixed_precision``
and ``DTypePolicy`` (dtype policies), ``utils``, ``saving``, ``ops`` (Keras 3's backend-agnostic ops),
``random`` (seeded random ops and ``SeedGenerator``) and ``Variable`` (Keras 3's variable, which ``add_weight`` makes).
Models are ``wb.Module``s: their variables are found through
their attributes and saved by ``wb.Checkpoint``. They train as in Keras 3:

>>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
>>> history = model.fit(np.ones((64, 3)), np.zeros((64, 1)), epochs=2, verbose=0)
>>> sorted(history.history)
['loss', 'mae']
"""

from .. import optimizers  # noqa: F401
from . import activations, applications, backend, callbacks, constraints, initializers, layers, losses, metrics  # noqa: F401
from . import models  # noqa: F401
from . import regularizers, saving, utils  # noqa: F401
from . import ops, random  # noqa: F401
from . import datasets  # noqa: F401  (Keras 3's small datasets, fetched by utils.get_file)
from . import config, dtype_policies, mixed_precision  # noqa: F401
from .dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: F401
from . import preprocessing  # noqa: F401  (Keras' legacy ImageDataGenerator)
from .functional import Input, InputLayer, Model, Sequential  # noqa: F401
from .layers import Layer  # noqa: F401
from .variables import Variable  # noqa: F401

__all__ = ["DTypePolicy", "FloatDTypePolicy", "Input", "InputLayer", "Layer", "Model", "Sequential", "activations",
           "backend", "callbacks", "config", "constraints", "dtype_policies", "initializers", "mixed_precision",
           "layers", "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random", "regularizers",
           "saving", "utils", "Variable"]
