"""Non-maximum suppression (TF's ``non_max_suppression``, ``_with_scores`` (soft-NMS),
``_overlaps`` and ``_padded``): greedy selection of boxes by descending score, skipping those
that overlap an already selected box by more than a threshold.

The selection is data-dependent (its length too), so it runs on the host on the values of the
boxes and scores, as TF's CPU kernel does, and gives integer indices (no gradient: TF has none).
Boxes are ``[y1, x1, y2, x2]`` in any corner order; IoU is computed in float32, as TF.

>>> boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3]]
>>> wb.image.non_max_suppression(boxes, [0.9, 0.8, 0.7], 3).numpy()
array([0, 2], dtype=int32)
"""

from __future__ import annotations

import heapq

import numpy as np

from ..core import convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from ._common import static_dims, with_static

__all__ = ["combined_non_max_suppression", "draw_bounding_boxes", "non_max_suppression", "non_max_suppression_overlaps", "non_max_suppression_padded",
           "non_max_suppression_with_scores"]


def _host(value, what, opname):
    t = convert_to_tensor(value)
    arr = t.numpy()
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{opname}: {what} must be real numbers, got dtype {arr.dtype}")
    return t, arr


def _iou_matrix(boxes):
    """Pairwise IoU ``[n, n]`` in float32, 0 where either box has no area (TF's ``IOU``)."""
    b = boxes.astype(np.float32)
    y1, y2 = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])
    x1, x2 = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
    area = (y2 - y1) * (x2 - x1)
    ih = np.maximum(np.minimum(y2[:, None], y2[None]) - np.maximum(y1[:, None], y1[None]), np.float32(0))
    iw = np.maximum(np.minimum(x2[:, None], x2[None]) - np.maximum(x1[:, None], x1[None]), np.float32(0))
    inter = ih * iw
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (area[:, None] + area[None] - inter)
    iou[(area[:, None] <= 0) | (area[None] <= 0)] = 0.0
    return iou


def _greedy(similarity, scores, max_output_size, threshold, score_threshold, soft_nms_sigma=0.0):
    """TF's ``DoNonMaxSuppressionOp``: candidates in a priority queue (higher score first, then
    lower index); a candidate is compared with the boxes selected since it was last looked at; hard
    NMS drops it above ``threshold``, soft-NMS scales its score by ``exp(-iou^2 / (2 sigma))`` and
    puts it back while it stays above ``score_threshold``."""
    soft = soft_nms_sigma > 0
    scale = -0.5 / soft_nms_sigma if soft else 0.0
    dtype = scores.dtype.type
    queue = [(-scores[i], i, 0) for i in range(len(scores)) if scores[i] > score_threshold]
    heapq.heapify(queue)
    selected, selected_scores = [], []
    while len(selected) < max_output_size and queue:
        neg, i, begin = heapq.heappop(queue)
        original = score = -neg
        hard = False
        for j in range(len(selected) - 1, begin - 1, -1):
            sim = similarity(i, selected[j])
            weight = np.exp(dtype(scale) * dtype(sim) * dtype(sim))
            score = dtype(score * (weight if soft or sim <= threshold else 0.0))
            if not soft and sim > threshold:
                hard = True
                break
            if score <= score_threshold:
                break
        if hard:
            continue
        if score == original:
            selected.append(i)
            selected_scores.append(score)
        elif score > score_threshold:
            heapq.heappush(queue, (-score, i, len(selected)))
    return selected, selected_scores


def _common(boxes, scores, max_output_size, iou_threshold, score_threshold, opname, what="boxes"):
    _, b = _host(boxes, what, opname)
    s_t, s = _host(scores, "scores", opname)
    if s.ndim != 1:
        raise ValueError(f"{opname}: scores must be 1-D [num_boxes], got shape {s.shape}")
    if what == "boxes" and (b.ndim != 2 or b.shape[1] != 4):
        raise InvalidArgumentError(f"{opname}: boxes must be [num_boxes, 4], got shape {b.shape}")
    if what == "overlaps" and (b.ndim != 2 or b.shape[0] != b.shape[1]):
        raise ValueError(f"{opname}: overlaps must be square [num_boxes, num_boxes], got shape {b.shape}")
    if b.shape[0] != s.shape[0]:
        raise ValueError(f"{opname}: scores must have one entry per box ({b.shape[0]}), got shape {s.shape}")
    size = argcheck.integer(max_output_size, "max_output_size", opname, minimum=0)
    thr = argcheck.number(iou_threshold, "iou_threshold" if what == "boxes" else "overlap_threshold", opname)
    if what == "boxes" and not 0.0 <= thr <= 1.0:
        raise InvalidArgumentError(f"{opname}: iou_threshold must be in [0, 1], got {thr}")
    sthr = argcheck.number(score_threshold, "score_threshold", opname, finite=False)
    s = s if s.dtype.kind == "f" else s.astype(np.float32)
    return b, s, size, s.dtype.type(thr), s.dtype.type(sthr)


