"""wb.summary: event files checked with tensorboard's own readers (no TensorFlow anywhere)."""

import gc
import glob
import io
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import wave

import numpy as np
import pytest

import workbench as wb
from workbench.summary import records
from workbench.summary.ops import histogram_buckets, pr_curve_data

# RFC 3720 (iSCSI) appendix B.4 test vectors, plus the usual check value.
CRC32C_VECTORS = [
    (b"", 0x00000000),
    (b"123456789", 0xE3069283),
    (bytes(32), 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
]


@pytest.fixture(autouse=True)
def fresh_summary_state():
    """Each test starts with no default writer, no step and recording on (state is per thread)."""
    from workbench.summary import writer
    yield
    writer._state.writer, writer._state.step, writer._state.condition = None, None, True


@pytest.fixture
def logdir(tmp_path):
    pytest.importorskip("tensorboard")
    return str(tmp_path / "logs")


def event_files(d):
    return sorted(glob.glob(os.path.join(d, "events.out.tfevents.*")))


def read_events(path):
    """Every Event in a file, read with tensorboard's record reader (which checks both CRCs)."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow
    reader = pywrap_tensorflow.PyRecordReader_New(path)
    events = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return events
        events.append(event_pb2.Event.FromString(reader.record()))


def accumulator(d):
    from tensorboard.backend.event_processing import event_accumulator as ea
    acc = ea.EventAccumulator(d, size_guidance={ea.TENSORS: 0})
    acc.Reload()
    return acc


def tensor_values(acc, tag):
    from tensorboard.util import tensor_util
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


# -- CRC-32C and record framing ------------------------------------------------
@pytest.mark.parametrize("data,want", CRC32C_VECTORS)
def test_crc32c_vectors(data, want):
    assert records.crc32c_python(data) == want
    assert records.crc32c(data) == want


def test_crc32c_matches_tensorboard_reference_on_random_data():
    pytest.importorskip("tensorboard")
    from tensorboard.compat.tensorflow_stub import pywrap_tensorflow
    rng = np.random.default_rng(0)
    for n in (1, 7, 64, 1000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert records.crc32c_python(data) == records.crc32c(data) == pywrap_tensorflow.crc32c(data)
        assert records.masked_crc32c(data) == pywrap_tensorflow.masked_crc32c(data)


def test_frame_record_layout():
    data = b"hello event"
    record = records.frame_record(data)
    assert len(record) == 8 + 4 + len(data) + 4
    assert int.from_bytes(record[:8], "little") == len(data)
    assert int.from_bytes(record[8:12], "little") == records.masked_crc32c(record[:8])
    assert record[12:-4] == data
    assert int.from_bytes(record[-4:], "little") == records.masked_crc32c(data)
    assert records.frame_record(data, crc=records.crc32c_python) == record


@pytest.mark.parametrize("tag", ["loss", "train/accuracy", "é/ünïcode", "x" * 200])
@pytest.mark.parametrize("value,step,wall", [
    (0.5, 3, 1700000000.25), (0.0, 0, 0.0), (-0.0, 1, 1.5), (float("nan"), 2**40, 2.0),
    (float("inf"), -1, 3.0), (1e300, -2**63, 4.0), (-1e300, 2**63 - 1, 5.0), (3, 127, 6.0), (1e-46, 128, 7.0)])
def test_scalar_event_bytes_are_protobufs(tag, value, step, wall):
    # the hand-encoded Event of write_scalars is byte for byte the one protobuf writes
    pytest.importorskip("tensorboard")
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=(value,),
                                    tensor_shape=tensor_shape_pb2.TensorShapeProto())
    want = event_pb2.Event(wall_time=wall, step=step, summary=summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor)])).SerializeToString()
    assert records.scalar_event(records.scalar_prefix(tag), value, step, wall) == want


def test_write_scalars_reads_back_as_scalar_summaries(logdir):
    writer = wb.summary.create_file_writer(logdir)
    items = [("loss", 1.0 / (i + 1), i) for i in range(50)] + [("acc", 0.5, 7), ("loss", 9.0, 50)]
    writer.write_scalars(items[:10])
    with writer.as_default():
        wb.summary.scalar("acc", 0.25, step=3)   # the tag's metadata came from the proto path
    writer.write_scalars(items[10:])
    writer.close()
    acc = accumulator(logdir)
    loss = tensor_values(acc, "loss")
    assert [s for s, _ in loss] == list(range(51))
    assert np.allclose([float(v) for _, v in loss], [np.float32(v) for k, v, _ in items if k == "loss"])
    assert [(s, float(v)) for s, v in tensor_values(acc, "acc")] == [(3, 0.25), (7, 0.5)]
    plugins = [acc.SummaryMetadata(t).plugin_data.plugin_name for t in ("loss", "acc")]
    assert plugins == ["scalars", "scalars"]


def test_event_file_name_header_and_crcs(logdir):
    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        wb.summary.scalar("loss", 0.5, step=1)
    w.close()
    (path,) = event_files(logdir)
    name = os.path.basename(path)
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.[^/]+\.%d\.\d+\.v2" % os.getpid(), name), name
    events = read_events(path)
    assert events[0].file_version == "brain.Event:2"
    assert [e.summary.value[0].tag for e in events[1:]] == ["loss"]
    assert abs(events[0].wall_time - time.time()) < 60


def test_corrupted_record_fails_tensorboard_crc_check(logdir):
    from tensorboard.compat.tensorflow_stub import errors
    w = wb.summary.create_file_writer(logdir, filename_suffix=".x")
    with w.as_default():
        wb.summary.scalar("loss", 0.5, step=1)
    w.close()
    (path,) = event_files(logdir)
    assert path.endswith(".x")
    raw = bytearray(open(path, "rb").read())
    raw[-6] ^= 0x01  # a byte of the last event's data
    open(path, "wb").write(bytes(raw))
    with pytest.raises(errors.DataLossError):
        read_events(path)


# -- writer lifecycle ------------------------------------------------------------
def test_buffering_max_queue_flush_and_close(logdir):
    w = wb.summary.create_file_writer(logdir, max_queue=5, flush_millis=10**9)
    path = w.path
    header_size = os.path.getsize(path)
    assert header_size > 0  # the file_version header is on disk at once
    with w.as_default(step=0):
        for i in range(5):
            wb.summary.scalar("a", float(i), step=i)
        assert os.path.getsize(path) == header_size  # 5 pending, not more than max_queue
        wb.summary.scalar("a", 5.0, step=5)
        assert os.path.getsize(path) > header_size  # the 6th write flushes the queue
        size = os.path.getsize(path)
        wb.summary.scalar("a", 6.0, step=6)
        assert os.path.getsize(path) == size
    assert os.path.getsize(path) > size  # leaving as_default flushes, as in TF
    w.close()
    assert [s for s, _ in tensor_values(accumulator(logdir), "a")] == list(range(7))


def test_flush_millis_zero_writes_every_event(logdir):
    w = wb.summary.create_file_writer(logdir, max_queue=1000, flush_millis=0)
    size = os.path.getsize(w.path)
    w.set_as_default(step=0)
    wb.summary.scalar("a", 1.0)
    assert os.path.getsize(w.path) > size
    w.close()


def test_explicit_flush_and_module_flush(logdir):
    w = wb.summary.create_file_writer(logdir, max_queue=1000)
    size = os.path.getsize(w.path)
    with w.as_default(step=1):
        wb.summary.scalar("a", 1.0)
        assert os.path.getsize(w.path) == size
        wb.summary.flush()
        assert os.path.getsize(w.path) > size
    w.close()


def test_writer_with_statement_sets_default_and_closes(logdir):
    with wb.summary.create_file_writer(logdir, max_queue=1000) as w:
        assert wb.summary.should_record_summaries()
        assert wb.summary.scalar("a", 2.0, step=3)
    assert w.closed and not wb.summary.should_record_summaries()
    assert tensor_values(accumulator(logdir), "a")[0][0] == 3
    with pytest.raises(RuntimeError, match="closed"):
        w.as_default().__enter__()


def test_write_after_close_raises_and_init_reopens(logdir):
    w = wb.summary.create_file_writer(logdir)
    w.set_as_default(step=0)
    w.close()
    with pytest.raises(RuntimeError, match="closed.*init"):
        wb.summary.scalar("a", 1.0)
    w.init()
    assert wb.summary.scalar("a", 1.0)
    w.close()
    files = event_files(logdir)
    assert len(files) == 2
    # the new file carries the tag's metadata again
    second = [e for e in read_events(files[1]) if e.HasField("summary")]
    assert second[0].summary.value[0].metadata.plugin_data.plugin_name == "scalars"


def test_garbage_collected_writer_flushes(logdir):
    w = wb.summary.create_file_writer(logdir, max_queue=1000)
    w.write_value("a", 4, wb.summary.ops.tensor_proto(np.float32(1.0)))
    del w
    gc.collect()
    (path,) = event_files(logdir)
    assert [e.step for e in read_events(path)[1:]] == [4]


def test_interpreter_exit_flushes_pending_events(logdir):
    code = textwrap.dedent(f"""
        import workbench as wb
        w = wb.summary.create_file_writer({logdir!r}, max_queue=10**6, flush_millis=10**9)
        w.set_as_default()
        for i in range(50):
            wb.summary.scalar("a", i, step=i)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert [s for s, _ in tensor_values(accumulator(logdir), "a")] == list(range(50))


def test_create_file_writer_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="logdir"):
        wb.summary.create_file_writer(None)
    with pytest.raises(ValueError, match="max_queue"):
        wb.summary.create_file_writer(str(tmp_path), max_queue=-1)


