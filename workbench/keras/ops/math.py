"""Keras 3's math ops (``keras.ops.math``, also ``keras.ops.*``): ``logsumexp``, ``top_k``,
``erf``/``erfinv``, ``rsqrt`` and the segment reductions.

>>> from workbench.keras import ops
>>> values, indices = ops.top_k([1.0, 3.0, 2.0], k=2)
>>> indices.numpy().tolist()
[1, 2]
"""

from __future__ import annotations

import numpy as np

from ...errors import argcheck
from ...ops import elementwise as ew, indexing, linalg as la, reduce, segment, special, tf_extra
from .numpy import _axes, _floating, _t, imag as _imag, pad as _pad, real as _real

__all__ = ["erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k", "irfft", "istft", "logdet",
           "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum", "stft", "top_k"]


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


# -- short-time Fourier transforms ------------------------------------------------------------

def _stft_window(window, sequence_length, fft_length, dtype, where):
    """The analysis window (Keras': SciPy's periodic ``"hann"``/``"hamming"``, a tensor of
    ``sequence_length`` values, or None for ones) centred in ``fft_length`` zeros."""
    seq = argcheck.integer(sequence_length, "sequence_length", where, minimum=1)
    fft = argcheck.integer(fft_length, "fft_length", where, minimum=1)
    if fft < seq:
        raise ValueError(f"{where}: fft_length must be at least sequence_length, got fft_length={fft}, "
                         f"sequence_length={seq}")
    if window is None:
        return np.ones(fft, dtype), False
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"{where}: window must be 'hann', 'hamming', a tensor or None, got {window!r}")
        a = 0.5 if window == "hann" else 0.54
        w = a - (1.0 - a) * np.cos(2.0 * np.pi * np.arange(seq) / seq)
    else:
        w = np.asarray(_t(window).numpy(), dtype=np.float64)
        if w.shape != (seq,):
            raise ValueError(f"{where}: window must have shape ({seq},) (sequence_length), got {w.shape}")
    left = (fft - seq) // 2
    return np.pad(w, (left, fft - seq - left)).astype(dtype), True


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """``(real, imag)`` of the short-time Fourier transform of the last axis of ``x`` (float32 or
    float64): frames of ``fft_length`` every ``sequence_stride`` samples (``x`` reflected by
    ``fft_length // 2`` at both ends when ``center``), windowed, then ``rfft``; shape
    ``(..., frames, fft_length // 2 + 1)``."""
    from ... import signal  # noqa: PLC0415  (lazy: the signal ops load only when used)
    x = _t(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError(f"stft: x must be float32 or float64, got {x.dtype.name}")
    win, _ = _stft_window(window, sequence_length, fft_length, x.dtype, "stft")
    stride = argcheck.integer(sequence_stride, "sequence_stride", "stft", minimum=1)
    fft = int(fft_length)
    if center:
        x = _pad(x, [(0, 0)] * (x.ndim - 1) + [(fft // 2, fft // 2)], mode="reflect")
    frames = signal.frame(x, fft, stride) * win
    spectrum = signal.rfft(frames, [fft])
    return ew.cast(_real(spectrum), x.dtype), ew.cast(_imag(spectrum), x.dtype)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """The signal whose :func:`stft` (same arguments) is ``x = (real, imag)``: TF's
    ``inverse_stft`` with the inverse of the (centred) analysis window (Keras 3's TF backend;
    ``window=None``: the frames' plain overlap-add), cut as Keras cuts it (``length`` samples
    from the first frame's centre when ``center``)."""
    from ... import signal  # noqa: PLC0415  (lazy: the signal ops load only when used)
    if not isinstance(x, (list, tuple)) or len(x) != 2:
        raise ValueError("istft: x must be a (real, imag) pair of tensors")
    re, im = _floating(_t(x[0])), _floating(_t(x[1]))
    win, windowed = _stft_window(window, sequence_length, fft_length, re.dtype, "istft")
    stride = argcheck.integer(sequence_stride, "sequence_stride", "istft", minimum=1)
    fft = int(fft_length)
    window_fn = signal.inverse_stft_window_fn(stride, lambda frame_length, dtype: _t(win)) if windowed else None
    y = signal.inverse_stft(tf_extra.complex(re, im), fft, stride, fft_length=fft, window_fn=window_fn)
    out_len = fft + stride * (re.shape[-2] - 1)
    start = fft // 2 if center else 0
    if length is not None:
        end = start + argcheck.integer(length, "length", "istft", minimum=0)
    else:
        end = out_len - fft // 2 if center else out_len
    return y[..., start:end]
