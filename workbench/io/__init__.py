"""``wb.io``: files and serialized data in the style of ``tf.io``.

    read_file, write_file                 whole files as string scalars (local or fsspec URLs)
    gfile                                 exists, glob, makedirs, GFile, ... (``gfile.py``)
    TFRecordWriter, TFRecordOptions       TFRecord files, byte-compatible with TF's (``tfrecord.py``)
    Example, SequenceExample, Feature...  TF's ``tf.train`` messages (``example.py``)
    parse_single_example, parse_example,
    parse_single_sequence_example,
    FixedLenFeature, VarLenFeature,
    RaggedFeature, FixedLenSequenceFeature  Examples to tensors (``parsing.py``)
    decode_json_example                   Examples in JSON to serialized Examples (``parsing.py``)
    decode_proto                          fields of any protobuf messages as tensors (``proto.py``)
    decode_png, encode_png, decode_jpeg,
    encode_jpeg, decode_image             images through Pillow (``images.py``)
    decode_csv                            CSV records (``csv.py``)
    decode_raw                            string bytes read as numbers (``raw.py``)
    serialize_tensor, parse_tensor        tensors as TF's TensorProto bytes (``tensor_proto.py``)

String tensors are tensors of dtype ``object`` holding ``bytes``, as ``tf.string`` holds.
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import wrap
from . import gfile
from .codecs import (  # noqa: F401  (base64, decompression, BMP/GIF/WebP, JPEG headers)
    decode_and_crop_jpeg, decode_base64, decode_bmp, decode_compressed, decode_gif, decode_webp, encode_base64,
    extract_jpeg_shape, is_jpeg,
)
from .csv import decode_csv
from .sparse_serialize import deserialize_many_sparse, serialize_many_sparse, serialize_sparse  # noqa: F401
from .images import decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png
from .raw import decode_raw
from .tensor_proto import parse_tensor, serialize_tensor
from .tfrecord import TFRecordOptions, TFRecordWriter

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
           "FixedLenFeature", "FixedLenSequenceFeature", "FloatList", "Int64List", "RaggedFeature",
           "SequenceExample", "TFRecordOptions", "TFRecordWriter", "VarLenFeature", "decode_csv", "decode_json_example",
           "decode_proto",
           "decode_image", "decode_raw", "decode_jpeg", "decode_png", "encode_jpeg", "encode_png", "gfile",
           "matching_files", "parse_example", "parse_single_example", "parse_single_sequence_example",
           "parse_tensor", "read_file", "serialize_tensor", "write_file",
           "decode_and_crop_jpeg", "decode_base64", "decode_bmp", "decode_compressed", "decode_gif", "decode_webp",
           "encode_base64", "extract_jpeg_shape", "is_jpeg", "deserialize_many_sparse", "serialize_many_sparse",
           "serialize_sparse", "parse_sequence_example"]

# the protocol-buffer parts need the protobuf package; they load on first use
_PROTO = {"BytesList": "example", "Example": "example", "Feature": "example", "FeatureList": "example",
          "FeatureLists": "example", "Features": "example", "FloatList": "example", "Int64List": "example",
          "SequenceExample": "example", "FixedLenFeature": "parsing", "FixedLenSequenceFeature": "parsing",
          "RaggedFeature": "parsing", "VarLenFeature": "parsing", "parse_example": "parsing",
          "decode_json_example": "parsing", "decode_proto": "proto",
          "parse_single_example": "parsing", "parse_single_sequence_example": "parsing",
          "parse_sequence_example": "sequence_parsing"}


def __getattr__(name):
    if name in _PROTO:
        import importlib  # noqa: PLC0415  (the protobuf modules load on first use)
        value = getattr(importlib.import_module(f"{__name__}.{_PROTO[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.io' has no attribute {name!r}")


def matching_files(pattern, name=None):
    """TF's ``tf.io.matching_files``: the file names matching ``pattern`` (a glob, or a list or
    string tensor of globs), as one sorted string vector.

    >>> wb.io.matching_files("/data/*.txt")        # [b'/data/a.txt', b'/data/b.txt']
    """
    value = pattern.numpy() if hasattr(pattern, "numpy") else pattern
    patterns = np.asarray(value, dtype=object).reshape(-1).tolist()
    if not patterns or not all(isinstance(p, (str, bytes)) for p in patterns):
        raise TypeError(f"wb.io.matching_files: pattern must be a string or strings, got {pattern!r}")
    names = set()
    for p in patterns:
        names.update(gfile.glob(p.decode() if isinstance(p, bytes) else p))
    return wrap(np.array([n.encode() for n in sorted(names)], dtype=object).reshape(-1))


def read_file(filename, name=None):
    """The bytes of a file (a local path or an fsspec URL) as a string scalar tensor. Inside a
    ``wb.function`` or a dataset's ``map`` it is one step that each replay runs again; a trace
    TF does not run (``get_concrete_function``) reads nothing: an empty string stands in."""
    out = _read_file(filename)
    return core.static_result(out, ()) if core.tracing() else out


@core.effect
def _read_file(filename):
    with gfile.GFile(filename, "rb") as f:
        return wrap(np.array(f.read(), dtype=object))


_read_file.__wrapped__.stand_in = lambda filename: wrap(np.array(b"", dtype=object))


def write_file(filename, contents, name=None):
    """Write ``contents`` (bytes, str or a string scalar) to a file, creating its folder."""
    if hasattr(contents, "numpy"):
        contents = contents.numpy()
        contents = contents.item() if isinstance(contents, np.ndarray) and contents.ndim == 0 else contents
    if isinstance(contents, str):
        contents = contents.encode("utf-8")
    if not isinstance(contents, (bytes, bytearray)):
        raise TypeError(f"wb.io.write_file: contents must be bytes or a string scalar, got "
                        f"{type(contents).__name__}")
    filename = filename.numpy() if hasattr(filename, "numpy") else filename   # a string scalar: bytes
    filename = filename.decode() if isinstance(filename, bytes) else str(filename)
    parent = "" if gfile._is_url(filename) else filename.rsplit("/", 1)[0] if "/" in filename else ""
    if parent and not gfile.exists(parent):
        gfile.makedirs(parent)
    with gfile.GFile(filename, "wb") as f:
        f.write(bytes(contents))
