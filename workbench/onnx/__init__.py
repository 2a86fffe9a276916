"""Models leave the workbench as ONNX: ``wb.onnx.export(fn_or_model, input_signature, path)``
traces a function (``wb.function``'s tracer) and writes its ops as ONNX operators (opset 17
by default), checked by ``onnx.checker`` and against onnxruntime. Keras models also have
``model.export(path, format="onnx")``. ``wb.onnx.load(path)`` runs an ONNX graph with
workbench ops (differentiable, its weights ``wb.Variable``s). Needs the ``export`` extra
(``onnx``, ``onnxruntime``).
"""

try:
    import onnx  # noqa: F401  (the optional dependency every module here needs)
except ImportError as exc:
    raise ImportError("wb.onnx needs the onnx package: pip install 'research-workbench[export]' "
                      "(onnx, onnxruntime)") from exc

from .export import DEFAULT_OPSET, ExportResult, TensorSpec, export
from .load import OnnxModel, UnsupportedError, load
from .trace import ExportError

__all__ = ["DEFAULT_OPSET", "ExportError", "ExportResult", "OnnxModel", "TensorSpec", "UnsupportedError",
           "export", "load"]
