"""Error types under TF's names."""


class InvalidArgumentError(ValueError):
    """An op received a value it cannot accept (TF's ``tf.errors.InvalidArgumentError``)."""


class UnconnectedGradientWarning(UserWarning):
    """``GradientTape.gradient`` returned None for a source, and says why."""