def _indices(selected):
    return with_static(convert_to_tensor(np.asarray(selected, dtype=np.int32).reshape(-1)), (None,))


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"),
                        name=None):
    """Indices (int32 ``[M]``, ``M <= max_output_size``) of the boxes greedy NMS keeps, by descending
    score (TF's ``tf.image.non_max_suppression``): a box is dropped when its IoU with a kept box is
    above ``iou_threshold``; boxes scoring at most ``score_threshold`` are never kept."""
    opname = "wb.image.non_max_suppression"
    b, s, size, thr, sthr = _common(boxes, scores, max_output_size, iou_threshold, score_threshold, opname)
    iou = _iou_matrix(b)
    selected, _ = _greedy(lambda i, j: iou[i, j], s, size, thr, sthr)
    return _indices(selected)


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0, name=None):
    """``(selected_indices, selected_scores)`` (TF's ``tf.image.non_max_suppression_with_scores``).
    ``soft_nms_sigma > 0`` is Soft-NMS (Bodla et al.): instead of dropping an overlapping box its
    score is multiplied by ``exp(-iou^2 / (2 soft_nms_sigma))`` (and ``iou_threshold`` plays no
    part); the returned scores are the decayed ones."""
    opname = "wb.image.non_max_suppression_with_scores"
    b, s, size, thr, sthr = _common(boxes, scores, max_output_size, iou_threshold, score_threshold, opname)
    sigma = argcheck.number(soft_nms_sigma, "soft_nms_sigma", opname)
    if sigma < 0:
        raise ValueError(f"{opname}: soft_nms_sigma must be non-negative, got {sigma}")
    iou = _iou_matrix(b)
    selected, kept = _greedy(lambda i, j: iou[i, j], s, size, thr, sthr, sigma)
    return _indices(selected), with_static(convert_to_tensor(np.asarray(kept, dtype=s.dtype).reshape(-1)), (None,))


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """Greedy NMS on a given ``[num_boxes, num_boxes]`` overlap matrix (TF's
    ``tf.image.non_max_suppression_overlaps``): a box is dropped when its overlap with a kept box
    is above ``overlap_threshold``."""
    opname = "wb.image.non_max_suppression_overlaps"
    o, s, size, thr, sthr = _common(overlaps, scores, max_output_size, overlap_threshold, score_threshold, opname,
                                    what="overlaps")
    selected, _ = _greedy(lambda i, j: o[i, j], s, size, thr, sthr)
    return _indices(selected)


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"),
                               pad_to_max_output_size=False, name=None, sorted_input=False,
                               canonicalized_coordinates=False, tile_size=512):
    """``(selected_indices, valid_outputs)`` for one image (``boxes [n, 4]``) or a batch
    (``boxes [..., n, 4]``, ``scores [..., n]``; then ``pad_to_max_output_size`` must be True), as
    TF's ``tf.image.non_max_suppression_padded``. With padding, indices are
    ``[..., max_output_size]`` with zeros after the ``valid_outputs`` (int32, one per image) kept
    ones. The selection is :func:`non_max_suppression`'s (``sorted_input``,
    ``canonicalized_coordinates`` and ``tile_size`` tune TF's kernel, not the result)."""
    opname = "wb.image.non_max_suppression_padded"
    _, b = _host(boxes, "boxes", opname)
    _, s = _host(scores, "scores", opname)
    pad = argcheck.flag(pad_to_max_output_size, "pad_to_max_output_size", opname)
    if b.ndim < 2 or b.shape[-1] != 4 or s.shape != b.shape[:-1]:
        raise ValueError(f"{opname}: boxes must be [..., num_boxes, 4] and scores [..., num_boxes], got shapes "
                         f"{b.shape} and {s.shape}")
    if b.ndim > 2 and not pad:
        raise ValueError(f"{opname}: pad_to_max_output_size must be True for batched input (boxes of shape "
                         f"{b.shape})")
    size = argcheck.integer(max_output_size, "max_output_size", opname, minimum=0)
    head = b.shape[:-2]
    flat_b, flat_s = b.reshape((-1,) + b.shape[-2:]), s.reshape((-1, s.shape[-1]))
    picked, valid = [], []
    for bi, si in zip(flat_b, flat_s):
        sel = non_max_suppression(bi, si, size, iou_threshold, score_threshold).numpy()
        valid.append(len(sel))
        picked.append(np.concatenate([sel, np.zeros(size - len(sel), np.int32)]) if pad else sel)
    if b.ndim == 2:
        return convert_to_tensor(picked[0]), convert_to_tensor(np.int32(valid[0]))
    return (convert_to_tensor(np.stack(picked).reshape(head + (size,)).astype(np.int32)),
            convert_to_tensor(np.asarray(valid, np.int32).reshape(head)))


