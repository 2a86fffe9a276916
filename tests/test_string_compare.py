"""wb.equal / wb.not_equal on string tensors (TF's Equal/NotEqual on tf.string), the data guide's
``filter`` on the first character of CSV lines, and tf.image's codec names (``wb.image.decode_png``)."""

import numpy as np
import pytest

import workbench as wb


def test_equal_not_equal_elementwise_broadcasting():
    a = wb.constant([b"0abc", b"1x"])
    assert wb.equal(a, "0abc").numpy().tolist() == [True, False]
    assert wb.not_equal(a, ["0abc", "q"]).numpy().tolist() == [False, True]
    assert wb.equal("1x", a).numpy().tolist() == [False, True]       # a Python string first
    assert wb.math.equal(a, [["0abc"], ["1x"]]).numpy().tolist() == [[True, False], [False, True]]
    out = wb.math.not_equal(wb.constant("é"), "é")
    assert out.dtype == wb.bool and out.shape == () and not bool(out)
    assert wb.equal(a, a).numpy().tolist() == [True, True]


def test_refusals_as_tf():
    a = wb.constant([b"0abc", b"1x"])
    with pytest.raises(TypeError, match="string"):
        wb.equal(a, 1)
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        wb.not_equal(a, ["a", "b", "c"])


def test_numbers_unchanged():
    assert wb.equal(wb.constant([1, 2]), 2).numpy().tolist() == [False, True]
    assert wb.not_equal(wb.constant([1.0, 2.0]), [1.0, 3.0]).numpy().tolist() == [False, True]


def test_filter_lines_on_first_character():
    lines = wb.data.Dataset.from_tensor_slices(["survived,sex", "0,male", "1,female", "1,male", "0,x"])

    def survived(line):
        return wb.not_equal(wb.strings.substr(line, 0, 1), "0")
    assert [x.numpy() for x in lines.skip(1).filter(survived)] == [b"1,female", b"1,male"]


def test_image_codec_names():
    pytest.importorskip("PIL")
    pixels = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    png = wb.image.encode_png(pixels).numpy()
    np.testing.assert_array_equal(wb.image.decode_png(png).numpy(), pixels)
    np.testing.assert_array_equal(wb.image.decode_image(png).numpy(), pixels)
    assert wb.image.decode_jpeg(wb.image.encode_jpeg(pixels).numpy()).shape == (5, 6, 3)
