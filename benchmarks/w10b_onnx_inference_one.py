"""W10b: W10 at batch 1, where per-op dispatch rather than arithmetic sets the time."""

from __future__ import annotations

from .w10_onnx_inference import (ATOL, RTOL, SHAPES, build_limit, build_onnxruntime,  # noqa: F401
                                 build_workbench, build_workbench_fn, make_inputs)

KEY = "W10b"
TITLE = "ONNX inference, digits conv, batch 1"
DESCRIPTION = "W10 with a batch of one image: what a call costs besides its arithmetic."
CONFIGS = {"full": {"batch": 1}, "quick": {"batch": 1}}
UNIT = ("µs/call", 1e6)
TARGET = ("onnxruntime", 20.0)