# -- default writer, step, recording condition ------------------------------------
def test_no_default_writer_returns_false():
    assert wb.summary.scalar("a", 1.0, step=0) is False
    assert wb.summary.histogram("h", np.ones(3), step=0) is False
    assert not wb.summary.should_record_summaries()


def test_missing_step_raises_clear_error(logdir):
    with wb.summary.create_file_writer(logdir).as_default():
        assert wb.summary.experimental.get_step() is None
        with pytest.raises(ValueError, match="set_step"):
            wb.summary.scalar("a", 1.0)


def test_step_sources_and_nesting(logdir):
    wa = wb.summary.create_file_writer(os.path.join(logdir, "a"))
    wb_ = wb.summary.create_file_writer(os.path.join(logdir, "b"))
    counter = wb.Variable(np.int64(7), trainable=False)
    with wa.as_default(step=10):
        wb.summary.scalar("x", 1.0)                     # step 10 -> a
        with wb_.as_default(step=20):
            wb.summary.scalar("x", 2.0)                 # step 20 -> b
            wb.summary.scalar("x", 3.0, step=21)        # explicit step wins
        wb.summary.scalar("x", 4.0)                     # back to a at step 10
        wb.summary.experimental.set_step(counter)
        wb.summary.scalar("x", 5.0)                     # a Variable is read at each write
        counter.assign_add(np.int64(1))
        wb.summary.scalar("x", 6.0)
        wb.summary.scalar("x", 7.0, step=wb.constant(np.int64(99)))
    assert wb.summary.experimental.get_step() is None  # as_default(step=) restored the old step
    wa.close()
    wb_.close()
    a = tensor_values(accumulator(os.path.join(logdir, "a")), "x")
    b = tensor_values(accumulator(os.path.join(logdir, "b")), "x")
    assert [(s, float(v)) for s, v in a] == [(10, 1.0), (10, 4.0), (7, 5.0), (8, 6.0), (99, 7.0)]
    assert [(s, float(v)) for s, v in b] == [(20, 2.0), (21, 3.0)]


