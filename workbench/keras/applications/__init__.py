"""``keras.applications``: ready-made model architectures (Keras 3's names and layer names).
Pretrained ImageNet weights are not shipped here: build with ``weights=None`` or give a
weights file."""

from . import mobilenet, mobilenet_v2  # noqa: F401
from .mobilenet import MobileNet  # noqa: F401
from .mobilenet_v2 import MobileNetV2  # noqa: F401

__all__ = ["MobileNet", "MobileNetV2", "mobilenet", "mobilenet_v2"]
