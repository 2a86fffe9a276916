"""research-workbench: eager tensors and autodiff on NumPy (CPU) and CuPy (GPU), TF 2 style.

>>> import workbench as wb
>>> x = wb.Variable(3.0)
>>> with wb.GradientTape() as tape:
...     y = x * x
>>> tape.gradient(y, x).numpy()
6.0
"""

import importlib as _importlib

from . import backend, dtypes, errors, nest, ops  # noqa: F401  (ops registers every op)
from .backend import Device, device, default_device, list_devices  # noqa: F401
from .core import OPS, Tensor, Variable, constant  # noqa: F401
from .core import convert_to_tensor_v2 as convert_to_tensor  # noqa: F401  (TF's: a variable gives a read)
from .tensor_shape import TensorShape, TensorSpec, type_spec_from_value  # noqa: F401
from .dtypes import (  # noqa: F401
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half,
    int8, int16, int32, int64, string, uint8, uint16, uint32, uint64,
)
from .ops.create import eye, fill, from_dlpack, linspace, ones, range, rank, shape, size, zeros  # noqa: F401
from .ops.elementwise import *  # noqa: F401,F403
from .ops.elementwise import abs, add_n, cast, clip_by_value, ones_like, pow, round, where, zeros_like  # noqa: F401
dtypes.cast, dtypes.saturate_cast = cast, saturate_cast   # TF's tf.dtypes.cast / saturate_cast
from .ops.reduce import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.shape import getitem, identity, stop_gradient  # noqa: F401
from .ops.linalg import einsum, matmul, matvec, tensordot  # noqa: F401
from .ops.indexing import *  # noqa: F401,F403
from .ops.control_flow import *  # noqa: F401,F403
from .ops.clip import clip_by_global_norm, clip_by_norm  # noqa: F401
from .ops.partition import dynamic_partition, dynamic_stitch  # noqa: F401
from .ops.truncate import truncatediv, truncatemod  # noqa: F401
from .ops.grids import meshgrid, sequence_mask  # noqa: F401
from .eager import (  # noqa: F401,A004
    control_dependencies, executing_eagerly, group, init_scope, name_scope, numpy_function, print,
    py_function,
)
from .functional import map_fn, vectorized_map  # noqa: F401  (map_fn with ragged rows)
from .tensor_array import TensorArray  # noqa: F401
from . import sparse  # noqa: F401,E402
from .sparse import IndexedSlices, SparseTensor, SparseTensorSpec  # noqa: F401,E402
from . import math  # noqa: F401,E402
from .compiler import Function, function  # noqa: F401,E402
from .ops.tf_extra import (  # noqa: F401,E402  (TF's top-level helpers, initializers and enums)
    AggregationMethod, VariableAggregation, VariableSynchronization, bitcast, broadcast_dynamic_shape,
    broadcast_static_shape, constant_initializer, edit_distance, ensure_shape, get_static_value,
    histogram_fixed_width, histogram_fixed_width_bins, ones_initializer, random_normal_initializer,
    random_uniform_initializer, scalar_mul, zeros_initializer,
)
from .ops.tf_extra import (  # noqa: F401,E402,A004
    complex, get_logger, inside_function, is_tensor, reverse_sequence, shape_n,
)
dtypes.complex = complex   # TF's tf.dtypes.complex
from .ops.misc_tf import (  # noqa: F401,E402,A004  (TF's top-level helpers: case, fingerprint, ...)
    case, fingerprint, get_current_name_scope, guarantee_const, identity_n, is_symbolic_tensor, no_gradient,
    no_op, parallel_stack, realdiv, timestamp, tuple, unravel_index,
)
from .debugging import (  # noqa: F401,E402  (TF 2's top-level tf.assert_* names)
    Assert, assert_equal, assert_greater, assert_greater_equal, assert_less, assert_less_equal,
    assert_none_equal, assert_rank,
)

newaxis = None  # TF's tf.newaxis: x[:, wb.newaxis] adds a dimension

__version__ = "0.1.0"

