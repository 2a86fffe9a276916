"""Losses with Keras 3's names, arguments and reductions (``keras.losses``).

Each loss exists as a function returning one value per example (the mean over the last
axis, as in Keras) and as a class whose call applies ``sample_weight`` and a reduction
(see :mod:`.loss`). ``get`` resolves Keras' identifiers: names (``"mse"``, ``"huber"``,
``"CategoricalCrossentropy"``), config dicts, Loss instances and callables.

>>> mse = wb.keras.losses.MeanSquaredError()
>>> float(mse(wb.constant([[0.0, 1.0], [0.0, 0.0]]), wb.constant([[1.0, 1.0], [1.0, 0.0]])))
0.5

Files: ``loss.py`` (base, reductions, wrapper), ``regression.py``, ``probabilistic.py``,
``hinge.py``, ``segmentation.py``.
"""

from __future__ import annotations

from ...errors import argcheck
from ..serialization import deserialize_object, serialize_object
from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .loss import (EPSILON, FUNCTIONS, Loss, LossFunctionWrapper, function_config, function_from_config,
                   reduce_weighted_loss, same_rank, snake_case, weights_like)
from .probabilistic import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                            CategoricalFocalCrossentropy, KLDivergence, Poisson, SparseCategoricalCrossentropy,
                            binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                            categorical_focal_crossentropy, kl_divergence, poisson, sparse_categorical_crossentropy)
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                         mean_squared_logarithmic_error)
from .segmentation import Dice, Tversky, dice, tversky

# Keras' function-style aliases
mse, mae, mape, msle, kld = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                             mean_squared_logarithmic_error, kl_divergence)
logcosh = log_cosh
# tf.keras' upper-case aliases (TF 2's tf.keras.losses.MSE and friends; Keras 3 alone dropped them)
MSE, MAE, MAPE, MSLE, KLD = mse, mae, mape, msle, kld


class Reduction:
    """tf.keras' names of the reductions (TF 2.21's ``tf.keras.losses.Reduction``, Keras'
    legacy class): string constants a loss's ``reduction`` takes."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


_CLASSES = (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryFocalCrossentropy,
            CategoricalFocalCrossentropy, KLDivergence, Poisson, Dice, Tversky)

# Every class is known by its class name and its snake_case name; plus Keras 3's short names
# (and Keras 2's "logcosh", "huber_loss")
_ALIASES = {"mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
            "msle": MeanSquaredLogarithmicError, "bce": BinaryCrossentropy, "kld": KLDivergence,
            "logcosh": LogCosh, "huber_loss": Huber}
_BY_NAME = {**{snake_case(c.__name__): c for c in _CLASSES}, **{c.__name__: c for c in _CLASSES}, **_ALIASES,
            "Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper}

__all__ = sorted({c.__name__ for c in _CLASSES} | set(FUNCTIONS) | {
    "Loss", "LossFunctionWrapper", "Reduction", "deserialize", "get", "serialize", "reduce_weighted_loss",
    "mse", "mae", "mape", "msle", "kld", "logcosh", "MSE", "MAE", "MAPE", "MSLE", "KLD"})


def known_names():
    """The lower-case names ``get`` accepts (class names and upper-case aliases work too)."""
    return sorted(k for k in _BY_NAME if k.islower())


def builtin_class(name):
    """The library's loss class called ``name`` (a class name, a snake_case name or an alias such
    as ``"mse"``, ``"MSE"``), else None."""
    if not isinstance(name, str):
        return None
    return _BY_NAME.get(name) or _BY_NAME.get(name.lower() if name.isupper() else snake_case(name))


def builtin_function(name):
    """The library's loss function called ``name`` (``"huber"``), else None."""
    return FUNCTIONS.get(name) if isinstance(name, str) else None


def serialize(loss):
    """Keras' form ``{"class_name": "Huber", "config": {...}}`` of a Loss; a function becomes a
    function reference (see ``wb.keras.serialization``)."""
    return serialize_object(loss, Loss, get)


def deserialize(config, custom_objects=None):
    """The loss a :func:`serialize` config (or a name) describes."""
    return deserialize_object(config, "loss", get, builtin_class, known_names(), custom_objects)


def get(identifier):
    """A loss from a name (``"mse"``, ``"sparse_categorical_crossentropy"``, ``"Huber"``), a
    config dict (``{"class_name": ..., "config": {...}}``), a Loss or any callable
    ``fn(y_true, y_pred)``; None gives None. A name gives an instance of its Loss class (with the
    default arguments), so that ``sample_weight`` and the reduction apply to it.

    >>> wb.keras.losses.get("mse")
    MeanSquaredError(reduction='sum_over_batch_size')
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = builtin_class(identifier)
        if cls is None or cls in (Loss, LossFunctionWrapper):
            raise ValueError(f"unknown loss {identifier!r}; known: {known_names()}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {argcheck.describe(identifier)} as a loss: expected a name, "
                    "a config dict, a Loss or a callable")
