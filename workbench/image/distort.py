"""``sample_distorted_bounding_box`` and its stateless form (TF's): a random crop of an image
that covers enough of the given bounding boxes, for crop-based augmentation.

The stateless form follows TF's kernel draw for draw (its Philox stream from the seed, the
aspect-ratio and size draws, the rejection rules, float32 arithmetic), so a seed gives TF's
box. The stateful form runs TF's stateful kernel's stream (keyed by the global and op seeds,
``max_attempts`` blocks a call), so it gives TF's boxes too.
"""

from __future__ import annotations

import numpy as np

from .. import core
from .. import random as _random
from ..core import convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from ..ops.sampling import _seed_pair

__all__ = ["sample_distorted_bounding_box", "stateless_sample_distorted_bounding_box"]

_F = np.float32


class _Stream:
    """TF's SimplePhilox on a PhiloxRandom(counter, key): 32-bit words, four a block."""

    def __init__(self, key, counter):
        self._key, self._counter, self._words = key, counter, []

    def rand32(self):
        if not self._words:
            self._words = [int(v) for v in _random.philox_blocks(np, self._counter, self._key, 1)[0]]
            self._counter = (self._counter + 1) % (1 << 128)
        return self._words.pop(0)

    def rand_float(self):
        bits = np.uint32((127 << 23) | (self.rand32() & 0x7FFFFF))
        return bits.view(_F) - _F(1.0)

    def uniform(self, n):
        """TF's ExactUniformInt: an integer in [0, n), by rejection."""
        if n & (n - 1) == 0:
            return self.rand32() & (n - 1)
        rem = (0xFFFFFFFF % n) + 1
        while True:
            r = self.rand32()
            if r >= rem:
                return r % n


def _lrint(x):
    return int(np.rint(_F(x)))


def _random_crop(width, height, min_rel, max_rel, aspect, rng):
    """TF's GenerateRandomCrop: (x, y, w, h) or None."""
    if max_rel <= 0 or aspect <= 0 or width <= 0 or height <= 0 or min_rel > max_rel:
        return None
    min_area = _F(_F(min_rel * _F(width)) * _F(height))
    max_area = _F(_F(max_rel * _F(width)) * _F(height))
    h = _lrint(np.sqrt(_F(min_area / aspect)))
    max_h = _lrint(np.sqrt(_F(max_area / aspect)))
    if _lrint(_F(max_h) * aspect) > width:
        max_h = int((width + 0.5 - float(_F(1e-7))) / float(aspect))
        if _lrint(_F(max_h) * aspect) > width:
            max_h -= 1
    max_h = min(max_h, height)
    h = min(h, max_h)
    if h < max_h:
        h += rng.uniform(max_h - h + 1)
    w = _lrint(_F(h) * aspect)
    area = _F(w * h)
    if area < min_area:
        h += 1
        w = _lrint(_F(h) * aspect)
        area = _F(w * h)
    if area > max_area:
        h -= 1
        w = _lrint(_F(h) * aspect)
        area = _F(w * h)
    if area < min_area or area > max_area or w > width or h > height or w <= 0 or h <= 0:
        return None
    y = rng.uniform(height - h) if h < height else 0
    x = rng.uniform(width - w) if w < width else 0
    return x, y, w, h


def _covers(crop, min_covered, boxes):
    """TF's SatisfiesOverlapConstraints: the crop covers ``min_covered`` of some box."""
    x, y, w, h = crop
    if _F(w * h) < 1:
        return False
    for x0, y0, x1, y1 in boxes:
        area = _F((x1 - x0) * (y1 - y0))
        if area < 1:
            continue
        ix0, iy0, ix1, iy1 = max(x, x0), max(y, y0), min(x + w, x1), min(y + h, y1)
        inter = _F(0) if ix0 > ix1 or iy0 > iy1 else _F((ix1 - ix0) * (iy1 - iy0))
        if _F(inter / area) >= min_covered:
            return True
    return False


