"""``wb.audio``: TF's ``tf.audio``: 16-bit PCM WAV bytes to float32 ``[samples, channels]``
and back (the codecs are ``workbench.io.codecs``').

Inside a ``wb.function`` or a dataset's ``map`` each call is one step that a replay runs again,
and its results have TF's static shapes: ``decode_wav``'s audio ``(desired_samples,
desired_channels)`` with None for a -1 (the file decides), its sample rate ``()``;
``encode_wav``'s bytes ``()``. A trace TF does not run (``get_concrete_function``, a dataset's
function traced when the dataset is built) decodes nothing: zeros stand in.

>>> audio, rate = wb.audio.decode_wav(wb.audio.encode_wav(wb.zeros([3, 1]), 16000))
>>> audio.shape, int(rate)
(TensorShape([3, 1]), 16000)
"""

from __future__ import annotations

import numpy as np

from . import core
from .io import codecs

__all__ = ["decode_wav", "encode_wav"]


def _desired(value, what):
    """``value`` (an int or an integer scalar tensor) as an int; TF's attribute check."""
    v = value.numpy() if hasattr(value, "numpy") else value
    if isinstance(v, (bool, np.bool_)) or np.ndim(v) != 0 or np.asarray(v).dtype.kind not in "iu":
        raise TypeError(f"decode_wav: {what} must be an integer (-1 for the file's), got {value!r}")
    return int(v)


@core.effect
def _decode(contents, desired_channels, desired_samples):
    audio, rate = codecs.decode_wav(contents, desired_channels=desired_channels, desired_samples=desired_samples)
    if desired_channels == 0:   # TF: no channels at all (-1 is the file's)
        audio = core.wrap(np.zeros((audio.shape[0], 0), np.float32))
    return codecs.DecodeWav(audio, rate)


def _decode_stand_in(contents, desired_channels, desired_samples):
    audio = np.zeros((max(desired_samples, 1), max(desired_channels, 1)), np.float32)
    return codecs.DecodeWav(core.wrap(audio), core.wrap(np.int32(0)))


_decode.__wrapped__.stand_in = _decode_stand_in   # core.effect hands the tracer the unwrapped call


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """``(audio, sample_rate)`` of 16-bit PCM WAV bytes (a string scalar): ``audio`` float32
    ``[samples, channels]`` in ``[-1, 1)`` (sample / 32768), ``sample_rate`` an int32 scalar.
    ``desired_samples`` cuts or zero-pads the samples; ``desired_channels`` keeps the first
    channels, or repeats the last (a mono file fills every channel), as TF.

    >>> wb.audio.decode_wav(wb.io.read_file("yes.wav"), desired_samples=16000).audio.shape
    TensorShape([16000, 1])
    """
    channels = _desired(desired_channels, "desired_channels")
    samples = _desired(desired_samples, "desired_samples")
    audio, rate = _decode(contents, channels, samples)
    if core.tracing():
        core.static_result(audio, (samples if samples >= 0 else None, channels if channels >= 0 else None))
        core.static_result(rate, ())
    return codecs.DecodeWav(audio, rate)


@core.effect
def _encode(audio, sample_rate):
    return codecs.encode_wav(audio, sample_rate)


def encode_wav(audio, sample_rate, name=None):
    """16-bit PCM WAV bytes (a string scalar) of float32 ``audio`` ``[samples, channels]``:
    each value clipped to ``[-1, 1]``, times 32768, rounded half away from zero and saturated
    to int16, as TF."""
    out = _encode(audio, sample_rate)
    if core.tracing():
        core.static_result(out, ())
    return out
