"""The parts of the ``tensorboard`` package that ``wb.summary`` uses, imported on first use.

Only modules that work without TensorFlow are touched here: the protos and the
plugins' ``metadata`` modules (their ``summary`` modules import TensorFlow).
"""

from __future__ import annotations

import functools
import importlib
from types import SimpleNamespace

_MODULES = {
    "event_pb2": "tensorboard.compat.proto.event_pb2",
    "summary_pb2": "tensorboard.compat.proto.summary_pb2",
    "tensor_pb2": "tensorboard.compat.proto.tensor_pb2",
    "tensor_shape_pb2": "tensorboard.compat.proto.tensor_shape_pb2",
    "types_pb2": "tensorboard.compat.proto.types_pb2",
    "scalar_metadata": "tensorboard.plugins.scalar.metadata",
    "histogram_metadata": "tensorboard.plugins.histogram.metadata",
    "image_metadata": "tensorboard.plugins.image.metadata",
    "audio_metadata": "tensorboard.plugins.audio.metadata",
    "text_metadata": "tensorboard.plugins.text.metadata",
    "pr_curve_metadata": "tensorboard.plugins.pr_curve.metadata",
    "custom_scalar_metadata": "tensorboard.plugins.custom_scalar.metadata",
    "layout_pb2": "tensorboard.plugins.custom_scalar.layout_pb2",
    "hparams_summary_v2": "tensorboard.plugins.hparams.summary_v2",
    "tensor_util": "tensorboard.util.tensor_util",
}


@functools.cache
def tb() -> SimpleNamespace:
    """A namespace of the tensorboard modules above; a clear ImportError when tensorboard is missing."""
    try:
        return SimpleNamespace(**{k: importlib.import_module(v) for k, v in _MODULES.items()})
    except ImportError as e:
        raise ImportError(
            "wb.summary writes TensorBoard files with the protos of the `tensorboard` package, "
            "which is not installed: pip install 'research-workbench[tracking]' "
            f"(or pip install 'tensorboard>=2.15'). Import failed with: {e}"
        ) from e
