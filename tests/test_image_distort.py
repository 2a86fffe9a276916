"""stateless_sample_distorted_bounding_box against TF 2.21's kernel (outputs computed with TF on
the same sizes, boxes, options and seeds), and sample_distorted_bounding_box."""

import numpy as np
import pytest

import workbench as wb

# TF's (begin_y, begin_x, height, width) for the 60 cases `cases()` builds
TF_CROPS = [
    (0, 0, 173, 48), (14, 8, 55, 72), (0, 45, 36, 41), (32, 27, 126, 94), (15, 9, 151, 164), (0, 0, 32, 258),
    (5, 1, 42, 46), (0, 0, 204, 263), (6, 4, 118, 118), (67, 12, 144, 250), (0, 0, 257, 179), (0, 0, 33, 43),
    (0, 153, 24, 33), (0, 0, 267, 87), (58, 2, 17, 21), (0, 0, 297, 20), (37, 117, 104, 111), (40, 12, 97, 73),
    (26, 23, 45, 40), (8, 4, 161, 140), (0, 0, 217, 25), (11, 64, 113, 92), (45, 0, 137, 110), (33, 98, 90, 111),
    (8, 0, 18, 34), (8, 66, 127, 104), (156, 9, 126, 104), (6, 73, 33, 60), (40, 7, 69, 84), (1, 1, 154, 146),
    (0, 0, 82, 121), (22, 22, 177, 233), (50, 15, 90, 113), (0, 0, 283, 75), (77, 137, 75, 79), (0, 0, 54, 95),
    (3, 13, 46, 51), (4, 120, 18, 17), (8, 144, 139, 127), (1, 40, 6, 11), (38, 33, 63, 77), (3, 8, 40, 53),
    (18, 11, 56, 92), (10, 35, 176, 182), (5, 111, 123, 159), (57, 0, 8, 4), (13, 4, 92, 119), (19, 0, 9, 7),
    (0, 0, 227, 124), (0, 72, 22, 28), (13, 29, 144, 125), (64, 23, 41, 34), (0, 0, 95, 7), (6, 5, 128, 105),
    (31, 6, 51, 81), (0, 0, 126, 139), (0, 15, 106, 123), (24, 104, 66, 111), (3, 76, 81, 65), (67, 73, 145, 169),
]


def cases():
    rs = np.random.RandomState(0)
    for i in range(60):
        h, w = int(rs.randint(1, 300)), int(rs.randint(1, 300))
        nb = int(rs.randint(0, 3))
        boxes = np.sort(rs.uniform(0, 1, (1, nb, 2, 2)), axis=2).transpose(0, 1, 3, 2).reshape(1, nb, 4)
        boxes = boxes[..., [0, 2, 1, 3]].astype(np.float32)
        kw = dict(min_object_covered=float(rs.choice([0.0, 0.1, 0.5, 0.9])), use_image_if_no_bounding_boxes=True)
        if i % 3 == 0:
            kw["aspect_ratio_range"] = [0.5, 2.0]
        if i % 4 == 0:
            kw["area_range"] = [0.1, 0.6]
        if i % 5 == 0:
            kw["max_attempts"] = 3
        seed = (int(rs.randint(-1000, 1000)), int(rs.randint(0, 2 ** 31)))
        yield (h, w), boxes, seed, kw


def test_stateless_matches_tf_kernel():
    for ((h, w), boxes, seed, kw), (y, x, ch, cw) in zip(cases(), TF_CROPS):
        begin, size, box = wb.image.stateless_sample_distorted_bounding_box(
            wb.constant([h, w, 3], wb.int32), boxes, seed, **kw)
        assert begin.numpy().tolist() == [y, x, 0] and size.numpy().tolist() == [ch, cw, -1]
        np.testing.assert_array_equal(box.numpy(), np.array([[[y / h, x / w, (y + ch) / h, (x + cw) / w]]],
                                                            np.float32))


def test_tf_docstring_example():
    image = np.array([[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]])
    bbox = wb.constant([0.0, 0.0, 1.0, 1.0], dtype=wb.float32, shape=[1, 1, 4])
    begin, size, draw = wb.image.stateless_sample_distorted_bounding_box(wb.shape(image), bounding_boxes=bbox,
                                                                         seed=(1, 2))
    assert begin.dtype == wb.int32 and size.dtype == wb.int32
    assert wb.slice(image, begin, size).numpy().tolist() == [[[1], [2]], [[4], [5]]]
    out = wb.image.draw_bounding_boxes(wb.expand_dims(wb.cast(image, wb.float32), 0), draw,
                                       np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    assert out.numpy()[0, ..., 0].tolist() == [[1.0, 1.0, 3.0], [1.0, 1.0, 6.0], [7.0, 8.0, 9.0]]


def test_stateful_form():
    begin, size, box = wb.image.sample_distorted_bounding_box([40, 60, 3], [[[0.1, 0.1, 0.9, 0.9]]], seed=7,
                                                              min_object_covered=0.5)
    (y, x, _), (h, w, c) = begin.numpy().tolist(), size.numpy().tolist()
    assert c == -1 and 0 <= y and y + h <= 40 and 0 <= x and x + w <= 60 and box.shape == (1, 1, 4)


def test_bad_arguments_raise():
    f = wb.image.stateless_sample_distorted_bounding_box
    with pytest.raises(wb.errors.InvalidArgumentError, match="No bounding boxes provided as input"):
        f([3, 3, 1], np.zeros((1, 0, 4), np.float32), (1, 2))
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"coordinates must be in \[0.0, 1.0\], got \[0.0, 0.0, 1.5, 1.0\]"):
        f([3, 3, 1], [[[0.0, 0.0, 1.5, 1.0]]], (1, 2))
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"bounding_boxes must be 3-D \[batch, num_boxes, 4\], got shape \[4\]"):
        f([3, 3, 1], [0.0, 0.0, 1.0, 1.0], (1, 2))
    with pytest.raises(wb.errors.InvalidArgumentError, match="image_size must be a 1-D integer tensor of 3 elements"):
        f([3, 3], [[[0.0, 0.0, 1.0, 1.0]]], (1, 2))
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"area_range must be 2 numbers in \(0, 1\]"):
        f([3, 3, 1], [[[0.0, 0.0, 1.0, 1.0]]], (1, 2), area_range=[0.1, 1.5])
    with pytest.raises(wb.errors.InvalidArgumentError, match="max_attempts must be positive, got 0"):
        f([3, 3, 1], [[[0.0, 0.0, 1.0, 1.0]]], (1, 2), max_attempts=0)
    with pytest.raises(ValueError, match=r"seed must have shape \[2\]"):
        f([3, 3, 1], [[[0.0, 0.0, 1.0, 1.0]]], (1, 2, 3))
