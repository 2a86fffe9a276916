"""TFRecord files, tf.train.Example and the rest of wb.io, checked against files TensorFlow wrote
(tests/fixtures/tfrecord, made by make_fixtures.py there with TF 2.21 in a scratch environment):
TF's files read here, and ours are TF's bytes for the same records."""

import gzip
import io
import json
import os
import zlib

import numpy as np
import pytest

import workbench as wb
from workbench.core import wrap
from workbench.io import tfrecord

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "tfrecord")
EXPECTED = json.load(open(os.path.join(HERE, "expected.json")))
RECORDS = [bytes.fromhex(h) for h in EXPECTED["records"]]
FILES = {None: "plain.tfrecord", "GZIP": "gzip.tfrecord", "ZLIB": "zlib.tfrecord"}


def fixture(name):
    return os.path.join(HERE, name)


@pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
def test_tf_written_records_read_here(compression):
    ds = wb.data.TFRecordDataset(fixture(FILES[compression]), compression_type=compression)
    assert list(ds.as_numpy_iterator()) == RECORDS


def test_our_records_are_tf_bytes(tmp_path):
    path = str(tmp_path / "ours.tfrecord")
    with wb.io.TFRecordWriter(path) as w:
        for r in RECORDS:
            w.write(r)
    assert open(path, "rb").read() == open(fixture("plain.tfrecord"), "rb").read()


@pytest.mark.parametrize("compression,unpack", [("GZIP", gzip.decompress), ("ZLIB", zlib.decompress)])
def test_compressed_records_hold_tf_stream(tmp_path, compression, unpack):
    # the stream inside is TF's byte for byte; with classic zlib (TF's own) so is the file
    path = str(tmp_path / "ours")
    with wb.io.TFRecordWriter(path, wb.io.TFRecordOptions(compression)) as w:
        for r in RECORDS:
            w.write(wrap(np.array(r, dtype=object)))
    if "ng" not in zlib.ZLIB_RUNTIME_VERSION:
        assert open(path, "rb").read() == open(fixture(FILES[compression]), "rb").read()
    ours = unpack(open(path, "rb").read())
    assert ours == unpack(open(fixture(FILES[compression]), "rb").read())
    assert ours == open(fixture("plain.tfrecord"), "rb").read()
    assert list(wb.data.TFRecordDataset(path, compression).as_numpy_iterator()) == RECORDS


def test_pure_python_crc32c_matches_the_library(monkeypatch):
    data = [b"", b"a", b"123456789", bytes(range(256)) * 3]
    with_lib = [tfrecord.masked_crc32c(d) for d in data]
    monkeypatch.setattr(tfrecord, "_crc_lib", None)
    assert [tfrecord.masked_crc32c(d) for d in data] == with_lib
    assert tfrecord.crc32c(b"123456789") == 0xE3069283   # the CRC-32C check value


def test_corruption_and_bad_arguments_are_reported(tmp_path):
    raw = bytearray(open(fixture("plain.tfrecord"), "rb").read())
    raw[30] ^= 0xFF
    bad = tmp_path / "bad.tfrecord"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted record"):
        list(wb.data.TFRecordDataset(str(bad)))
    with pytest.raises(ValueError, match="compression_type"):
        wb.data.TFRecordDataset(str(bad), compression_type="LZ4")
    with pytest.raises(ValueError, match="corrupted|truncated"):
        list(wb.data.TFRecordDataset(fixture("plain.tfrecord"), compression_type=None).take(1)) and \
            list(wb.data.TFRecordDataset(fixture("gzip.tfrecord")))