_LAZY = {
    "GradientTape": ("gradients", "GradientTape"),
    "UnconnectedGradients": ("gradients", "UnconnectedGradients"),
    "custom_gradient": ("gradients", "custom_gradient"),
    "recompute_grad": ("gradients", "recompute_grad"),
    "ForwardAccumulator": ("gradients", "ForwardAccumulator"),
    "grad_pass_through": ("gradients.pass_through", "grad_pass_through"),   # tf.grad_pass_through
    "make_tensor_proto": ("workbench.tensor_util", "make_tensor_proto"),   # TensorProto (tensorboard's)
    "make_ndarray": ("workbench.tensor_util", "make_ndarray"),
    "RaggedTensor": ("ragged", "RaggedTensor"),   # tf.RaggedTensor (isinstance, from_row_splits, ...)
    "RaggedTensorSpec": ("ragged", "RaggedTensorSpec"),
    "ragged": ("ragged", None),                     # tf.ragged (constant, range, stack, ...)
    "experimental": ("workbench.experimental", None),  # tf.experimental (ragged shapes, Optional)
    "OptionalSpec": ("workbench.data.specs", "OptionalSpec"),   # tf.OptionalSpec (an Optional's type)
    "autodiff": ("gradients", None),
    "gradients": ("workbench.compiler.graph_gradients", "gradients"),   # graph mode: in a wb.function
    "hessians": ("workbench.compiler.graph_gradients", "hessians"),
    "Checkpoint": ("workbench.checkpoint", "Checkpoint"),
    "CheckpointManager": ("workbench.checkpoint", "CheckpointManager"),
    "train": ("workbench.train", None),            # tf.train: checkpoints, readers, Example messages
    "Experiment": ("workbench.experiment", "Experiment"),
    "Module": ("workbench.module", "Module"),
    "autograph": ("workbench.compiler.autograph", None),  # tf.autograph: the conversion wb.function runs
    "Graph": ("workbench.compiler.graphdef", "Graph"),    # tf.Graph: a concrete function's graph type
    "types": ("workbench.compiler.types", None),          # tf.types.experimental.TraceType, ...
    "profiler": ("workbench.profiler", None),             # tf.profiler.experimental: Python's profiler
    "losses": ("workbench.keras.losses", None),    # TF 2's tf.losses / tf.metrics: Keras'
    "metrics": ("workbench.keras.metrics", None),
    "enable_v2_behavior": ("workbench.compat", "enable_v2_behavior"),  # tf.compat.v2's: always on
    "test": ("workbench.test", None),              # tf.test: TestCase, compute_gradient, gpu_device_name
    "eig": ("workbench.linalg", "eig"),            # TF's top-level aliases of tf.linalg / tf.signal names
    "eigvals": ("workbench.linalg", "eigvals"),
    "matrix_square_root": ("workbench.linalg", "sqrtm"),
    "fftnd": ("workbench.signal", "fftnd"),
    "conv": ("workbench.ops.conv_more", "conv"),   # tf.conv: the generic N-D convolution
    "audio": ("workbench.audio", None),            # tf.audio: WAV bytes
    "space_to_batch": ("workbench.ops.space_batch", "space_to_batch"),
    "space_to_batch_nd": ("workbench.ops.space_batch", "space_to_batch_nd"),
    "batch_to_space": ("workbench.ops.space_batch", "batch_to_space"),
    "required_space_to_batch_paddings": ("workbench.ops.space_batch", "required_space_to_batch_paddings"),
    "extract_volume_patches": ("workbench.ops.space_batch", "extract_volume_patches"),
    "ifftnd": ("workbench.signal", "ifftnd"),
    "rfftnd": ("workbench.signal", "rfftnd"),
    "irfftnd": ("workbench.signal", "irfftnd"),
    "bfloat16": ("workbench.dtypes", "bfloat16"),   # ml_dtypes' (imported on first use)
    "approx_top_k": ("workbench.ops.nn", "approx_top_k"),
    "as_string": ("workbench.strings", "as_string"),    # tf.as_string is tf.strings.as_string
    "version": ("workbench.version", None),             # tf.version.VERSION ...
    "initializers": ("workbench.keras.initializers", None),   # TF 2's tf.initializers: Keras'
}


def __getattr__(name):
    if name == "strings":
        # wb.strings returns RaggedTensors, which the ragged package (registering itself with
        # wb.strings on import) makes
        _importlib.import_module("ragged")
    if name in ("io", "image"):   # wb.io's RaggedFeature results are RaggedTensors, which ragged
        # makes (wb.image imports wb.io, which then is reached without this hook)
        _importlib.import_module("workbench.io.composites").register_ragged(
            _importlib.import_module("ragged").RaggedTensor)
    if name in _LAZY:
        mod, attr = _LAZY[name]
        module = _importlib.import_module(mod)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    if name in ("strings", "linalg", "nn", "random", "debugging", "signal", "image", "io", "summary",
                "optimizers", "data", "checkpoint", "tracking", "config", "keras", "onnx", "distribute",
                "compat", "saved_model", "lookup", "queue", "quantization", "bitwise", "raw_ops",
                "sets"):
        module = _importlib.import_module(f"workbench.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
