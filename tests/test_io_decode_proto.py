"""decode_proto against TF 2.21's outputs (computed with TF on the same messages: TensorBoard's
copies of TF's Summary protos, package ``tensorboard``, have the same fields and wire format)."""

import numpy as np
import pytest

import workbench as wb

summary_pb2 = pytest.importorskip("tensorboard.compat.proto.summary_pb2")
event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
text_format = pytest.importorskip("google.protobuf.text_format")


def parse(text, cls):
    return text_format.Parse(text, cls()).SerializeToString()


def test_tf_docstring_example():
    values = [parse(v, summary_pb2.Summary.Value) for v in
              ["simple_value: 2.2", "simple_value: 1.2", "image { height: 128 width: 512 }",
               "image { height: 256 width: 256 }"]]
    sizes, (simple_value, image) = wb.io.decode_proto(values, summary_pb2.Summary.Value.DESCRIPTOR.full_name,
                                                      field_names=["simple_value", "image"],
                                                      output_types=[wb.float32, wb.string])
    assert sizes.dtype == wb.int32 and sizes.numpy().tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]
    assert simple_value.dtype == wb.float32
    np.testing.assert_allclose(simple_value.numpy(), [[2.2], [1.2], [0.0], [0.0]], rtol=1e-6)
    assert image.dtype == wb.string and image.shape.as_list() == [4, 1]
    assert wb.RaggedTensor.from_tensor(simple_value, lengths=sizes[:, 0]).to_list() == \
        [[pytest.approx(2.2)], [pytest.approx(1.2)], [], []]


def test_fields_match_tf():
    vals = [parse(v, summary_pb2.Summary.Value) for v in
            ["simple_value: 2.2 tag: 'a'", "image { height: 128 width: 512 } node_name: 'x'", ""]]
    s, (v,) = wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["simple_value"], [wb.float64])
    assert s.numpy().tolist() == [[1], [0], [0]] and v.numpy().tolist() == [[2.200000047683716], [0.0], [0.0]]
    s, (v,) = wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["tag"], [wb.string])
    assert s.numpy().tolist() == [[1], [0], [0]] and v.numpy().tolist() == [[b"a"], [b""], [b""]]
    s, (v,) = wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["image"], [wb.string])
    assert v.numpy().tolist() == [[b""], [b"\x08\x80\x01\x10\x80\x04"], [b""]]
    images = [parse(v, summary_pb2.Summary.Image) for v in ["height: 3 width: 4 colorspace: 2", "height: -5"]]
    for dtype in (wb.int32, wb.int64):
        s, v = wb.io.decode_proto(images, "tensorboard.Summary.Image", ["height", "width", "colorspace"], [dtype] * 3)
        assert s.numpy().tolist() == [[1, 1, 1], [1, 0, 0]]
        assert [x.numpy().tolist() for x in v] == [[[3], [-5]], [[4], [0]], [[2], [0]]] and v[0].dtype == dtype