def test_examples_written_by_tf_parse_as_in_tf():
    serialized = [r for r in wb.data.TFRecordDataset(fixture("examples.tfrecord"))]
    features = {
        "label": wb.io.FixedLenFeature([], np.int64),
        "pixels": wb.io.FixedLenFeature([3], np.float32),
        "name": wb.io.FixedLenFeature([], "string"),
        "tags": wb.io.VarLenFeature(np.int64),
        "big": wb.io.FixedLenFeature([1], np.int64),
        "missing": wb.io.FixedLenFeature([2], np.float32, default_value=[7.0, 8.0]),
    }
    batch = wb.io.parse_example(wrap(np.array([s.numpy() for s in serialized], dtype=object)), features)
    for key in ("label", "pixels", "big", "missing"):
        assert batch[key].numpy().tolist() == EXPECTED[key], key
    assert batch["pixels"].dtype == np.float32 and batch["label"].dtype == np.int64
    assert [v.decode() for v in batch["name"].numpy()] == EXPECTED["name"]
    tags = batch["tags"]
    assert isinstance(tags, wb.SparseTensor)
    assert tags.indices.numpy().tolist() == EXPECTED["tags_indices"]
    assert tags.values.numpy().tolist() == EXPECTED["tags_values"]
    assert tags.dense_shape.numpy().tolist() == EXPECTED["tags_dense_shape"]
    ragged = wb.io.parse_example([s.numpy() for s in serialized],
                                 {"t": wb.io.RaggedFeature(np.int64, value_key="tags")})["t"]
    assert ragged.to_list() == EXPECTED["tags_ragged"]
    one = wb.io.parse_single_example(serialized[2], features)
    assert one["pixels"].numpy().tolist() == EXPECTED["pixels"][2]
    assert one["tags"].values.numpy().tolist() == [0, 1] and one["tags"].dense_shape.numpy().tolist() == [2]
    with pytest.raises(wb.errors.InvalidArgumentError, match="required"):
        wb.io.parse_single_example(serialized[0], {"nope": wb.io.FixedLenFeature([], np.int64)})
    with pytest.raises(wb.errors.InvalidArgumentError, match="int64_list"):
        wb.io.parse_single_example(serialized[0], {"label": wb.io.FixedLenFeature([], np.float32)})


def test_our_examples_are_tf_bytes():
    serialized = [r.numpy() for r in wb.data.TFRecordDataset(fixture("examples.tfrecord"))]
    for i, s in enumerate(serialized):
        ex = wb.io.Example.FromString(s)
        assert ex.features.feature["label"].int64_list.value[:] == [i]
        assert ex.SerializeToString(deterministic=True) == wb.io.Example.FromString(s).SerializeToString(
            deterministic=True)
    # one feature per message: no map ordering, so the bytes are TF's exactly
    made = wb.io.Example(features=wb.io.Features(feature={
        "label": wb.io.Feature(int64_list=wb.io.Int64List(value=[3]))}))
    tf_bytes = wb.io.Example.FromString(serialized[3])
    only = wb.io.Example()
    only.features.feature["label"].CopyFrom(tf_bytes.features.feature["label"])
    assert made.SerializeToString() == only.SerializeToString()
    assert made.SerializeToString() == bytes.fromhex("0a100a0e0a056c6162656c12051a030a0103")


def test_sequence_example_written_by_tf():
    data = open(fixture("sequence_example.pb"), "rb").read()
    ctx, seq = wb.io.parse_single_sequence_example(
        data, context_features={"id": wb.io.FixedLenFeature([], "string")},
        sequence_features={"frames": wb.io.FixedLenSequenceFeature([2], np.float32)})
    assert ctx["id"].numpy().decode() == EXPECTED["sequence_id"]
    assert seq["frames"].numpy().tolist() == EXPECTED["sequence_frames"]
    msg = wb.io.SequenceExample.FromString(data)
    assert msg.SerializeToString() == data


def test_text_lines_as_tf_reads_them(tmp_path):
    want = json.load(open(fixture("expected_lines.json")))
    got = [v.decode() for v in wb.data.TextLineDataset(fixture("lines.txt")).as_numpy_iterator()]
    assert got == want
    packed = tmp_path / "lines.txt.gz"
    packed.write_bytes(gzip.compress(open(fixture("lines.txt"), "rb").read()))
    assert [v.decode() for v in wb.data.TextLineDataset(str(packed), "GZIP").as_numpy_iterator()] == want


def test_tfrecord_pipeline_checkpoint_and_parallel_reads(tmp_path):
    paths = []
    for f in range(3):
        paths.append(str(tmp_path / f"part{f}.tfrecord"))
        with wb.io.TFRecordWriter(paths[-1]) as w:
            for i in range(4):
                w.write(b"%d-%d" % (f, i))
    ds = wb.data.TFRecordDataset(paths, num_parallel_reads=3)
    got = [v.decode() for v in ds.as_numpy_iterator()]
    assert got[:3] == ["0-0", "1-0", "2-0"] and sorted(got) == sorted(f"{f}-{i}" for f in range(3) for i in range(4))
    it = iter(ds)
    [next(it) for _ in range(5)]
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    rest = [v.numpy() for v in it]
    fresh = iter(wb.data.TFRecordDataset(paths, num_parallel_reads=3))
    wb.Checkpoint(iterator=fresh).restore(prefix)
    assert [v.numpy() for v in fresh] == rest
    files = wb.data.Dataset.list_files(str(tmp_path / "*.tfrecord"), shuffle=False)
    assert len(list(wb.data.TFRecordDataset(files))) == 12


