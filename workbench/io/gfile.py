"""``wb.io.gfile``: files on local paths and, when ``fsspec`` is installed, on its URLs
(``memory://``, ``s3://``, ``gs://``, ... with their backends), as ``tf.io.gfile``.

TF's semantics: ``GFile`` opens its file on first use (a missing file fails at ``read``),
``write`` takes str or bytes and returns None; errors are TF's (``NotFoundError``,
``AlreadyExistsError``, ``FailedPreconditionError``, ``PermissionDeniedError``) with TF's
words; ``mkdir`` of an existing directory is not an error; ``glob`` of a relative pattern
without a directory gives ``./name``, as TF. Listings are sorted (TF's follow the file system).

>>> with wb.io.gfile.GFile("/tmp/a.txt", "w") as f:
...     f.write("hello")
>>> wb.io.gfile.exists("/tmp/a.txt")
True
"""

from __future__ import annotations

import glob as _glob
import os
import posixpath
import shutil
from typing import NamedTuple

from ..errors import (
    AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError,
)

__all__ = ["GFile", "copy", "exists", "get_registered_schemes", "glob", "isdir", "join", "listdir", "makedirs",
           "mkdir", "remove", "rename", "rmtree", "stat", "walk"]


def _is_url(path) -> bool:
    return isinstance(path, str) and "://" in path and not path.startswith("file://")


def _local(path):
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    return path[len("file://"):] if path.startswith("file://") else path


def _fs(path, where):
    """The fsspec filesystem of a URL and the path inside it."""
    try:
        import fsspec  # noqa: PLC0415  (optional: only URLs need it)
    except ImportError:
        raise ImportError(f"wb.io.gfile.{where}: {path!r} is a URL; reading URLs needs the fsspec "
                          "package (pip install fsspec, plus the backend of the scheme)") from None
    fs, inner = fsspec.core.url_to_fs(path)
    return fs, inner


def _path(path, where):
    if hasattr(path, "numpy"):
        path = path.numpy()
        path = path.item() if hasattr(path, "item") else path
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"wb.io.gfile.{where}: path must be a string or a path, got "
                        f"{type(path).__name__}")
    return os.fspath(path)


def _not_found(path):
    return NotFoundError(None, None, f"{path}; No such file or directory")


_MODES = ("r", "w", "a", "r+", "w+", "a+")


class GFile:
    """A file (a context manager) on a local path or an fsspec URL, opened on first use.

    ``mode``: ``r``, ``w``, ``a``, ``r+``, ``w+``, ``a+``, each with an optional ``b`` (bytes
    read back; text otherwise). ``write`` takes str or bytes and returns None (TF's).
    """

    def __init__(self, name, mode="r"):
        self.name = _path(name, "GFile")
        if not isinstance(mode, str) or mode.replace("b", "", 1) not in _MODES:
            raise InvalidArgumentError(None, None, "mode is not 'r' or 'w' or 'a' or 'r+' or 'w+' or 'a+'")
        self.mode = mode
        self._binary = "b" in mode
        self._file = None

    def _open(self):
        if self._file is None:
            mode = self.mode.replace("b", "") + "b"
            if _is_url(self.name):
                fs, inner = _fs(self.name, "GFile")
                if "r" in mode and not fs.exists(inner):
                    raise _not_found(self.name)
                self._file = fs.open(inner, mode)
            else:
                try:
                    self._file = open(_local(self.name), mode)  # noqa: SIM115  (closed by close())
                except FileNotFoundError:
                    raise _not_found(self.name) from None
                except IsADirectoryError:
                    raise FailedPreconditionError(None, None, f"{self.name}; Is a directory") from None
        return self._file

    def _readable(self):
        if self.mode.replace("b", "") in ("w", "a"):
            raise PermissionDeniedError(None, None, "File isn't open for reading")
        return self._open()

    def _text(self, data):
        return data if self._binary else data.decode("utf-8")

    def write(self, file_content):
        """Write str (as UTF-8) or bytes; returns None."""
        if self.mode.replace("b", "") == "r":
            raise PermissionDeniedError(None, None, "File isn't open for writing")
        if isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        self._open().write(bytes(file_content))

    def read(self, n=-1):
        """``n`` bytes (all of them for ``n=-1``), as str in text mode."""
        f = self._readable()
        return self._text(f.read() if n is None or n < 0 else f.read(n))

    def readline(self):
        return self._text(self._readable().readline())

    def readlines(self):
        return [self._text(line) for line in self._readable().readlines()]

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__   # TF's GFile.next

    def seek(self, offset=None, whence=0, position=None):
        """Move to ``offset`` (TF's older ``position`` too); returns None."""
        self._open().seek(position if offset is None else offset, whence)

    def tell(self):
        return self._open().tell()

    def size(self):
        """The file's length in bytes."""
        if self._file is not None and "r" not in self.mode:
            self._file.flush()
        return stat(self.name).length

    def seekable(self):
        return True

    def flush(self):
        if self._file is not None:
            self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def closed(self):
        return self._file is None or self._file.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:   # noqa: BLE001, S110  (a finalizer never raises)
            pass


