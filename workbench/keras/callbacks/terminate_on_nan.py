"""``TerminateOnNaN``: stop ``fit`` at the first batch whose loss is NaN or infinite (Keras 3)."""

import math

from .callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stops training when a batch's ``loss`` is NaN or infinite (the epoch ends after that
    batch; ``fit`` then returns)."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
            self.model.stop_training = True
