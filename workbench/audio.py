"""``wb.audio``: TF's ``tf.audio``: 16-bit PCM WAV bytes to float32 ``[samples, channels]``
and back (see ``workbench.io.codecs``)."""

from .io.codecs import decode_wav, encode_wav  # noqa: F401

__all__ = ["decode_wav", "encode_wav"]
