"""``VariableLayer``: a layer whose output is a trainable variable, whatever its input
(TFP's ``tfp.layers.VariableLayer``). Before a ``DistributionLambda`` it makes a trainable
distribution, the pattern of TFP's regression tutorial::

    def prior_trainable(kernel_size, bias_size=0, dtype=None):
        n = kernel_size + bias_size
        return wb.keras.Sequential([
            tfpl.VariableLayer(n, dtype=dtype),
            tfpl.DistributionLambda(lambda t: tfd.Independent(tfd.Normal(loc=t, scale=1), 1)),
        ])
"""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["VariableLayer"]


@wb.keras.serialization.register_serializable(package="probability.layers")
class VariableLayer(wb.keras.layers.Layer):
    """Returns ``activation(variable)``, a variable of ``shape`` (an int or a tuple), ignoring
    its input (which only triggers the call). ``initializer`` defaults to zeros.

    >>> layer = VariableLayer(3, initializer="ones")
    >>> layer(wb.zeros([5, 2])).numpy()
    array([1., 1., 1.], dtype=float32)
    """

    def __init__(self, shape, dtype=None, activation=None, initializer="zeros", regularizer=None,
                 constraint=None, **kwargs):
        super().__init__(dtype=dtype, **kwargs)
        if self._dtype is None:   # fixed now: the variable is made here, before any input is seen
            self._dtype = np.dtype(np.float32)
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (shape,)
        try:
            self._shape = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise TypeError(f"VariableLayer: shape must be an int or a sequence of ints, got {shape!r}") from None
        if any(s < 0 for s in self._shape):
            raise ValueError(f"VariableLayer: shape must hold non-negative sizes, got {shape!r}")
        if constraint is not None:
            raise NotImplementedError(f"VariableLayer: variable constraints are not supported by wb.keras "
                                      f"layers; got {constraint!r}")
        self.activation = wb.keras.activations.get(activation)
        self.initializer = wb.keras.initializers.get(initializer)
        self.regularizer = wb.keras.regularizers.get(regularizer)
        self._var = self.add_weight("constant", shape=self._shape, dtype=self.dtype,
                                    initializer=self.initializer, regularizer=self.regularizer)
        self.built = True

    def build(self, input_shape):
        # the variable exists from the constructor (its shape does not depend on the input)
        pass

    def call(self, _):
        x = wb.convert_to_tensor(self._var)
        return x if self.activation is None else self.activation(x)

    def get_config(self):
        return {**super().get_config(), "shape": list(self._shape),
                "activation": wb.keras.activations.serialize(self.activation),
                "initializer": wb.keras.initializers.serialize(self.initializer),
                "regularizer": wb.keras.regularizers.serialize(self.regularizer)}