def test_gfile_and_files_on_memory_urls():
    pytest.importorskip("fsspec")
    root = "memory://wbtest/data"
    wb.io.gfile.makedirs(root)
    wb.io.write_file(root + "/a.bin", b"\x00abc")
    with wb.io.gfile.GFile(root + "/b.txt", "w") as f:
        f.write("line one\nline two\n")
    assert wb.io.gfile.exists(root + "/a.bin") and not wb.io.gfile.exists(root + "/zzz")
    assert wb.io.read_file(root + "/a.bin").numpy() == b"\x00abc"
    assert [p.rsplit("/", 1)[1] for p in wb.io.gfile.glob(root + "/*")] == ["a.bin", "b.txt"]
    lines = wb.data.TextLineDataset(root + "/b.txt")
    assert list(lines.as_numpy_iterator()) == [b"line one", b"line two"]
    with wb.io.TFRecordWriter(root + "/r.tfrecord") as w:
        w.write(b"rec")
    assert list(wb.data.TFRecordDataset(root + "/r.tfrecord").as_numpy_iterator()) == [b"rec"]
    assert len(list(wb.data.Dataset.list_files(root + "/*.txt"))) == 1
    wb.io.gfile.rmtree("memory://wbtest")


def test_local_gfile_and_file_round_trip(tmp_path):
    path = str(tmp_path / "deep" / "x.bin")
    wb.io.write_file(path, "héllo")
    assert wb.io.read_file(path).numpy() == "héllo".encode()
    assert wb.io.gfile.isdir(str(tmp_path / "deep")) and wb.io.gfile.listdir(str(tmp_path / "deep")) == ["x.bin"]
    with pytest.raises(TypeError, match="contents"):
        wb.io.write_file(path, 3)


def test_png_and_jpeg_round_trip():
    pytest.importorskip("PIL")
    from PIL import Image
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    png = wb.io.encode_png(img)
    back = wb.io.decode_png(png)
    assert back.dtype == np.uint8 and np.array_equal(back.numpy(), img)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png.numpy()))), img)
    gray = wb.io.decode_png(png, channels=1)
    assert gray.shape == (5, 7, 1)
    rgba = wb.io.decode_image(png, channels=4)
    assert rgba.shape == (5, 7, 4) and (rgba.numpy()[..., 3] == 255).all()
    smooth = np.tile(np.linspace(0, 255, 16, dtype=np.uint8)[None, :, None], (16, 1, 3))
    jpeg = wb.io.encode_jpeg(smooth, quality=95)
    decoded = wb.io.decode_jpeg(jpeg).numpy()
    assert decoded.shape == (16, 16, 3) and np.abs(decoded.astype(int) - smooth).max() <= 8
    as_float = wb.io.decode_image(png, dtype=np.float32).numpy()
    assert as_float.dtype == np.float32 and np.allclose(as_float, img / 255.0)
    # TF's DecodePng decodes JPEGs (and GIFs) too
    np.testing.assert_array_equal(wb.io.decode_png(jpeg).numpy(), decoded)
    with pytest.raises(ValueError, match="channels"):
        wb.io.encode_png(np.zeros((2, 2), np.uint8))