def test_default_writer_is_per_thread(logdir):
    seen = []
    with wb.summary.create_file_writer(logdir).as_default(step=0):
        t = threading.Thread(target=lambda: seen.append(wb.summary.scalar("a", 1.0, step=0)))
        t.start()
        t.join()
        assert wb.summary.scalar("a", 1.0)
    assert seen == [False]


def test_record_if(logdir):
    calls = []
    step = {"n": 0}

    def every_third():
        calls.append(step["n"])
        return step["n"] % 3 == 0

    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        with wb.summary.record_if(False):
            assert not wb.summary.should_record_summaries()
            assert wb.summary.scalar("never", 1.0, step=0) is False
        with wb.summary.record_if(wb.constant(True)):
            assert wb.summary.should_record_summaries()
        with wb.summary.record_if(every_third):
            for n in range(7):
                step["n"] = n
                wb.summary.scalar("sparse", float(n), step=n)
        assert wb.summary.should_record_summaries()
    w.close()
    acc = accumulator(logdir)
    assert "never" not in acc.Tags()["tensors"]
    assert [s for s, _ in tensor_values(acc, "sparse")] == [0, 3, 6]
    assert calls == list(range(7))  # the callable is evaluated at each write


def test_noop_writer_records_nothing(tmp_path):
    with wb.summary.create_noop_writer().as_default(step=0):
        assert not wb.summary.should_record_summaries()
        assert wb.summary.scalar("a", 1.0) is False
    assert not list(tmp_path.iterdir())


