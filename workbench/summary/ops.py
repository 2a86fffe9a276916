"""Summary functions: scalar, histogram, image, text, audio, pr_curve (TF 2's ``tf.summary`` formats).

Each writes one value to the default writer at ``step`` (default:
``experimental.get_step()``) and returns True, or returns False without doing
any work when no writer is set or ``record_if`` says no. Data may be workbench
Tensors (on any device), NumPy arrays or Python numbers.

>>> with wb.summary.create_file_writer("/tmp/logs").as_default(step=1):   # doctest: +SKIP
...     wb.summary.scalar("loss", 0.3)
...     wb.summary.histogram("weights", wb.random.normal([1000]))
"""

from __future__ import annotations

import io
import warnings

import numpy as np

from .. import backend, core
from ..core import Tensor
from ..io.codecs import wav_bytes
from ._tb import tb
from .writer import _bound_to_defaults, _recording_writer, _resolve_step

__all__ = ["scalar", "histogram", "image", "text", "audio", "pr_curve"]

DEFAULT_BUCKET_COUNT = 30
DEFAULT_NUM_THRESHOLDS = 201
_MIN_COUNT = 1e-7  # keeps precision and recall finite when a count is zero (also for fractional weights)


# -- data conversion ----------------------------------------------------------
def _raw(data):
    """The NumPy or CuPy array behind ``data`` (no device copy)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        return data
    if type(data).__module__.split(".")[0] == "cupy":
        return data
    if hasattr(data, "numpy") and callable(data.numpy):  # other eager tensors (torch, TF)
        return np.asarray(data.numpy())
    return np.asarray(data)


def to_numpy(data) -> np.ndarray:
    """``data`` (Tensor, Variable, NumPy/CuPy array, number, nested list) as a NumPy array."""
    return backend.to_numpy(_raw(data))


def _check_name(fn, name):
    if not isinstance(name, str) or not name:
        raise TypeError(f"{fn}: name must be a non-empty str, got {name!r}")


def _check_real(fn, name, array):
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: data for {name!r} must be real numbers (bool, int or float), "
                        f"got dtype {array.dtype}")


def tensor_proto(array):
    """A ``TensorProto`` of a NumPy array (numbers or strings)."""
    array = np.asarray(array)
    if array.dtype.kind in "OSU":
        return _string_tensor([_utf8(s) for s in array.reshape(-1)], array.shape)
    return tb().tensor_util.make_tensor_proto(array)


def _utf8(s):
    return s if isinstance(s, bytes) else str(s).encode("utf-8")


def _string_tensor(items, shape):
    pb = tb()
    dims = [pb.tensor_shape_pb2.TensorShapeProto.Dim(size=int(n)) for n in shape]
    return pb.tensor_pb2.TensorProto(dtype=pb.types_pb2.DT_STRING, string_val=items,
                                     tensor_shape=pb.tensor_shape_pb2.TensorShapeProto(dim=dims))


# -- scalar -------------------------------------------------------------------
@core.effect
def scalar(name, data, step=None, description=None):
    """Write a real scalar (stored as float32) under ``name``.

    >>> wb.summary.scalar("loss", loss, step=step)        # doctest: +SKIP
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    if type(data) is float or type(data) is int:
        value = data
    else:
        array = to_numpy(data)
        if array.ndim != 0:
            raise ValueError(f"scalar: data for {name!r} must be a scalar, got shape {array.shape}")
        _check_real("scalar", name, array)
        value = array.item()
    _check_name("scalar", name)
    pb = tb()
    tensor = pb.tensor_pb2.TensorProto(dtype=pb.types_pb2.DT_FLOAT, float_val=(value,),
                                       tensor_shape=pb.tensor_shape_pb2.TensorShapeProto())
    writer.write_value(name, step, tensor,
                       lambda: pb.scalar_metadata.create_summary_metadata(None, description))
    return True


