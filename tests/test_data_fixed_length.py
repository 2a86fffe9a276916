"""tf.data.FixedLengthRecordDataset against TF 2.21's outputs and errors (computed with TF on the
same files), and its iterator's checkpoint."""

import gzip
import zlib

import numpy as np
import pytest

import workbench as wb
from tests.data_helpers import assert_restores_exactly

FLRD = wb.data.FixedLengthRecordDataset


def values(ds):
    return [bytes(x) for x in ds.as_numpy_iterator()]


def test_tf_docstring_example(tmp_path):
    (tmp_path / "0.bin").write_bytes(b"HEADER012345FOOTER")
    (tmp_path / "1.bin").write_bytes(b"HEADER6789abFOOTER")
    ds = FLRD([str(tmp_path / "0.bin"), str(tmp_path / "1.bin")], record_bytes=2, header_bytes=6, footer_bytes=6)
    assert values(ds) == [b"01", b"23", b"45", b"67", b"89", b"ab"]
    assert ds.element_spec == wb.TensorSpec((), wb.string)
    assert int(ds.cardinality()) == wb.data.UNKNOWN_CARDINALITY


def test_matches_tf(tmp_path):
    f = tmp_path / "f.bin"
    f.write_bytes(b"HHabcdF")
    assert values(FLRD(str(f), 2, header_bytes=2, footer_bytes=1)) == [b"ab", b"cd"]
    assert values(FLRD([str(f), str(f)], 2, header_bytes=2, footer_bytes=1, num_parallel_reads=2)) == \
        [b"ab", b"ab", b"cd", b"cd"]
    assert values(FLRD(str(f), 7)) == [b"HHabcdF"]
    (tmp_path / "g.gz").write_bytes(gzip.compress(b"HHabcdF"))
    assert values(FLRD(str(tmp_path / "g.gz"), 2, 2, 1, compression_type="GZIP")) == [b"ab", b"cd"]
    (tmp_path / "z.z").write_bytes(zlib.compress(b"abcdef" * 30000))   # records across read chunks
    assert values(FLRD(str(tmp_path / "z.z"), 3, compression_type="ZLIB")) == [b"abc", b"def"] * 30000


def test_uneven_body_raises_tf_errors(tmp_path):
    (tmp_path / "b.bin").write_bytes(b"HHabcdeF")
    with pytest.raises(wb.errors.InvalidArgumentError,
                       match=r"Excluding the header \(2 bytes\) and footer \(1 bytes\), input file \".*b.bin\" has "
                             r"body length 5 bytes, which is not an exact multiple of the record length \(2 bytes\)."):
        values(FLRD(str(tmp_path / "b.bin"), 2, header_bytes=2, footer_bytes=1))
    (tmp_path / "d.gz").write_bytes(gzip.compress(b"HHabcdeF"))
    it = iter(FLRD(str(tmp_path / "d.gz"), 2, header_bytes=2, footer_bytes=1, compression_type="GZIP"))
    assert [bytes(next(it).numpy()), bytes(next(it).numpy())] == [b"ab", b"cd"]   # found at the end, as in TF
    with pytest.raises(wb.errors.DataLossError, match="has body length 5 bytes"):
        next(it)
    (tmp_path / "c.bin").write_bytes(b"HH")
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"has 2 bytes, fewer than its header \(3 bytes\)"):
        values(FLRD(str(tmp_path / "c.bin"), 2, header_bytes=3, footer_bytes=1))


def test_bad_arguments_raise(tmp_path):
    with pytest.raises(wb.errors.InvalidArgumentError, match="`record_bytes` must be > 0, got 0"):
        FLRD("x", 0)
    with pytest.raises(wb.errors.InvalidArgumentError, match="`header_bytes` must be >= 0, got -1"):
        FLRD("x", 2, header_bytes=-1)
    with pytest.raises(TypeError, match="record_bytes"):
        FLRD("x", 2.5)
    with pytest.raises(ValueError, match="compression_type"):
        FLRD("x", 2, compression_type="LZ4")


@pytest.mark.parametrize("compression", [None, "GZIP"])
def test_iterator_restores(tmp_path, compression):
    def make():
        names = []
        for i in range(3):
            data = b"HDR" + b"".join(b"%d%02d" % (i, j) for j in range(5 + i)) + b"F"
            path = tmp_path / f"{i}.bin"
            path.write_bytes(gzip.compress(data) if compression else data)
            names.append(str(path))
        return FLRD(names, 3, header_bytes=3, footer_bytes=1, compression_type=compression, num_parallel_reads=2)
    assert len(values(make())) == 18
    assert_restores_exactly(make, 4, tmp_path)
    assert np.asarray(next(iter(make())).numpy()).item() == b"000"