# -- scalars -------------------------------------------------------------------------
def test_scalars_read_back_with_metadata_on_first_value_only(logdir):
    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        wb.summary.scalar("loss", 0.5, step=0, description="training loss")
        wb.summary.scalar("loss", np.float64(0.25), step=1)
        wb.summary.scalar("loss", wb.constant(np.float32(0.125)), step=2)
        wb.summary.scalar("loss", wb.Variable(0.0625), step=3)
        wb.summary.scalar("count", 3, step=0)
        wb.summary.scalar("flag", np.bool_(True), step=0)
    w.close()
    acc = accumulator(logdir)
    got = tensor_values(acc, "loss")
    assert [s for s, _ in got] == [0, 1, 2, 3]
    np.testing.assert_allclose([v for _, v in got], [0.5, 0.25, 0.125, 0.0625])
    assert all(v.dtype == np.float32 and v.shape == () for _, v in got)
    assert acc.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"
    assert acc.SummaryMetadata("loss").summary_description == "training loss"
    assert float(tensor_values(acc, "flag")[0][1]) == 1.0
    (path,) = event_files(logdir)
    loss_events = [e for e in read_events(path) if e.summary.value and e.summary.value[0].tag == "loss"]
    assert [e.summary.value[0].HasField("metadata") for e in loss_events] == [True, False, False, False]


def test_scalar_errors(logdir):
    with wb.summary.create_file_writer(logdir).as_default(step=0):
        with pytest.raises(ValueError, match=r"'v'.*scalar.*\(2,\)"):
            wb.summary.scalar("v", np.ones(2))
        with pytest.raises(TypeError, match="real numbers"):
            wb.summary.scalar("c", np.complex64(1j))
        with pytest.raises(TypeError, match="name"):
            wb.summary.scalar(3, 1.0)
        with pytest.raises(TypeError, match="step"):
            wb.summary.scalar("s", 1.0, step="three")


def test_writing_100k_scalars_frames_every_record(logdir):
    # the speed of this path is measured by benchmarks/logging_overhead.py, not here
    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        for i in range(100_000):
            wb.summary.scalar("loss", i * 0.001, step=i)
    w.close()
    from tensorboard.compat.proto import event_pb2
    (path,) = event_files(logdir)
    raw, offset, lengths = open(path, "rb").read(), 0, []
    while offset < len(raw):  # walk the framing (CRCs are checked by the other tests' reader)
        lengths.append(int.from_bytes(raw[offset:offset + 8], "little"))
        offset += 16 + lengths[-1]
    assert offset == len(raw) and len(lengths) == 100_001
    last = event_pb2.Event.FromString(raw[offset - 4 - lengths[-1]:offset - 4])
    assert last.step == 99_999 and last.summary.value[0].tag == "loss"


# -- histograms ---------------------------------------------------------------------
def test_histogram_buckets_match_tensorboard_reference(logdir):
    from tensorboard.plugins.histogram import summary_v2
    from tensorboard.util import tensor_util
    rng = np.random.default_rng(1)
    for data, buckets in [(rng.normal(size=1000), None), (rng.uniform(-3, 5, size=(10, 7)), 7),
                          (np.arange(10), 4), (np.array([2.5]), 5), (np.full(6, -1.0), None),
                          (np.zeros(0), 3), (np.ones(4), 0)]:
        ref = tensor_util.make_ndarray(summary_v2.histogram_pb("h", data, buckets).value[0].tensor)
        got = histogram_buckets(wb.constant(data), buckets)
        assert got.shape == ref.shape and got.dtype == np.float64
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_histogram_edge_cases():
    np.testing.assert_array_equal(histogram_buckets(np.zeros(0)), np.zeros((30, 3)))
    assert histogram_buckets(np.ones(3), buckets=0).shape == (0, 3)
    assert histogram_buckets(np.ones(3), buckets=-2).shape == (0, 3)
    const = histogram_buckets(np.full(5, 2.0), buckets=4)
    np.testing.assert_array_equal(const, [[2, 2, 0], [2, 2, 0], [2, 2, 0], [2, 2, 5]])
    h = histogram_buckets(np.array([0.0, 0.5, 1.0, 1.0]), buckets=2)
    np.testing.assert_array_equal(h, [[0, 0.5, 1], [0.5, 1, 3]])  # the max falls in the last bucket


