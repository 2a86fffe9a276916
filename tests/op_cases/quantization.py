"""Cases for wb.quantization's straight-through gradients. At 16 bits (fake quantization, in
float32) or 40 bits (quantize-and-dequantize) a level is far smaller than the finite-difference
step, so the quantized function's differences approach the gradient TF defines: 1 inside the
range, 0 outside, and for min / max 1 at the inputs clamped to them."""

import numpy as np

import workbench as wb

from . import Case

_Q = wb.quantization
_X = np.array([-2.6, -2.3, -1.1, -0.2, 0.35, 1.4, 1.9, 2.45, 3.1])


def _f32(t):
    return wb.cast(t, wb.float32)


def _fake_vars(x, lo, hi):
    y = _Q.fake_quant_with_min_max_vars(_f32(x), _f32(lo), _f32(hi), num_bits=16)
    return wb.cast(y, wb.float64)


def _fake_per_channel(x, lo, hi):
    y = _Q.fake_quant_with_min_max_vars_per_channel(_f32(x), _f32(lo), _f32(hi), num_bits=16, narrow_range=True)
    return wb.cast(y, wb.float64)


def _fake_args(x):
    return wb.cast(_Q.fake_quant_with_min_max_args(_f32(x), -2.0, 2.0, num_bits=16), wb.float64)


CASES = [
    Case("fake_quant_with_min_max_vars (16 bits)", _fake_vars, [_X, np.array(-2.0), np.array(2.2)],
         eps=1e-2, atol=5e-3, rtol=1e-3),
    Case("fake_quant_with_min_max_vars_per_channel (16 bits)", _fake_per_channel,
         [_X.reshape(3, 3), np.array([-2.0, -1.5, -3.0]), np.array([1.0, 2.0, 3.5])],
         eps=1e-2, atol=5e-3, rtol=1e-3),
    Case("fake_quant_with_min_max_args (16 bits)", _fake_args, [_X], eps=1e-2, atol=5e-3, rtol=1e-3),
    Case("quantize_and_dequantize_v2 (40 bits, given range)",
         lambda x: _Q.quantize_and_dequantize_v2(x, -2.0, 2.0, num_bits=40, range_given=True), [_X],
         eps=1e-4),
    Case("quantize_and_dequantize (40 bits, passes everywhere inside)",
         lambda x: _Q.quantize_and_dequantize(x, -3.0, 3.0, num_bits=40, range_given=True),
         [_X[1:-1]], eps=1e-4),
]
