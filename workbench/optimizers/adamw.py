"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay."""

from __future__ import annotations

from .adam import Adam


class AdamW(Adam):
    """Adam plus decoupled weight decay, applied before the Adam step (Keras 3's order)::

        w -= w * weight_decay * lr
        w -= alpha * m / (sqrt(v) + epsilon)         # the Adam step

    Exclude variables (biases, norms) with ``opt.exclude_from_weight_decay(var_names=["bias"])``.

    >>> opt = wb.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.004)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="AdamW", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number (use Adam for no decay)")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