def test_histograms_read_back(logdir):
    rng = np.random.default_rng(2)
    data = rng.normal(size=(50, 20)).astype(np.float32)
    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        wb.summary.histogram("w", wb.constant(data), step=0)
        wb.summary.histogram("w", data * 2, step=1, buckets=10)
        wb.summary.histogram("ints", np.arange(100), step=0)
    w.close()
    acc = accumulator(logdir)
    assert acc.SummaryMetadata("w").plugin_data.plugin_name == "histograms"
    (s0, h0), (s1, h1) = tensor_values(acc, "w")
    assert (s0, s1) == (0, 1) and h0.shape == (30, 3) and h1.shape == (10, 3)
    assert h0[:, 2].sum() == data.size and h0[0, 0] == data.min() and h0[-1, 1] == data.max()
    np.testing.assert_allclose(h0, histogram_buckets(data.astype(np.float64)))


def test_histogram_drops_non_finite_with_warning(logdir):
    w = wb.summary.create_file_writer(logdir)
    with w.as_default(step=0):
        with pytest.warns(RuntimeWarning, match="2 NaN/Inf"):
            wb.summary.histogram("h", np.array([1.0, np.nan, 2.0, np.inf, 3.0]), buckets=2)
    w.close()
    (_, h), = tensor_values(accumulator(logdir), "h")
    np.testing.assert_array_equal(h, [[1, 2, 1], [2, 3, 2]])


# -- images, text, audio ----------------------------------------------------------------
def decode_png(data):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)))


def test_images_read_back(logdir):
    rng = np.random.default_rng(3)
    floats = rng.uniform(-0.2, 1.2, size=(5, 6, 4, 3))
    grey = rng.integers(0, 256, size=(1, 3, 2, 1), dtype=np.uint8)
    grey_alpha = rng.integers(0, 256, size=(2, 3, 2, 2), dtype=np.uint8)
    rgba = rng.integers(0, 256, size=(1, 2, 2, 4), dtype=np.uint8)
    w = wb.summary.create_file_writer(logdir)
    with w.as_default(step=4):
        assert wb.summary.image("rgb", wb.constant(floats))  # max_outputs=3
        wb.summary.image("grey", grey)
        wb.summary.image("grey_alpha", grey_alpha, max_outputs=1)
        wb.summary.image("rgba", rgba)
    w.close()
    acc = accumulator(logdir)
    assert acc.SummaryMetadata("rgb").plugin_data.plugin_name == "images"
    (step, rgb), = tensor_values(acc, "rgb")
    assert step == 4 and rgb.shape == (5,) and list(rgb[:2]) == [b"4", b"6"]  # width, height
    want = np.clip(floats * 255.5, 0, 255).astype(np.uint8)
    for i in range(3):
        np.testing.assert_array_equal(decode_png(rgb[2 + i]), want[i])
    (_, g), = tensor_values(acc, "grey")
    np.testing.assert_array_equal(decode_png(g[2]), grey[0, ..., 0])
    (_, ga), = tensor_values(acc, "grey_alpha")
    assert len(ga) == 3
    np.testing.assert_array_equal(decode_png(ga[2]), grey_alpha[0])
    (_, ra), = tensor_values(acc, "rgba")
    np.testing.assert_array_equal(decode_png(ra[2]), rgba[0])


def test_image_errors(logdir):
    with wb.summary.create_file_writer(logdir).as_default(step=0):
        with pytest.raises(ValueError, match=r"\[k, h, w, c\].*\(4, 4, 3\)"):
            wb.summary.image("i", np.zeros((4, 4, 3)))
        with pytest.raises(ValueError, match="shape"):
            wb.summary.image("i", np.zeros((1, 4, 4, 5)))
        with pytest.raises(TypeError, match="uint8 or float"):
            wb.summary.image("i", np.zeros((1, 4, 4, 3), np.int32))


