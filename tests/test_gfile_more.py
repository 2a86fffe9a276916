"""wb.io.gfile as TF 2.21's tf.io.gfile (results and error texts pinned from TF)."""

import pytest

import workbench as wb
from workbench.errors import (
    AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError,
)

G = wb.io.gfile


def test_gfile_write_read_semantics(tmp_path):
    path = str(tmp_path / "a.txt")
    f = G.GFile(path, "w")
    assert f.write("hello\nworld\n") is None   # TF's write returns None
    assert f.write(b"bytes\n") is None
    assert f.tell() == 18
    f.close()
    f = G.GFile(path, "r")
    assert f.read(3) == "hel" and f.tell() == 3
    assert f.readline() == "lo\n"
    assert f.readlines() == ["world\n", "bytes\n"]
    assert f.size() == 18
    assert f.seek(0) is None and f.read() == "hello\nworld\nbytes\n"
    f.seek(0)
    assert f.next() == "hello\n" and list(f) == ["world\n", "bytes\n"]
    assert f.mode == "r" and f.name == path
    f.close()
    with G.GFile(path, "rb") as f:
        assert f.read() == b"hello\nworld\nbytes\n"
    with G.GFile(path, "a") as f:
        f.write("more")
    assert G.GFile(path).read() == "hello\nworld\nbytes\nmore"


def test_gfile_errors_as_tf(tmp_path):
    missing = str(tmp_path / "missing.txt")
    f = G.GFile(missing)   # TF opens on first use
    with pytest.raises(NotFoundError, match=f"{missing}; No such file or directory"):
        f.read()
    with pytest.raises(InvalidArgumentError, match=r"mode is not 'r' or 'w' or 'a' or 'r\+' or 'w\+' or 'a\+'"):
        G.GFile(missing, "x")
    path = str(tmp_path / "a.txt")
    G.GFile(path, "w").write("x")
    with pytest.raises(PermissionDeniedError, match="File isn't open for writing"):
        G.GFile(path, "r").write("x")
    with pytest.raises(PermissionDeniedError, match="File isn't open for reading"):
        G.GFile(path, "w").read()


def test_copy_rename_remove(tmp_path):
    a, b, c = (str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt"))
    with G.GFile(a, "w") as f:
        f.write("data")
    assert G.copy(a, b) is None and G.GFile(b).read() == "data"
    with pytest.raises(AlreadyExistsError, match="file already exists"):
        G.copy(a, b)
    G.copy(a, b, overwrite=True)
    with pytest.raises(NotFoundError, match="nothere; No such file or directory"):
        G.copy(str(tmp_path / "nothere"), c)
    G.rename(b, c)
    with pytest.raises(AlreadyExistsError, match="file already exists"):
        G.rename(a, c)
    G.rename(a, c, overwrite=True)
    assert not G.exists(a) and G.GFile(c).read() == "data"
    with pytest.raises(NotFoundError, match="No such file or directory"):
        G.rename(a, str(tmp_path / "e.txt"))
    G.remove(c)
    with pytest.raises(NotFoundError, match="c.txt; No such file or directory"):
        G.remove(c)
    G.mkdir(str(tmp_path / "x"))
    with pytest.raises(FailedPreconditionError, match="x; Is a directory"):
        G.remove(str(tmp_path / "x"))


def test_directories_stat_walk(tmp_path):
    root = str(tmp_path)
    G.mkdir(G.join(root, "d"))
    G.mkdir(G.join(root, "d"))   # TF: an existing directory is no error
    with pytest.raises(NotFoundError, match="No such file or directory"):
        G.mkdir(G.join(root, "x", "y", "z"))
    G.makedirs(G.join(root, "x", "y", "z"))
    G.makedirs(G.join(root, "x", "y", "z"))
    with G.GFile(G.join(root, "a.txt"), "w") as f:
        f.write("hello\nworld\nbytes\nmore")
    assert G.listdir(root) == ["a.txt", "d", "x"]
    with pytest.raises(NotFoundError, match="Could not find directory"):
        G.listdir(G.join(root, "a.txt"))
    st = G.stat(G.join(root, "a.txt"))
    assert type(st).__name__ == "FileStatistics" and st.length == 22 and st.is_directory is False
    assert isinstance(st.mtime_nsec, int) and G.stat(G.join(root, "x")).is_directory
    with pytest.raises(NotFoundError, match="nothere; No such file or directory"):
        G.stat(G.join(root, "nothere"))
    walked = [(d[len(root):], s, f) for d, s, f in G.walk(root)]
    assert walked == [("", ["d", "x"], ["a.txt"]), ("/d", [], []), ("/x", ["y"], []), ("/x/y", ["z"], []),
                      ("/x/y/z", [], [])]
    bottom_up = [d[len(root):] for d, _, _ in G.walk(root, topdown=False)]
    assert bottom_up == ["/d", "/x/y/z", "/x/y", "/x", ""]
    assert list(G.walk(G.join(root, "nothere"))) == []
    G.rmtree(G.join(root, "x"))
    with pytest.raises(NotFoundError, match="x not found"):
        G.rmtree(G.join(root, "x"))
    assert not G.isdir(G.join(root, "nothere"))


def test_join_and_glob_forms(tmp_path, monkeypatch):
    assert G.join("a", "b", "c.txt") == "a/b/c.txt"
    assert G.join("a/", "/b") == "/b"
    assert G.join("gs://bucket", "x") == "gs://bucket/x"
    monkeypatch.chdir(tmp_path)
    for name in ("a.txt", "b.txt"):
        G.GFile(name, "w").write("x")
    G.makedirs("x/y")
    assert G.glob("*.txt") == ["./a.txt", "./b.txt"]   # TF: the pattern's directory is "."
    assert G.glob("./*.txt") == ["./a.txt", "./b.txt"]
    assert G.glob(str(tmp_path / "*.txt")) == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert G.glob("x/*") == ["x/y"] and G.glob("nomatch*") == []


def test_memory_urls():
    pytest.importorskip("fsspec")
    root = "memory://gfile_more"
    G.makedirs(root + "/sub")
    with G.GFile(root + "/a.txt", "w") as f:
        f.write("abc")
    G.copy(root + "/a.txt", root + "/sub/b.txt")
    assert G.stat(root + "/sub/b.txt").length == 3 and G.GFile(root + "/sub/b.txt").read() == "abc"
    assert [(d.rsplit("/", 1)[1], s, f) for d, s, f in G.walk(root)] == [("gfile_more", ["sub"], ["a.txt"]),
                                                                          ("sub", [], ["b.txt"])]
    with pytest.raises(NotFoundError):
        G.GFile(root + "/none").read()
    assert "memory" in G.get_registered_schemes()
    G.rmtree(root)


def test_matching_files_as_tf(tmp_path):
    # TF 2.21: one sorted string vector over every pattern; no match is an empty vector
    for n in ["b.txt", "a.txt", "c.csv"]:
        (tmp_path / n).write_text("x")
    base = str(tmp_path)
    got = wb.io.matching_files(f"{base}/*.txt")
    assert got.dtype == wb.string and got.numpy().tolist() == [f"{base}/a.txt".encode(), f"{base}/b.txt".encode()]
    both = wb.io.matching_files([f"{base}/*.txt", f"{base}/*.csv"]).numpy().tolist()
    assert both == [f"{base}/{n}".encode() for n in ["a.txt", "b.txt", "c.csv"]]
    assert wb.io.matching_files(f"{base}/*.zzz").shape == (0,)
    with pytest.raises(TypeError, match="pattern must be a string"):
        wb.io.matching_files(3)
