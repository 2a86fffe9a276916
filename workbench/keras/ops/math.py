"""Keras 3's math ops (``keras.ops.math``, also ``keras.ops.*``): ``logsumexp``, ``top_k``,
``erf``/``erfinv``, ``rsqrt`` and the segment reductions.

>>> from workbench.keras import ops
>>> values, indices = ops.top_k([1.0, 3.0, 2.0], k=2)
>>> indices.numpy().tolist()
[1, 2]
"""

from __future__ import annotations

from ...errors import argcheck
from ...ops import elementwise as ew, indexing, linalg as la, reduce, segment, special, tf_extra
from .numpy import _axes, _floating, _t

__all__ = ["erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k", "irfft", "logdet",
           "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum", "top_k"]


def logsumexp(x, axis=None, keepdims=False):
    x = _floating(_t(x))
    return reduce.reduce_logsumexp(x, axis=_axes(axis, x, "logsumexp"), keepdims=bool(keepdims))


def top_k(x, k, sorted=True):  # noqa: A002 (Keras' argument name)
    """``(values, indices)`` of the ``k`` largest entries along the last axis."""
    return indexing.top_k(_t(x), k=argcheck.integer(k, "k", "top_k", minimum=0), sorted=bool(sorted))


def in_top_k(targets, predictions, k):
    """Whether each ``targets[i]`` is among the ``k`` largest of ``predictions[i]``."""
    predictions, targets = _t(predictions), _t(targets)
    _, idx = indexing.top_k(predictions, k=argcheck.integer(k, "k", "in_top_k", minimum=0))
    return reduce.reduce_any(ew.equal(idx, ew.cast(targets, idx.dtype)[:, None]), axis=-1)


def erf(x):
    return ew.erf(_floating(_t(x)))


def erfinv(x):
    return special.erfinv(_floating(_t(x)))


def rsqrt(x):
    return ew.rsqrt(_floating(_t(x)))


def _segment(sorted_fn, unsorted_fn, name):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002 (Keras' argument name)
        data, segment_ids = _t(data), _t(segment_ids)
        if num_segments is None:
            if not sorted:
                num_segments = int(segment_ids.numpy().max()) + 1 if segment_ids.shape[0] else 0
            else:
                return sorted_fn(data, segment_ids)
        return unsorted_fn(data, segment_ids, argcheck.integer(num_segments, "num_segments", name, minimum=0))
    op.__name__ = name
    return op


segment_sum = _segment(segment.segment_sum, segment.unsorted_segment_sum, "segment_sum")
segment_max = _segment(segment.segment_max, segment.unsorted_segment_max, "segment_max")
segment_min = _segment(segment.segment_min, segment.unsorted_segment_min, "segment_min")
segment_prod = _segment(segment.segment_prod, segment.unsorted_segment_prod, "segment_prod")


def erfc(x):
    return ew.erfc(_floating(_t(x)))


def logdet(x):
    """The log-determinant of a Hermitian positive-definite matrix (``tf.linalg.logdet``)."""
    return la.logdet(_floating(_t(x)))


def _complex(x, name):
    """The complex tensor of Keras' ``(real, imag)`` pair."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name}: x must be a tuple of two tensors (real, imag), got {type(x).__name__}")
    re, im = _floating(_t(x[0])), _floating(_t(x[1]))
    if tuple(re.shape) != tuple(im.shape):
        raise ValueError(f"{name}: the real and imaginary parts must have the same shape, got {tuple(re.shape)} "
                         f"and {tuple(im.shape)}")
    if re.dtype != im.dtype:
        raise ValueError(f"{name}: the real and imaginary parts must have the same dtype, got {re.dtype} and "
                         f"{im.dtype}")
    return tf_extra.complex(re, im)


def _pair(z):
    return tf_extra.real(z), tf_extra.imag(z)


def fft(x):
    """The FFT over the last axis of ``x = (real, imag)``: ``(real, imag)``."""
    return _pair(_signal().fft(_complex(x, "fft")))


def fft2(x):
    """The 2-D FFT over the last two axes of ``x = (real, imag)``."""
    return _pair(_signal().fft2d(_complex(x, "fft2")))


def ifft2(x):
    """The inverse 2-D FFT over the last two axes of ``x = (real, imag)``."""
    return _pair(_signal().ifft2d(_complex(x, "ifft2")))


def rfft(x, fft_length=None):
    """The FFT of the real ``x`` over its last axis (``fft_length // 2 + 1`` bins): ``(real, imag)``."""
    x = _floating(_t(x))
    return _pair(_signal().rfft(x, None if fft_length is None else [fft_length]))


def irfft(x, fft_length=None):
    """The real signal of the half spectrum ``x = (real, imag)`` over the last axis."""
    return _signal().irfft(_complex(x, "irfft"), None if fft_length is None else [fft_length])


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` taken every ``sequence_stride`` along the last axis (no padding)."""
    return _signal().frame(_t(x), sequence_length, sequence_stride, pad_end=False, axis=-1)


def _signal():
    from ... import signal  # noqa: PLC0415  (lazy: wb.signal loads only when used)
    return signal