def test_text_read_back(logdir):
    w = wb.summary.create_file_writer(logdir)
    with w.as_default(step=2):
        wb.summary.text("note", "**bold** and é")
        wb.summary.text("table", [["a", "b"], ["c", "d"]])
        with pytest.raises(TypeError, match="str"):
            wb.summary.text("bad", np.ones(3))
    w.close()
    acc = accumulator(logdir)
    assert acc.SummaryMetadata("note").plugin_data.plugin_name == "text"
    (step, note), = tensor_values(acc, "note")
    assert step == 2 and note.shape == () and note.item().decode() == "**bold** and é"
    (_, table), = tensor_values(acc, "table")
    assert table.shape == (2, 2) and table[1, 0] == b"c"


def test_audio_read_back(logdir):
    from tensorboard.plugins.audio import metadata as audio_metadata
    t = np.arange(800) / 8000.0
    clips = np.stack([np.sin(2 * np.pi * 440 * t) * 0.5, np.cos(2 * np.pi * 220 * t) * 1.5])
    stereo = np.stack([clips.T, clips.T * 0.1])  # [2, 800, 2]
    w = wb.summary.create_file_writer(logdir)
    with w.as_default(step=1):
        wb.summary.audio("mono", wb.constant(clips), sample_rate=8000)
        wb.summary.audio("stereo", stereo, sample_rate=wb.constant(16000), max_outputs=1)
        with pytest.raises(ValueError, match="wav"):
            wb.summary.audio("x", clips, 8000, encoding="mp3")
    w.close()
    acc = accumulator(logdir)
    content = acc.SummaryMetadata("mono").plugin_data
    assert content.plugin_name == "audio"
    assert audio_metadata.parse_plugin_metadata(content.content).encoding == audio_metadata.Encoding.Value("WAV")
    (_, mono), = tensor_values(acc, "mono")
    assert mono.shape == (2, 2) and mono[0, 1] == b""
    for i in range(2):
        with wave.open(io.BytesIO(mono[i, 0])) as f:
            assert (f.getframerate(), f.getnchannels(), f.getsampwidth(), f.getnframes()) == (8000, 1, 2, 800)
            pcm = np.frombuffer(f.readframes(800), "<i2")
        np.testing.assert_allclose(pcm / 32768.0, np.clip(clips[i], -1, 32767 / 32768), atol=1 / 32768)
    (_, st), = tensor_values(acc, "stereo")
    assert st.shape == (1, 2)
    with wave.open(io.BytesIO(st[0, 0])) as f:
        assert (f.getframerate(), f.getnchannels()) == (16000, 2)


# -- PR curves, custom scalars, hparams, raw writes -------------------------------------------
def test_pr_curve_counts_match_brute_force(logdir):
    rng = np.random.default_rng(4)
    labels = rng.uniform(size=300) < 0.4
    # keep predictions away from the thresholds so ">= threshold" is unambiguous
    predictions = (np.floor(rng.uniform(size=300) * 10) + 0.5) / 10
    weights = rng.uniform(0.5, 2.0, size=300)
    data = pr_curve_data(labels, predictions, num_thresholds=11, weights=weights)
    thresholds = np.arange(11) / 10
    pos = predictions[None, :] >= thresholds[:, None]
    tp = (pos * labels * weights).sum(1)
    fp = (pos * ~labels * weights).sum(1)
    tn = (~pos * ~labels * weights).sum(1)
    fn = (~pos * labels * weights).sum(1)
    want = np.stack([tp, fp, tn, fn, tp / np.maximum(1e-7, tp + fp), tp / np.maximum(1e-7, tp + fn)])
    assert data.dtype == np.float32 and data.shape == (6, 11)
    np.testing.assert_allclose(data, want, rtol=1e-5, atol=1e-5)

    from tensorboard.plugins.pr_curve import metadata as pr_metadata
    w = wb.summary.create_file_writer(logdir)
    with w.as_default(step=5):
        wb.summary.pr_curve("pr", wb.constant(labels), wb.constant(predictions), num_thresholds=11)
        with pytest.raises(ValueError, match="num_thresholds"):
            wb.summary.pr_curve("pr", labels, predictions, num_thresholds=1)
        with pytest.raises(ValueError, match="same number"):
            wb.summary.pr_curve("pr", labels[:3], predictions)
    w.close()
    acc = accumulator(logdir)
    plugin = acc.SummaryMetadata("pr").plugin_data
    assert plugin.plugin_name == "pr_curves"
    assert pr_metadata.parse_plugin_metadata(plugin.content).num_thresholds == 11
    (step, got), = tensor_values(acc, "pr")
    assert step == 5
    np.testing.assert_allclose(got, pr_curve_data(labels, predictions, 11))