# -- histogram ----------------------------------------------------------------
def histogram_buckets(data, buckets=None):
    """TF 2's histogram of ``data``'s elements: float64 NumPy array ``[k, 3]`` of (left, right, count).

    ``k = buckets`` (default 30) equal-width buckets from min to max, the last one
    closed. Edge cases as in TF: no data gives ``k`` rows of zeros; ``buckets <= 0``
    gives shape ``[0, 3]``; if every value is the same ``v``, all edges are ``v``
    and the last bucket holds the count. Runs where the data lives (CuPy on a GPU).

    >>> histogram_buckets(np.array([0., 1., 1., 3.]), buckets=3)
    array([[0., 1., 1.],
           [1., 2., 2.],
           [2., 3., 1.]])
    """
    k = DEFAULT_BUCKET_COUNT if buckets is None else max(0, int(buckets))
    x = _raw(data)
    xp = backend.xp_of(x)
    x = x.reshape(-1).astype(xp.float64)
    if k == 0 or x.size == 0:
        return np.zeros((k, 3))
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        out = np.full((k, 3), lo)
        out[:, 2] = 0.0
        out[-1, 2] = x.size
        return out
    width = (hi - lo) / k
    index = xp.minimum(xp.floor((x - lo) / width).astype(xp.int64), k - 1)
    counts = backend.to_numpy(xp.bincount(index, minlength=k)).astype(np.float64)
    edges = np.linspace(lo, hi, k + 1)
    edges[-1] = hi
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


@core.effect
def histogram(name, data, step=None, buckets=None, description=None):
    """Write a histogram of ``data``'s elements (any shape) in TF 2's format; see :func:`histogram_buckets`.

    NaN and infinite values are left out, with a warning (TF would give
    meaningless buckets).

    >>> wb.summary.histogram("layer1/weights", w, step=step, buckets=50)   # doctest: +SKIP
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    _check_name("histogram", name)
    if buckets is not None and not isinstance(buckets, (int, np.integer)):
        raise TypeError(f"histogram: buckets must be an int, got {buckets!r}")
    x = _raw(data)
    _check_real("histogram", name, x)
    xp = backend.xp_of(x)
    if x.dtype.kind == "f":
        finite = xp.isfinite(x)
        bad = x.size - int(finite.sum())
        if bad:
            warnings.warn(f"histogram {name!r}: left out {bad} NaN/Inf value(s) of {x.size}",
                          RuntimeWarning, stacklevel=2)
            x = x[finite]
    pb = tb()
    writer.write_value(name, step, pb.tensor_util.make_tensor_proto(histogram_buckets(x, buckets)),
                       lambda: pb.histogram_metadata.create_summary_metadata(None, description))
    return True


# -- image --------------------------------------------------------------------
def _to_uint8(fn, name, images):
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind == "f":
        # TF's convert_image_dtype(saturate=True): scale by 255.5, clip, truncate.
        return np.clip(np.nan_to_num(images.astype(np.float32) * 255.5), 0, 255).astype(np.uint8)
    raise TypeError(f"{fn}: images for {name!r} must be uint8 or float in [0, 1], got dtype {images.dtype}")


def _png(image):
    from PIL import Image  # optional: imported only when this is used
    buf = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buf, format="PNG")
    return buf.getvalue()


@core.effect
def image(name, data, step=None, max_outputs=3, description=None):
    """Write up to ``max_outputs`` images from ``data`` of shape ``[k, h, w, c]``, PNG-encoded.

    ``c`` is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA); values are uint8,
    or floats in [0, 1] (clipped).

    >>> wb.summary.image("samples", batch[:4], step=step, max_outputs=4)   # doctest: +SKIP
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    _check_name("image", name)
    raw = _raw(data)
    if raw.ndim != 4 or raw.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"image: data for {name!r} must have shape [k, h, w, c] with c in 1..4, "
                         f"got shape {tuple(raw.shape)}")
    images = _to_uint8("image", name, backend.to_numpy(raw[:max(0, int(max_outputs))]))
    h, w = raw.shape[1], raw.shape[2]
    items = [str(w).encode(), str(h).encode()] + [_png(np.ascontiguousarray(im)) for im in images]
    pb = tb()
    writer.write_value(name, step, _string_tensor(items, [len(items)]),
                       lambda: pb.image_metadata.create_summary_metadata(None, description))
    return True