def combined_non_max_suppression(boxes, scores, max_output_size_per_class, max_total_size, iou_threshold=0.5,
                                 score_threshold=float("-inf"), pad_per_class=False, clip_boxes=True, name=None):
    """Greedy NMS per image and class, then the best of all classes (TF's
    ``tf.image.combined_non_max_suppression``).

    ``boxes [batch, num_boxes, q, 4]`` (``q`` is 1, boxes shared by every class, or
    ``num_classes``), ``scores [batch, num_boxes, num_classes]``. Each class keeps at most
    ``max_output_size_per_class`` boxes scoring above ``score_threshold``; an image keeps the
    ``max_total_size`` best of them (``pad_per_class=True``: at most
    ``max_output_size_per_class * num_classes``). Returns ``(nmsed_boxes [batch, d, 4],
    nmsed_scores [batch, d], nmsed_classes [batch, d], valid_detections [batch])``, float32 but the
    int32 counts, zero past each image's ``valid_detections``; ``clip_boxes`` clips the boxes to
    ``[0, 1]``. Not differentiable (TF has no gradient)."""
    opname = "wb.image.combined_non_max_suppression"
    _, b = _host(boxes, "boxes", opname)
    _, s = _host(scores, "scores", opname)
    if b.ndim != 4 or b.shape[-1] != 4:
        raise InvalidArgumentError(f"{opname}: boxes must be 4-D [batch, num_boxes, q, 4], got shape {b.shape}")
    if s.ndim != 3 or s.shape[:2] != b.shape[:2] or b.shape[2] not in (1, s.shape[2]):
        raise InvalidArgumentError(f"{opname}: scores must be [batch, num_boxes, num_classes] = [{b.shape[0]}, "
                                   f"{b.shape[1]}, q or any] with q = {b.shape[2]} 1 or num_classes, got shape "
                                   f"{s.shape}")
    per_class = argcheck.integer(max_output_size_per_class, "max_output_size_per_class", opname, minimum=0)
    total = argcheck.integer(max_total_size, "max_total_size", opname, minimum=1)
    thr = argcheck.number(iou_threshold, "iou_threshold", opname)
    if not 0.0 <= thr <= 1.0:
        raise InvalidArgumentError(f"{opname}: iou_threshold must be in [0, 1], got {thr}")
    sthr = np.float32(argcheck.number(score_threshold, "score_threshold", opname, finite=False))
    pad = argcheck.flag(pad_per_class, "pad_per_class", opname)
    clip = argcheck.flag(clip_boxes, "clip_boxes", opname)
    batch, _, q, classes = b.shape[0], b.shape[1], b.shape[2], s.shape[2]
    size = min(per_class * classes, total) if pad else total
    b, s = b.astype(np.float32), s.astype(np.float32)
    out_boxes = np.zeros((batch, size, 4), np.float32)
    out_scores = np.zeros((batch, size), np.float32)
    out_classes = np.zeros((batch, size), np.float32)
    valid = np.zeros(batch, np.int32)
    for i in range(batch):
        found = []                               # (score, class, box index) of every class's picks
        for c in range(classes):
            cb = b[i, :, c if q > 1 else 0]
            iou = _iou_matrix(cb)
            picked, kept = _greedy(lambda u, v: iou[u, v], s[i, :, c], per_class, np.float32(thr), sthr)
            found += [(score, c, k) for k, score in zip(picked, kept)]
        found.sort(key=lambda t: -t[0])          # stable: ties stay in class order
        found = found[:size]
        valid[i] = len(found)
        for j, (score, c, k) in enumerate(found):
            out_boxes[i, j] = b[i, k, c if q > 1 else 0]
            out_scores[i, j], out_classes[i, j] = score, c
    if clip:
        out_boxes = np.clip(out_boxes, 0.0, 1.0)
    dims = static_dims(boxes)   # TF's static shapes: the images' batch, then the sizes fixed here
    n = None if dims is None else dims[0]
    return (with_static(convert_to_tensor(out_boxes), (n,) + out_boxes.shape[1:]),
            with_static(convert_to_tensor(out_scores), (n,) + out_scores.shape[1:]),
            with_static(convert_to_tensor(out_classes), (n,) + out_classes.shape[1:]),
            with_static(convert_to_tensor(valid), (n,)))