def test_custom_scalar_layout(logdir):
    from tensorboard.plugins.custom_scalar import layout_pb2, metadata as cs_metadata
    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        wb.summary.custom_scalar_layout({
            "losses": {"train vs val": ["loss/train", "loss/val"], "one": "acc.*"},
            "bands": {"acc": ("Margin", ["acc/mean", "acc/lo", "acc/hi"])},
        })
        with pytest.raises(ValueError, match="value, lower, upper"):
            wb.summary.custom_scalar_layout({"c": {"m": ("Margin", [["a", "b"]])}})
    w.close()
    acc = accumulator(logdir)
    assert cs_metadata.CONFIG_SUMMARY_TAG in acc.PluginTagToContent("custom_scalars")
    (step, raw), = tensor_values(acc, cs_metadata.CONFIG_SUMMARY_TAG)
    layout = layout_pb2.Layout.FromString(raw.item())
    assert step == 0
    assert [c.title for c in layout.category] == ["losses", "bands"]
    assert list(layout.category[0].chart[0].multiline.tag) == ["loss/train", "loss/val"]
    assert list(layout.category[0].chart[1].multiline.tag) == ["acc.*"]
    series = layout.category[1].chart[0].margin.series[0]
    assert (series.value, series.lower, series.upper) == ("acc/mean", "acc/lo", "acc/hi")


def test_hparams_plugin_data(logdir):
    from tensorboard.plugins.hparams import api_pb2, metadata as hp_metadata
    hp = wb.summary.hparams
    lr = hp.HParam("lr", hp.RealInterval(1e-4, 1e-1), description="learning rate")
    units = hp.HParam("units", hp.Discrete([16, 32]))
    opt = hp.HParam("optimizer", hp.Discrete(["adam", "sgd"]))
    depth = hp.HParam("depth", hp.IntInterval(1, 4))
    w = wb.summary.create_file_writer(logdir)
    with w.as_default():
        assert hp.hparams_config([lr, units, opt, depth], [hp.Metric("loss", display_name="Loss")])
        assert hp.hparams({lr: wb.constant(np.float64(0.01)), units: np.int64(32), "optimizer": "adam",
                           depth: 2, "use_bn": True}, trial_id="trial-7")
    w.close()
    acc = accumulator(logdir)
    content = acc.PluginTagToContent(hp_metadata.PLUGIN_NAME)
    assert set(content) == {hp_metadata.EXPERIMENT_TAG, hp_metadata.SESSION_START_INFO_TAG}
    experiment = hp_metadata.parse_experiment_plugin_data(content[hp_metadata.EXPERIMENT_TAG])
    infos = {i.name: i for i in experiment.hparam_infos}
    assert infos["lr"].domain_interval.max_value == pytest.approx(0.1)
    assert infos["lr"].description == "learning rate"
    assert list(infos["optimizer"].domain_discrete) and infos["optimizer"].type == api_pb2.DATA_TYPE_STRING
    assert [m.name.tag for m in experiment.metric_infos] == ["loss"]
    assert abs(experiment.time_created_secs - time.time()) < 600
    start = hp_metadata.parse_session_start_info_plugin_data(content[hp_metadata.SESSION_START_INFO_TAG])
    assert start.group_name == "trial-7"
    assert start.hparams["lr"].number_value == pytest.approx(0.01)
    assert start.hparams["units"].number_value == 32
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["use_bn"].bool_value is True
    with pytest.raises(ValueError, match="scalars"):
        hp.hparams({"bad": np.ones(2)})