def test_decode_csv_types_defaults_and_errors():
    cols = wb.io.decode_csv(["1,2.5,a", ",,\"b,c\""], [[0], [0.0], ["x"]])
    assert cols[0].numpy().tolist() == [1, 0] and cols[0].dtype == np.int32
    assert cols[1].numpy().tolist() == [2.5, 0.0] and cols[1].dtype == np.float32
    assert cols[2].numpy().tolist() == [b"a", b"b,c"]
    required = wb.io.decode_csv(["7,8"], [np.zeros(0, np.int64), [1]])
    assert required[0].dtype == np.int64 and required[0].numpy().tolist() == [7]
    with pytest.raises(wb.errors.InvalidArgumentError, match="required"):
        wb.io.decode_csv([",8"], [np.zeros(0, np.int64), [1]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="expect 2 fields"):
        wb.io.decode_csv(["1,2,3"], [[0], [0]])
    picked = wb.io.decode_csv(["1,2,3"], [[0], [0]], select_cols=[0, 2])
    assert [c.numpy().tolist() for c in picked] == [[1], [3]]


def test_a_restored_tfrecord_iterator_seeks_past_what_it_read(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    with wb.io.TFRecordWriter(path) as w:
        for i in range(6):
            w.write(b"record %d" % i)
    it = iter(wb.data.TFRecordDataset(path))
    [next(it) for _ in range(3)]
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    raw = bytearray(open(path, "rb").read())
    raw[14] ^= 0xFF   # corrupt record 0: a restore that read it again would fail
    open(path, "wb").write(bytes(raw))
    fresh = iter(wb.data.TFRecordDataset(path))
    wb.Checkpoint(iterator=fresh).restore(prefix)
    assert [v.numpy() for v in fresh] == [b"record 3", b"record 4", b"record 5"]
    with pytest.raises(ValueError, match="corrupted record 0"):
        list(wb.data.TFRecordDataset(path))


def test_images_encoded_by_tf_decode_here():
    pytest.importorskip("PIL")
    pixels = np.load(fixture("image_pixels.npy"))
    assert np.array_equal(wb.io.decode_png(wb.io.read_file(fixture("tf_image.png"))).numpy(), pixels)
    assert np.array_equal(wb.io.decode_image(wb.io.read_file(fixture("tf_image.png"))).numpy(), pixels)
    # JPEG decoders may differ by a unit or two; Pillow's libjpeg and TF's agree within that
    tf_decoded = np.load(fixture("tf_image_jpg_decoded.npy"))
    ours = wb.io.decode_jpeg(wb.io.read_file(fixture("tf_image.jpg"))).numpy()
    assert ours.shape == tf_decoded.shape and np.abs(ours.astype(int) - tf_decoded).max() <= 2


def test_sixteen_bit_and_every_channel_count_round_trip():
    pytest.importorskip("PIL")
    deep = (np.arange(12, dtype=np.uint16).reshape(3, 4, 1) * 5000)
    back = wb.io.decode_png(wb.io.encode_png(deep), dtype=np.uint16)
    assert back.dtype == np.uint16 and np.array_equal(back.numpy(), deep)
    for c in (1, 2, 3, 4):
        img = np.random.default_rng(c).integers(0, 256, (2, 3, c)).astype(np.uint8)
        assert np.array_equal(wb.io.decode_png(wb.io.encode_png(img)).numpy(), img)


# -- decode_raw: values pinned in TF 2.21 ---------------------------------------------------


def test_decode_raw_as_tf():
    np.testing.assert_array_equal(wb.io.decode_raw(wb.constant("Duck"), wb.uint8).numpy(), [68, 117, 99, 107])
    pair = wb.constant(["ab", "cd"])
    little = wb.io.decode_raw(pair, wb.int16)
    assert little.dtype == wb.int16 and little.shape == (2, 1)
    np.testing.assert_array_equal(little.numpy(), [[25185], [25699]])
    np.testing.assert_array_equal(wb.io.decode_raw(pair, wb.int16, little_endian=False).numpy(), [[24930], [25444]])
    padded = wb.io.decode_raw(wb.constant(["abc", "d"]), wb.uint8, fixed_length=4)
    np.testing.assert_array_equal(padded.numpy(), [[97, 98, 99, 0], [100, 0, 0, 0]])
    np.testing.assert_array_equal(wb.io.decode_raw(wb.constant(["abcd", "d"]), wb.int16, fixed_length=4).numpy(),
                                  [[25185, 25699], [100, 0]])
    floats = wb.io.decode_raw(wb.constant([["abcd"], ["efgh"]]), wb.float32)
    assert floats.shape == (2, 1, 1)
    np.testing.assert_array_equal(floats.numpy().ravel(), np.frombuffer(b"abcdefgh", "<f4"))
    assert wb.io.decode_raw(wb.constant([], wb.string), wb.uint8).shape == (0, 0)
    np.testing.assert_array_equal(wb.io.decode_raw(wb.constant("a\0"), wb.bool).numpy(), [True, False])


def test_decode_raw_refuses_as_tf():
    with pytest.raises(wb.errors.InvalidArgumentError, match="element 1 has 1"):
        wb.io.decode_raw(wb.constant(["abc", "d"]), wb.uint8)
    with pytest.raises(wb.errors.InvalidArgumentError, match="3 bytes is not a multiple of 2"):
        wb.io.decode_raw(wb.constant("abc"), wb.int16)
    with pytest.raises(wb.errors.InvalidArgumentError, match="out_type"):
        wb.io.decode_raw(wb.constant("abc"), wb.string)
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"fixed_length \(3\)"):
        wb.io.decode_raw(wb.constant("abcd"), wb.int16, fixed_length=3)
    with pytest.raises(wb.errors.InvalidArgumentError, match="string tensor"):
        wb.io.decode_raw(wb.constant([1.0]), wb.uint8)