def test_repeated_fields_shapes_and_text_match_tf():
    h = [parse(v, summary_pb2.HistogramProto) for v in ["bucket: [1, 2, 3] min: 1", "bucket: [4]", ""]]
    s, (bucket, low) = wb.io.decode_proto(h, "tensorboard.HistogramProto", ["bucket", "min"], [wb.float64] * 2)
    assert s.numpy().tolist() == [[3, 1], [1, 0], [0, 0]]
    assert bucket.numpy().tolist() == [[1.0, 2.0, 3.0], [4.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert low.numpy().tolist() == [[1.0], [0.0], [0.0]]
    s, (v,) = wb.io.decode_proto(wb.reshape(wb.constant(h[:2]), [1, 2]), "tensorboard.HistogramProto", ["bucket"],
                                 [wb.float64])
    assert s.shape == (1, 2, 1) and v.shape == (1, 2, 3)
    s, (v,) = wb.io.decode_proto(h[0], "tensorboard.HistogramProto", ["bucket"], [wb.float64])
    assert s.shape == (1,) and v.shape == (3,)
    s, (v,) = wb.io.decode_proto(["bucket: [1, 2]"], "tensorboard.HistogramProto", ["bucket"], [wb.float64],
                                 message_format="text")
    assert s.numpy().tolist() == [[2]] and v.numpy().tolist() == [[1.0, 2.0]]
    e = [event_pb2.Event(step=3).SerializeToString(), b""]
    s, v = wb.io.decode_proto(e, "tensorboard.Event", ["step", "wall_time", "file_version"],
                              [wb.int64, wb.float64, wb.string])
    assert s.numpy().tolist() == [[1, 0, 0], [0, 0, 0]]
    assert [x.numpy().tolist() for x in v] == [[[3], [0]], [[0.0], [0.0]], [[b""], [b""]]]
    m = [summary_pb2.SummaryMetadata(data_class=2).SerializeToString()]
    assert wb.io.decode_proto(m, "tensorboard.SummaryMetadata", ["data_class"], [wb.int32])[1][0].numpy().tolist() == [[2]]


def test_example_messages_and_maps_match_tf():
    ex = wb.train.Example(features=wb.train.Features(feature={
        "a": wb.train.Feature(int64_list=wb.train.Int64List(value=[1, 2]))}))
    s, (features,) = wb.io.decode_proto([ex.SerializeToString()], "tensorflow.Example", ["features"], [wb.string])
    assert s.numpy().tolist() == [[1]] and features.numpy().tolist() == [[b"\n\x0b\n\x01a\x12\x06\x1a\x04\n\x02\x01\x02"]]
    s, (entries,) = wb.io.decode_proto(features[:, 0], "tensorflow.Features", ["feature"], [wb.string])
    assert s.numpy().tolist() == [[1]] and entries.numpy().tolist() == [[b"\n\x01a\x12\x06\x1a\x04\n\x02\x01\x02"]]
    s, (v,) = wb.io.decode_proto([wb.train.Int64List(value=[1, 2, 2 ** 40]).SerializeToString()],
                                 "tensorflow.Int64List", ["value"], [wb.int64])
    assert v.numpy().tolist() == [[1, 2, 2 ** 40]]


def test_errors_match_tf():
    vals = [parse("tag: 'a'", summary_pb2.Summary.Value)]
    with pytest.raises(wb.errors.InvalidArgumentError,
                       match="Unexpected output type for tensorboard.Summary.Value.simple_value: float to int32"):
        wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["simple_value"], [wb.int32])
    with pytest.raises(wb.errors.InvalidArgumentError, match="double to float32"):
        wb.io.decode_proto(vals, "tensorboard.HistogramProto", ["bucket"], [wb.float32])
    with pytest.raises(wb.errors.InvalidArgumentError, match="Unknown field: nope in message type tensorboard.Summary.Value"):
        wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["nope"], [wb.string])
    with pytest.raises(wb.errors.InvalidArgumentError, match="field_names and output_types attributes must have the same length"):
        wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["simple_value", "tag"], [wb.float32])
    with pytest.raises(wb.errors.InvalidArgumentError, match="No descriptor found for message type no.Such"):
        wb.io.decode_proto(vals, "no.Such", ["step"], [wb.int64])
    with pytest.raises(wb.errors.DataLossError, match=r"message \[0\] is not a valid tensorboard.Event"):
        wb.io.decode_proto([b"\xff\xff"], "tensorboard.Event", ["step"], [wb.int64])


def test_descriptor_source_file(tmp_path):
    from google.protobuf import descriptor_pb2
    files, seen, todo = descriptor_pb2.FileDescriptorSet(), set(), [summary_pb2.DESCRIPTOR]
    while todo:     # the file and everything it imports, the importing file first
        fd = todo.pop()
        if fd.name not in seen:
            seen.add(fd.name)
            fd.CopyToProto(files.file.add())
            todo.extend(fd.dependencies)
    path = tmp_path / "set.pb"
    path.write_bytes(files.SerializeToString())
    vals = [parse("simple_value: 0.5", summary_pb2.Summary.Value)]
    s, (v,) = wb.io.decode_proto(vals, "tensorboard.Summary.Value", ["simple_value"], [wb.float32],
                                 descriptor_source=str(path))
    assert s.numpy().tolist() == [[1]] and v.numpy().tolist() == [[0.5]]
