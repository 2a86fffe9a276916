"""``keras.applications``: ready-made model architectures (Keras 3's names and layer names).
Pretrained ImageNet weights are not shipped here: build with ``weights=None`` or give a
weights file."""

from . import mobilenet  # noqa: F401
from .mobilenet import MobileNet  # noqa: F401

__all__ = ["MobileNet", "mobilenet"]