def _sample(image_size, bounding_boxes, key_counter, min_object_covered, aspect_ratio_range, area_range,
            max_attempts, use_image_if_no_bounding_boxes, opname):
    size = convert_to_tensor(image_size)
    if size.ndim != 1 or size.shape[0] != 3 or size.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{opname}: image_size must be a 1-D integer tensor of 3 elements "
                                   f"[height, width, channels], got {argcheck.describe(image_size)}")
    height, width = (int(v) for v in size.numpy()[:2])
    boxes = convert_to_tensor(bounding_boxes, dtype=np.float32).numpy()
    if boxes.ndim != 3 or boxes.shape[-1] != 4:
        raise InvalidArgumentError(f"{opname}: bounding_boxes must be 3-D [batch, num_boxes, 4], got shape "
                                   f"{list(boxes.shape)}")
    covered = _F(argcheck.number(min_object_covered, "min_object_covered", opname))
    if covered < 0:
        raise InvalidArgumentError(f"{opname}: min_object_covered must be non-negative, got {covered}")
    aspect = [_F(v) for v in (aspect_ratio_range if aspect_ratio_range is not None else (0.75, 1.33))]
    area = [_F(v) for v in (area_range if area_range is not None else (0.05, 1.0))]
    if len(aspect) != 2 or not (aspect[0] > 0 and aspect[1] > 0):
        raise InvalidArgumentError(f"{opname}: aspect_ratio_range must be 2 positive numbers, got "
                                   f"{aspect_ratio_range!r}")
    if len(area) != 2 or not (0 < area[0] <= 1 and 0 < area[1] <= 1):
        raise InvalidArgumentError(f"{opname}: area_range must be 2 numbers in (0, 1], got {area_range!r}")
    attempts = 100 if max_attempts is None else argcheck.integer(max_attempts, "max_attempts", opname)
    if attempts <= 0:
        raise InvalidArgumentError(f"{opname}: max_attempts must be positive, got {attempts}")
    flat = boxes.reshape(-1, 4)
    if flat.size and ((flat < 0) | (flat > 1)).any():
        raise InvalidArgumentError(f"{opname}: all bounding box coordinates must be in [0.0, 1.0], got "
                                   f"{flat[((flat < 0) | (flat > 1)).any(axis=1)][0].tolist()}")
    rects = [(int(b[1] * _F(width)), int(b[0] * _F(height)), int(b[3] * _F(width)), int(b[2] * _F(height)))
             for b in flat]
    if not rects:
        if not use_image_if_no_bounding_boxes:
            raise InvalidArgumentError(f"{opname}: No bounding boxes provided as input. One must enable "
                                       "use_image_if_no_bounding_boxes if you wish to not provide any "
                                       "bounding boxes.")
        rects = [(0, 0, width, height)]
    rng = _Stream(*key_counter)
    crop = None
    for _ in range(attempts):
        ratio = _F(_F(rng.rand_float() * _F(aspect[1] - aspect[0])) + aspect[0])
        c = _random_crop(width, height, area[0], area[1], ratio, rng)
        if c is not None and _covers(c, covered, rects):
            crop = c
            break
    x, y, w, h = crop if crop is not None else (0, 0, width, height)
    dtype = size.dtype
    begin = convert_to_tensor(np.array([y, x, 0], dtype=dtype))
    extent = convert_to_tensor(np.array([h, w, -1], dtype=dtype))
    box = np.array([[[_F(y) / _F(height), _F(x) / _F(width), _F(y + h) / _F(height), _F(x + w) / _F(width)]]],
                   dtype=np.float32)
    return begin, extent, convert_to_tensor(box)


def stateless_sample_distorted_bounding_box(image_size, bounding_boxes, seed, min_object_covered=0.1,
                                            aspect_ratio_range=None, area_range=None, max_attempts=None,
                                            use_image_if_no_bounding_boxes=None, name=None):
    """A random crop of an image of ``image_size`` ``[height, width, channels]`` covering at least
    ``min_object_covered`` of one of ``bounding_boxes`` (``[batch, n, 4]``, ``[y_min, x_min,
    y_max, x_max]`` in ``[0, 1]``), with an aspect ratio in ``aspect_ratio_range`` (default
    ``[0.75, 1.33]``) and an area fraction in ``area_range`` (default ``[0.05, 1]``); after
    ``max_attempts`` (100) failed draws, the whole image. Returns ``(begin, size, bboxes)``:
    ``begin`` and ``size`` for ``wb.slice``, and the crop as a ``[1, 1, 4]`` box. A function of
    ``seed`` (shape ``[2]``): TF's box for the same seed.

    >>> begin, size, box = wb.image.stateless_sample_distorted_bounding_box(
    ...     [3, 3, 1], bounding_boxes=[[[0.0, 0.0, 1.0, 1.0]]], seed=(1, 2))
    >>> begin.numpy().tolist(), size.numpy().tolist()
    ([0, 0, 0], [2, 2, -1])
    """
    opname = "wb.image.stateless_sample_distorted_bounding_box"
    key_counter = _random.key_counter_from_seed(_seed_pair(seed))
    return _sample(image_size, bounding_boxes, key_counter, min_object_covered, aspect_ratio_range, area_range,
                   max_attempts, use_image_if_no_bounding_boxes, opname)


class _BoxKernel(_random._KernelSource):
    """The stream of TF's ``SampleDistortedBoundingBoxV2`` kernel: Philox keyed by the op's seeds,
    ``max_attempts`` blocks reserved per call."""

    def _counters(self, n):
        return n


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=0, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """:func:`stateless_sample_distorted_bounding_box` drawn from TF's stateful kernel for the
    global seed and a non-zero op ``seed``: successive calls give TF's boxes (each takes
    ``max_attempts`` Philox blocks, as TF's kernel). With ``seed`` 0 (or None) TF seeds its
    kernel at random; here the draw comes from the global generator."""
    opname = "wb.image.sample_distorted_bounding_box"
    op_seed = None if seed in (0, None) else seed
    tracer = core._state.tracer
    if tracer is not None:      # the box is drawn in Python, call by call: such a function runs eagerly
        tracer._unreplayable(f"{opname} draws its box in Python from its kernel's stream at {core.user_frame()}, "
                             "a new box each call")
    kernel = ("SampleDistortedBoundingBoxV2", convert_to_tensor(image_size).dtype.name, repr(aspect_ratio_range),
              repr(area_range), max_attempts, bool(use_image_if_no_bounding_boxes))
    stream = _BoxKernel(kernel, op_seed)()
    out = _sample(image_size, bounding_boxes, (stream._key, stream._pos), min_object_covered, aspect_ratio_range,
                  area_range, max_attempts, use_image_if_no_bounding_boxes, opname)
    if stream._on_first is not None:        # the draw is valid: the kernel's stream moves on
        stream._on_first(100 if max_attempts is None else int(max_attempts))
    return out
