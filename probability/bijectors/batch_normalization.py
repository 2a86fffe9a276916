"""BatchNormalization: batch normalization as a bijector, for normalizing flows (Dinh et al., 2017)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["BatchNormalization"]


class BatchNormalization(Bijector):
    """TFP's ``BatchNormalization`` bijector around a ``wb.keras.layers.BatchNormalization`` layer.

    The inverse is the layer: ``x = gamma (y - mean) / sqrt(var + epsilon) + beta``, with the
    statistics of the batch ``y`` when ``training=True`` (which also updates the layer's moving
    statistics) and the moving statistics otherwise. The forward undoes it with the moving
    statistics: ``y = (x - beta) sqrt(moving_var + epsilon) / gamma + moving_mean``.

    The log-determinants do not depend on the point: ``inverse_log_det_jacobian(y)`` is
    ``sum(log|gamma|) - 0.5 sum(log(var + epsilon))`` over the normalized axes, with the batch
    variance of ``y`` in training and the moving variance otherwise; the forward one is minus
    that with the moving variance. A layer on ``axis=-1`` acts on vectors
    (``forward_min_event_ndims=1``); a list of axes, on that many rightmost dims.

    The default layer is ``wb.keras.layers.BatchNormalization()``; TFP adds a positivity
    constraint on ``gamma``, which this layer does not take, so the log-determinant uses
    ``|gamma|`` (the same value where ``gamma > 0``).

    >>> bn = BatchNormalization()
    >>> y = wb.random.normal([64, 2]) * 3.0 + 1.0
    >>> x = bn.inverse(y)          # normalized with the batch's statistics
    """

    def __init__(self, batchnorm_layer=None, training=True, validate_args=False, name="batch_normalization"):
        parameters = dict(locals())
        # the Keras layer lives in the kit, above the bijectors: reached through the package face
        bn_class = wb.keras.layers.BatchNormalization
        layer = bn_class() if batchnorm_layer is None else batchnorm_layer
        if not isinstance(layer, bn_class):
            raise ValueError("BatchNormalization: `batchnorm_layer` must be a wb.keras.layers.BatchNormalization "
                             f"layer, got {type(layer).__name__}")
        for flag in ("renorm", "virtual_batch_size"):
            if getattr(layer, flag, None):
                raise ValueError(f"BatchNormalization: the bijector does not support a layer with `{flag}`")
        axis = layer.axis
        self.batchnorm = layer
        self._training = bool(training)
        fmin = 1 if isinstance(axis, (int, np.integer)) else len(axis)
        super().__init__(forward_min_event_ndims=fmin, validate_args=validate_args, parameters=parameters, name=name)

    @property
    def training(self) -> bool:
        return self._training

    # -- the layer's axes and parameters, broadcast against an input ------------------------
    def _axes(self, t):
        axis = self.batchnorm.axis
        axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        axes = sorted(a % t.ndim for a in axes)
        if axes != list(range(t.ndim - len(axes), t.ndim)):
            raise ValueError(f"BatchNormalization: the layer normalizes axes {list(self.batchnorm.axis)!r}, which "
                             f"are not the rightmost dims of an input of shape {t.shape}; the bijector's event "
                             "must be the normalized dims")
        return axes

    def _ensure_built(self, t):
        if not self.batchnorm.built:
            # builds the layer's weights for this input (inference mode: the moving statistics stay)
            self.batchnorm(t, training=False)

    def _moving(self, t):
        self._ensure_built(t)
        layer = self.batchnorm
        dtype = t.dtype
        cast = (lambda v: None if v is None else (v if v.dtype == dtype else wb.cast(v, dtype)))
        return (cast(layer.moving_mean), cast(layer.moving_variance),
                cast(layer.beta) if layer.center else None, cast(layer.gamma) if layer.scale else None)

    def _log_total_gamma(self, dtype):
        layer = self.batchnorm
        if not layer.scale:
            return wb.constant(0.0, dtype=dtype)
        gamma = layer.gamma if layer.gamma.dtype == dtype else wb.cast(layer.gamma, dtype)
        return wb.reduce_sum(wb.math.log(wb.abs(gamma)))

    # -- the maps -------------------------------------------------------------------------------
    def _forward(self, x):
        self._axes(x)
        mean, variance, beta, gamma = self._moving(x)
        y = x
        if beta is not None:
            y = y - beta
        if gamma is not None:
            y = y / gamma
        return y * wb.sqrt(variance + self.batchnorm.epsilon) + mean

    def _inverse(self, y):
        self._axes(y)
        self._ensure_built(y)
        return self.batchnorm(y, training=self._training)

    def _ildj(self, y, use_moving):
        axes = self._axes(y)
        self._ensure_built(y)
        # a frozen layer (trainable=False) normalizes with its moving statistics even in training
        if use_moving or not self._training or not self.batchnorm.trainable:
            variance = self._moving(y)[1]
        else:
            reduce_axes = [a for a in range(y.ndim) if a not in axes]
            _, variance = wb.nn.moments(y, axes=reduce_axes)
        log_total_variance = wb.reduce_sum(wb.math.log(variance + self.batchnorm.epsilon))
        return self._log_total_gamma(y.dtype) - 0.5 * log_total_variance

    def _inverse_log_det_jacobian(self, y):
        return self._ildj(y, use_moving=False)

    def _forward_log_det_jacobian(self, x):
        return -self._ildj(x, use_moving=True)