class FileStatistics(NamedTuple):
    """``stat``'s answer, with TF's field names."""
    length: int
    mtime_nsec: int
    is_directory: bool


def exists(path) -> bool:
    """Whether a file or directory exists at ``path``."""
    path = _path(path, "exists")
    if _is_url(path):
        fs, inner = _fs(path, "exists")
        return fs.exists(inner)
    return os.path.exists(_local(path))


def isdir(path) -> bool:
    path = _path(path, "isdir")
    if _is_url(path):
        fs, inner = _fs(path, "isdir")
        return fs.isdir(inner)
    return os.path.isdir(_local(path))


def glob(pattern) -> list:
    """The paths matching ``pattern`` (``*``, ``?``, ``[...]``), sorted; URLs keep their scheme,
    a relative pattern without a directory gives ``./name`` (TF's)."""
    pattern = _path(pattern, "glob")
    if _is_url(pattern):
        fs, inner = _fs(pattern, "glob")
        scheme = pattern.split("://", 1)[0]
        out = []
        for p in fs.glob(inner):
            p = p if "://" in p else f"{scheme}://{p.lstrip('/') if scheme != 'memory' else p}"
            out.append(p)
        return sorted(out)
    local = _local(pattern)
    found = sorted(_glob.glob(local))
    if not os.path.dirname(local):
        found = [os.path.join(".", p) for p in found]
    return found


def listdir(path) -> list:
    """The names in directory ``path`` (sorted)."""
    path = _path(path, "listdir")
    if _is_url(path):
        fs, inner = _fs(path, "listdir")
        if not fs.isdir(inner):
            raise NotFoundError(None, None, f"Could not find directory {path}")
        return sorted(os.path.basename(p.rstrip("/")) for p in fs.ls(inner, detail=False))
    if not os.path.isdir(_local(path)):
        raise NotFoundError(None, None, f"Could not find directory {path}")
    return sorted(os.listdir(_local(path)))


def makedirs(path):
    """Create ``path`` and its parents (no error when it exists)."""
    path = _path(path, "makedirs")
    if _is_url(path):
        fs, inner = _fs(path, "makedirs")
        fs.makedirs(inner, exist_ok=True)
    else:
        os.makedirs(_local(path), exist_ok=True)


def mkdir(path):
    """Create directory ``path`` (its parent must exist; an existing directory is kept, as TF)."""
    path = _path(path, "mkdir")
    if _is_url(path):
        fs, inner = _fs(path, "mkdir")
        if not fs.isdir(inner):
            fs.mkdir(inner)
        return
    try:
        os.mkdir(_local(path))
    except FileExistsError:
        if not os.path.isdir(_local(path)):
            raise AlreadyExistsError(None, None, f"{path}; File exists") from None
    except FileNotFoundError:
        raise _not_found(path) from None


def remove(path):
    """Delete the file ``path`` (a directory is TF's ``FailedPreconditionError``)."""
    path = _path(path, "remove")
    if _is_url(path):
        fs, inner = _fs(path, "remove")
        if not fs.exists(inner):
            raise _not_found(path)
        if fs.isdir(inner):
            raise FailedPreconditionError(None, None, f"{path}; Is a directory")
        fs.rm(inner)
        return
    local = _local(path)
    if os.path.isdir(local):
        raise FailedPreconditionError(None, None, f"{path}; Is a directory")
    try:
        os.remove(local)
    except FileNotFoundError:
        raise _not_found(path) from None


