"""decode_json_example against TF 2.21's outputs (computed with TF on the same JSON)."""

import numpy as np
import pytest

import workbench as wb

json_format = pytest.importorskip("google.protobuf.json_format")


def example(**features):
    return wb.train.Example(features=wb.train.Features(feature=features))


def test_tf_docstring_example():
    ex = example(a=wb.train.Feature(int64_list=wb.train.Int64List(value=[1, 1, 3])))
    text = json_format.MessageToJson(ex)
    binary = wb.io.decode_json_example(text)
    # TF writes the numbers one by one (not packed), byte for byte this
    assert binary.numpy() == b"\n\x0f\n\r\n\x01a\x12\x08\x1a\x06\x08\x01\x08\x01\x08\x03"
    assert binary.dtype == wb.string and binary.shape == ()
    assert wb.io.decode_json_example([[text, text], [text, text]]).shape.as_list() == [2, 2]
    parsed = wb.io.parse_example([binary.numpy(), ex.SerializeToString()],
                                 {"a": wb.io.FixedLenFeature(shape=[3], dtype=wb.int64)})
    assert parsed["a"].numpy().tolist() == [[1, 1, 3], [1, 1, 3]]


def test_floats_bytes_and_empty_match_tf():
    floats = example(b=wb.train.Feature(float_list=wb.train.FloatList(value=[1.5, -2.0])))
    assert wb.io.decode_json_example(json_format.MessageToJson(floats)).numpy() == \
        b"\n\x13\n\x11\n\x01b\x12\x0c\x12\n\r\x00\x00\xc0?\r\x00\x00\x00\xc0"
    strings = example(b=wb.train.Feature(bytes_list=wb.train.BytesList(value=[b"x", b"yz"])))
    assert wb.io.decode_json_example(json_format.MessageToJson(strings)).numpy() == \
        b"\n\x10\n\x0e\n\x01b\x12\t\n\x07\n\x01x\n\x02yz"
    assert wb.io.decode_json_example("{}").numpy() == b""
    assert wb.io.decode_json_example(np.array([], dtype=object)).shape == (0,)
    back = wb.train.Example.FromString(wb.io.decode_json_example(json_format.MessageToJson(floats)).numpy())
    assert back == floats


def test_bad_json_raises_tf_error():
    with pytest.raises(wb.errors.InvalidArgumentError, match="decode_json_example: Error while parsing JSON"):
        wb.io.decode_json_example("{bad")
    with pytest.raises(wb.errors.InvalidArgumentError, match="nope"):
        wb.io.decode_json_example('{"features": {"nope": 1}}')
    with pytest.raises(TypeError, match="json_examples must hold strings, got int"):
        wb.io.decode_json_example(3)