# TF's default box colours (DrawBoundingBoxes), RGBA
_DEFAULT_COLORS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                            [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]],
                           np.float32)


def draw_bounding_boxes(images, boxes, colors, name=None):
    """Draw one-pixel box outlines on a batch of images ``[batch, height, width, depth]``
    (TF's ``tf.image.draw_bounding_boxes``). ``boxes`` ``[batch, num_boxes, 4]`` hold
    ``[y_min, x_min, y_max, x_max]`` in ``[0, 1]`` (scaled by ``height - 1`` and ``width - 1`` and
    truncated, as TF); box ``i`` takes colour ``colors[i % len(colors)]`` (``colors`` ``[n, >=depth]``,
    or None for TF's ten defaults; a one-channel image draws white). Sides outside the image
    are not drawn; an inverted box is skipped. Not differentiable.

    >>> out = wb.image.draw_bounding_boxes(wb.zeros([1, 3, 3, 1]), [[[0.0, 0.0, 1.0, 1.0]]], None)
    >>> out.numpy()[0, :, :, 0]
    array([[1., 1., 1.],
           [1., 0., 1.],
           [1., 1., 1.]], dtype=float32)
    """
    opname = "wb.image.draw_bounding_boxes"
    x = convert_to_tensor(images)
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: images must be floating (float16, float32 or float64), got dtype {x.dtype}")
    if x.ndim != 4:
        raise ValueError(f"{opname}: images must be 4-D [batch, height, width, depth], got shape {x.shape}")
    _, b = _host(boxes, "boxes", opname)
    n, height, width, depth = x.shape
    if b.ndim != 3 or b.shape[0] != n or b.shape[2] != 4:
        raise ValueError(f"{opname}: boxes must have shape [{n}, num_boxes, 4], got {b.shape}")
    if colors is None or np.size(colors) == 0:
        table = _DEFAULT_COLORS.copy()
        if depth == 1:
            table[:, 0] = 1.0
    else:
        _, table = _host(colors, "colors", opname)
        if table.ndim != 2 or table.shape[1] < depth:
            raise ValueError(f"{opname}: colors must have shape [num_colors, >= {depth}] (one value per "
                             f"image channel), got {table.shape}")
    canvas = np.array(x.numpy(), copy=True)
    table = table[:, :depth].astype(canvas.dtype)
    for i in range(n):
        for k in range(b.shape[1]):
            color = table[k % len(table)]
            # TF: a float times (size - 1), truncated toward zero
            r0, c0 = int(np.float32(b[i, k, 0]) * (height - 1)), int(np.float32(b[i, k, 1]) * (width - 1))
            r1, c1 = int(np.float32(b[i, k, 2]) * (height - 1)), int(np.float32(b[i, k, 3]) * (width - 1))
            if r0 > r1 or c0 > c1:
                continue
            if r1 < 0 or c1 < 0 or r0 >= height or c0 >= width:
                continue
            rr0, rr1 = max(r0, 0), min(r1, height - 1)
            cc0, cc1 = max(c0, 0), min(c1, width - 1)
            if r0 >= 0:
                canvas[i, r0, cc0:cc1 + 1] = color
            if r1 < height:
                canvas[i, r1, cc0:cc1 + 1] = color
            if c0 >= 0:
                canvas[i, rr0:rr1 + 1, c0] = color
            if c1 < width:
                canvas[i, rr0:rr1 + 1, c1] = color
    return with_static(convert_to_tensor(canvas), static_dims(images))