def rmtree(path):
    """Delete the directory ``path`` and everything below it."""
    path = _path(path, "rmtree")
    if _is_url(path):
        fs, inner = _fs(path, "rmtree")
        if not fs.exists(inner):
            raise NotFoundError(None, None, f"{path} not found")
        fs.rm(inner, recursive=True)
        return
    if not os.path.exists(_local(path)):
        raise NotFoundError(None, None, f"{path} not found")
    shutil.rmtree(_local(path))


def _check_target(src, dst, overwrite, where):
    if not exists(src):
        raise _not_found(src)
    if not overwrite and exists(dst):
        raise AlreadyExistsError(None, None, "file already exists")


def rename(src, dst, overwrite=False):
    """Move ``src`` to ``dst`` (an existing ``dst`` needs ``overwrite=True``)."""
    src, dst = _path(src, "rename"), _path(dst, "rename")
    _check_target(src, dst, overwrite, "rename")
    if _is_url(src) or _is_url(dst):
        fs, inner = _fs(src, "rename")
        fs.mv(inner, _fs(dst, "rename")[1])
    else:
        os.replace(_local(src), _local(dst))


def copy(src, dst, overwrite=False):
    """Copy the file ``src`` to ``dst`` (an existing ``dst`` needs ``overwrite=True``); local
    paths and URLs mix."""
    src, dst = _path(src, "copy"), _path(dst, "copy")
    _check_target(src, dst, overwrite, "copy")
    if not _is_url(src) and not _is_url(dst):
        shutil.copyfile(_local(src), _local(dst))
        return
    with GFile(src, "rb") as fin, GFile(dst, "wb") as fout:
        fout.write(fin.read())


def join(path, *paths):
    """Join path parts with ``/`` (a later absolute part restarts; a URL keeps its scheme)."""
    path = _path(path, "join")
    parts = [_path(p, "join") for p in paths]
    if "://" in path:
        scheme, rest = path.split("://", 1)
        return f"{scheme}://{posixpath.join(rest, *parts)}"
    return os.path.join(path, *parts)


def stat(path) -> FileStatistics:
    """``FileStatistics(length, mtime_nsec, is_directory)`` of ``path``."""
    path = _path(path, "stat")
    if _is_url(path):
        fs, inner = _fs(path, "stat")
        if not fs.exists(inner):
            raise _not_found(path)
        info = fs.info(inner)
        mtime = info.get("mtime") or info.get("created") or 0
        mtime = mtime.timestamp() if hasattr(mtime, "timestamp") else float(mtime)
        return FileStatistics(int(info.get("size") or 0), int(mtime * 1e9), info.get("type") == "directory")
    try:
        st = os.stat(_local(path))
    except FileNotFoundError:
        raise _not_found(path) from None
    return FileStatistics(int(st.st_size), int(st.st_mtime_ns), os.path.isdir(_local(path)))


def walk(top, topdown=True, onerror=None):
    """``(dirname, subdirs, files)`` for ``top`` and each directory below it (names sorted);
    a missing ``top`` yields nothing (TF's)."""
    top = _path(top, "walk")
    try:
        names = listdir(top)
    except NotFoundError as exc:
        if onerror is not None:
            onerror(exc)
        return
    subdirs = [n for n in names if isdir(join(top, n))]
    files = [n for n in names if n not in subdirs]
    here = (top, subdirs, files)
    if topdown:
        yield here
    for sub in subdirs:
        yield from walk(join(top, sub), topdown, onerror)
    if not topdown:
        yield here


def get_registered_schemes() -> list:
    """The URL schemes paths may use: local files (``""``, ``file``) and fsspec's protocols."""
    schemes = ["", "file"]
    try:
        import fsspec  # noqa: PLC0415  (optional)
    except ImportError:
        return schemes
    return schemes + sorted(p for p in fsspec.available_protocols() if p != "file")
