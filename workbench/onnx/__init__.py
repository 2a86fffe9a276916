"""Models leave the workbench as ONNX: ``wb.onnx.export(fn_or_model, input_signature, path)``
traces a function (``wb.function``'s tracer) and writes its ops as ONNX operators (opset 17
by default), checked by ``onnx.checker`` and against onnxruntime. Keras models also have
``model.export(path, format="onnx")``. Needs the ``export`` extra (``onnx``, ``onnxruntime``).
"""

from .export import DEFAULT_OPSET, ExportResult, TensorSpec, export
from .trace import ExportError

__all__ = ["DEFAULT_OPSET", "ExportError", "ExportResult", "TensorSpec", "export"]