# -- text ---------------------------------------------------------------------
@core.effect
def text(name, data, step=None, description=None):
    """Write a string, or an array/nested list of strings, shown as Markdown by TensorBoard.

    >>> wb.summary.text("notes", "**lr** = 3e-4", step=0)   # doctest: +SKIP
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    _check_name("text", name)
    array = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if array.dtype.kind not in "OSU":
        raise TypeError(f"text: data for {name!r} must be str, bytes or an array of them, got dtype {array.dtype}")
    pb = tb()
    writer.write_value(name, step, tensor_proto(array),
                       lambda: pb.text_metadata.create_summary_metadata(None, description))
    return True


# -- audio --------------------------------------------------------------------
@core.effect
def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None, description=None):
    """Write up to ``max_outputs`` audio clips from ``data`` ``[k, t, c]`` (or ``[k, t]`` mono), as WAV.

    Samples are floats in [-1, 1]; ``sample_rate`` is in Hz.

    >>> wb.summary.audio("speech", clips, sample_rate=16000, step=step)   # doctest: +SKIP
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    _check_name("audio", name)
    if encoding not in (None, "wav"):
        raise ValueError(f"audio: only encoding='wav' is supported, got {encoding!r}")
    raw = _raw(data)
    if raw.ndim == 2:
        raw = raw[..., None]
    if raw.ndim != 3:
        raise ValueError(f"audio: data for {name!r} must have shape [k, t, c] or [k, t], got shape {tuple(raw.shape)}")
    _check_real("audio", name, raw)
    rate = int(to_numpy(sample_rate).item()) if not isinstance(sample_rate, (int, float)) else int(sample_rate)
    if rate <= 0:
        raise ValueError(f"audio: sample_rate must be positive, got {sample_rate!r}")
    clips = backend.to_numpy(raw[:max(0, int(max_outputs))]).astype(np.float64)
    items = []
    for clip in clips:
        items += [wav_bytes(clip, rate), b""]  # (encoded clip, label)
    pb = tb()
    wav = pb.audio_metadata.Encoding.Value("WAV")
    writer.write_value(name, step, _string_tensor(items, [len(clips), 2]),
                       lambda: pb.audio_metadata.create_summary_metadata(None, description, wav))
    return True


# -- precision-recall curve -----------------------------------------------------
def pr_curve_data(labels, predictions, num_thresholds=DEFAULT_NUM_THRESHOLDS, weights=None):
    """The PR-curve plugin's float32 ``[6, T]`` array: TP, FP, TN, FN, precision, recall.

    Column ``i`` counts predictions ``>= i / (T - 1)`` as positive; predictions are
    clipped to [0, 1], ``weights`` (broadcast to the labels' shape) weight each example.
    """
    labels = to_numpy(labels)
    shape = labels.shape
    labels = labels.astype(np.float64).reshape(-1)
    predictions = np.clip(to_numpy(predictions).astype(np.float64).reshape(-1), 0.0, 1.0)
    if labels.shape != predictions.shape:
        raise ValueError(f"pr_curve: labels and predictions must have the same number of elements, "
                         f"got {labels.size} and {predictions.size}")
    w = 1.0
    if weights is not None:
        w = to_numpy(weights).astype(np.float64)
        try:
            w = np.broadcast_to(w, shape).reshape(-1)
        except ValueError:
            raise ValueError(f"pr_curve: weights of shape {w.shape} do not broadcast to "
                             f"the labels' shape {shape}") from None
    t = int(num_thresholds)
    bucket = np.floor(predictions * (t - 1)).astype(np.int64)
    tp_buckets = np.bincount(bucket, weights=labels * w, minlength=t)
    fp_buckets = np.bincount(bucket, weights=(1.0 - labels) * w, minlength=t)
    tp = np.cumsum(tp_buckets[::-1])[::-1]  # a prediction counts for every threshold at or below it
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(_MIN_COUNT, tp + fp)
    recall = tp / np.maximum(_MIN_COUNT, tp + fn)
    return np.stack([tp, fp, tn, fn, precision, recall]).astype(np.float32)


@core.effect
def pr_curve(name, labels, predictions, num_thresholds=DEFAULT_NUM_THRESHOLDS, weights=None, step=None,
             description=None):
    """Write a precision-recall curve for binary ``labels`` and ``predictions`` in [0, 1].

    >>> wb.summary.pr_curve("val/pr", labels, probs, step=epoch)   # doctest: +SKIP
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    _check_name("pr_curve", name)
    if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds < 2:
        raise ValueError(f"pr_curve: num_thresholds must be an int >= 2, got {num_thresholds!r}")
    data = pr_curve_data(labels, predictions, num_thresholds, weights)
    pb = tb()
    writer.write_value(name, step, pb.tensor_util.make_tensor_proto(data),
                       lambda: pb.pr_curve_metadata.create_summary_metadata(None, description, int(num_thresholds)))
    return True


# a trace TF would not run (get_concrete_function, a cond branch not taken) records the writes
# without making them; replays write with the trace's default writer and step (core.effect
# hands the tracer the unwrapped call)
for _write in (scalar, histogram, image, text, audio, pr_curve):
    _write.__wrapped__.dry_stand_in = lambda *args, **kwargs: False
    _write.__wrapped__.bind_at_trace = _bound_to_defaults
del _write