def test_generic_write_and_write_raw_pb(logdir):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    meta = scalar_metadata.create_summary_metadata(None, "d")
    w = wb.summary.create_file_writer(logdir)
    with w.as_default(step=9):
        assert wb.summary.write("t", lambda: wb.constant(np.arange(6.0).reshape(2, 3)), metadata=meta)
        assert wb.summary.write("m", np.float32(2.0), metadata=meta.SerializeToString())
        raw = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="legacy", simple_value=1.5)])
        assert wb.summary.experimental.write_raw_pb(raw.SerializeToString(), step=3)
    w.close()
    acc = accumulator(logdir)
    (step, t), = tensor_values(acc, "t")
    assert step == 9
    np.testing.assert_array_equal(t, np.arange(6.0).reshape(2, 3))
    assert acc.SummaryMetadata("m").summary_description == "d"
    assert [(e.step, e.value) for e in acc.Scalars("legacy")] == [(3, 1.5)]


# -- imports ------------------------------------------------------------------------------
def test_tensorboard_is_imported_lazily_and_tensorflow_never(tmp_path):
    pytest.importorskip("tensorboard")
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        import workbench as wb
        assert not any(m.startswith("tensorboard") for m in sys.modules), "tensorboard at import"
        wb.summary.scalar  # the package loads without tensorboard
        assert not any(m.startswith("tensorboard") for m in sys.modules), "tensorboard at wb.summary"
        with wb.summary.create_file_writer({str(tmp_path)!r}).as_default(step=0):
            wb.summary.scalar("a", 1.0)
            wb.summary.histogram("h", np.ones(3))
            wb.summary.image("i", np.zeros((1, 2, 2, 3)))
            wb.summary.text("t", "x")
            wb.summary.audio("s", np.zeros((1, 10)), 8000)
            wb.summary.pr_curve("p", np.array([True]), np.array([0.5]))
            wb.summary.custom_scalar_layout({{"c": {{"x": ["a"]}}}})
            hp = wb.summary.hparams
            hp.hparams_config([hp.HParam("lr", hp.RealInterval(0.0, 1.0))], [hp.Metric("a")])
            hp.hparams({{"lr": 0.5}})
        assert "tensorflow" not in sys.modules, "tensorflow was imported"
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_missing_tensorboard_gives_clear_import_error(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.modules["tensorboard"] = None  # as if it were not installed
        import workbench as wb
        try:
            wb.summary.create_file_writer({str(tmp_path)!r})
        except ImportError as e:
            print("pip install" in str(e) and "tensorboard" in str(e))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.strip() == "True", out.stderr


def test_trace_export_writes_the_graphs_of_new_traces(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    w = wb.Variable([[1.0], [2.0]], name="w")

    @wb.function
    def f(x):
        return wb.matmul(x, w) + 1.0
    f(wb.ones([1, 2]))                       # traced before trace_on: not exported
    writer = wb.summary.create_file_writer(str(tmp_path))
    wb.summary.trace_on(graph=True)
    f(wb.ones([3, 2]))                       # a new program
    with writer.as_default():
        wb.summary.trace_export(name="f_trace", step=3)
    writer.flush()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [(n.name, n.op, list(n.input)) for n in acc.Graph().node] == [
        ("f/x", "Placeholder", []), ("f/w", "VarHandleOp", []), ("f/matmul", "matmul", ["f/x", "f/w"]), ("f/Const", "Const", []),
        ("f/add", "add", ["f/matmul", "f/Const"]),
        ("f/Identity", "Identity", ["f/add"])]
    from workbench.compiler import api
    assert api.TRACE_LOGS == []              # export ends the trace, as in TF


def test_profiler_writes_a_python_profile_and_refuses_as_tf(tmp_path):
    import pstats
    wb.profiler.experimental.start(str(tmp_path))
    with pytest.raises(wb.errors.AlreadyExistsError):
        wb.profiler.experimental.start(str(tmp_path))
    wb.reduce_sum(wb.ones([10]))
    path = wb.profiler.experimental.stop()
    assert path.startswith(str(tmp_path / "plugins" / "profile")) and path.endswith(".pstats")
    assert pstats.Stats(path).total_calls > 0
    with pytest.raises(wb.errors.UnavailableError):
        wb.profiler.experimental.stop()
