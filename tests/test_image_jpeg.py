"""adjust_jpeg_quality, random_jpeg_quality and stateless_random_jpeg_quality against TF 2.21's
outputs (computed with TF on the same images), decoded with dct_method="INTEGER_ACCURATE" and with
TF's default fast DCT."""

import numpy as np
import pytest

import workbench as wb

pytest.importorskip("PIL")

U8 = np.array([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]], np.uint8)


def test_uint8_matches_tf():
    assert wb.image.adjust_jpeg_quality(U8, 100, dct_method="INTEGER_ACCURATE").numpy().tolist() == \
        [[[1, 2, 4], [4, 5, 7]], [[7, 8, 10], [10, 11, 13]]]
    assert wb.image.adjust_jpeg_quality(U8, 30, dct_method="INTEGER_ACCURATE").numpy().tolist() == \
        [[[10, 10, 10]] * 2] * 2
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8, 1) * 3
    got = wb.image.adjust_jpeg_quality(gray, 50, dct_method="INTEGER_ACCURATE")
    assert got.dtype == wb.uint8 and got.shape == (8, 8, 1)
    assert got.numpy()[..., 0].tolist()[:2] == [[1, 2, 5, 9, 12, 16, 19, 20], [27, 28, 31, 34, 38, 42, 44, 46]]
    assert got.numpy()[7, :, 0].tolist() == [168, 169, 172, 176, 179, 183, 186, 187]
    noise = np.random.RandomState(0).randint(0, 256, (16, 16, 3)).astype(np.uint8)
    out = wb.image.adjust_jpeg_quality(noise, 60, dct_method="INTEGER_ACCURATE").numpy().astype(np.int64)
    assert (out.sum(), (out ** 2).sum()) == (94971, 13924851)
    assert out[5, 7].tolist() == [35, 11, 47] and out[15, 0].tolist() == [162, 145, 163]
    # TF's default (the fast IDCT)
    assert wb.image.adjust_jpeg_quality(U8, 100).numpy().tolist() == \
        [[[0, 1, 3], [3, 4, 6]], [[6, 7, 9], [9, 10, 12]]]
    fast = wb.image.adjust_jpeg_quality(noise, 60).numpy().astype(np.int64)
    assert (fast.sum(), (fast ** 2).sum()) == (94330, 13768468) and fast[5, 7].tolist() == [34, 10, 46]


def test_float_images_match_tf():
    x = [[[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]], [[0.07, 0.08, 0.09], [0.10, 0.11, 0.12]]]
    got = wb.image.adjust_jpeg_quality(x, 75, dct_method="INTEGER_ACCURATE")
    assert got.dtype == wb.float32
    np.testing.assert_allclose(got.numpy(), np.array([[[4, 5, 9], [9, 10, 14]], [[18, 19, 23], [23, 24, 28]]]) / 255,
                               rtol=1e-6)
    # values above 1 saturate (TF's docstring)
    assert wb.image.adjust_jpeg_quality(np.arange(1.0, 13.0).reshape(2, 2, 3), 75).numpy().tolist() == \
        [[[1.0] * 3] * 2] * 2
    np.testing.assert_allclose(wb.image.adjust_jpeg_quality([[[0.5]]], 75, dct_method="INTEGER_ACCURATE").numpy(),
                               [[[127 / 255]]], rtol=1e-6)


def test_random_forms():
    # TF draws the quality with stateless_uniform: 75 for seed (1, 2) in [75, 95)
    assert wb.image.stateless_random_jpeg_quality(U8, 75, 95, (1, 2)).numpy().tolist() == \
        wb.image.adjust_jpeg_quality(U8, 75).numpy().tolist()
    out = wb.image.random_jpeg_quality(U8, 75, 95)
    assert out.shape == (2, 2, 3) and out.dtype == wb.uint8


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"image must be 3-D \[height, width, channels\] with 1 or 3 channels, "
                                         r"got shape \(2, 1, 2, 3\)"):
        wb.image.adjust_jpeg_quality(np.zeros((2, 1, 2, 3), np.uint8), 75)
    with pytest.raises(ValueError, match="jpeg_quality must be between 0 and 100, got 101"):
        wb.image.adjust_jpeg_quality(U8, 101)
    with pytest.raises(ValueError, match="min_jpeg_quality must be less than max_jpeg_quality, got 90 and 80"):
        wb.image.random_jpeg_quality(U8, 90, 80)
    with pytest.raises(ValueError, match="max_jpeg_quality must be between 0 and 100, got 120"):
        wb.image.stateless_random_jpeg_quality(U8, 10, 120, (1, 2))
    with pytest.raises(ValueError, match="dct_method must be"):
        wb.image.adjust_jpeg_quality(U8, 75, dct_method="FAST")
