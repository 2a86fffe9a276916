"""``wb.io.gfile``: files on local paths and, when ``fsspec`` is installed, on its URLs
(``memory://``, ``s3://``, ``gs://``, ... with their backends), as ``tf.io.gfile``.

>>> with wb.io.gfile.GFile("/tmp/a.txt", "w") as f:
...     _ = f.write("hello")
>>> wb.io.gfile.exists("/tmp/a.txt")
True
"""

from __future__ import annotations

import glob as _glob
import os
import shutil

__all__ = ["GFile", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "remove", "rename",
           "rmtree"]


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


def GFile(name, mode="r"):  # noqa: N802  (TF's class name)
    """An open file (a context manager) on a local path or an fsspec URL; ``mode`` as ``open``."""
    name = _path(name, "GFile")
    if mode not in ("r", "rb", "w", "wb", "a", "ab"):
        raise ValueError(f"wb.io.gfile.GFile: mode must be one of r, rb, w, wb, a, ab; got {mode!r}")
    if _is_url(name):
        fs, inner = _fs(name, "GFile")
        return fs.open(inner, mode)
    return open(_local(name), mode)


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
    """The paths matching ``pattern`` (``*``, ``?``, ``[...]``), sorted; URLs keep their scheme."""
    pattern = _path(pattern, "glob")
    if _is_url(pattern):
        fs, inner = _fs(pattern, "glob")
        scheme = pattern.split("://", 1)[0]
        out = []
        for p in fs.glob(inner):
            p = p if "://" in p else f"{scheme}://{p.lstrip('/') if scheme != 'memory' else p}"
            out.append(p)
        return sorted(out)
    return sorted(_glob.glob(_local(pattern)))


def listdir(path) -> list:
    path = _path(path, "listdir")
    if _is_url(path):
        fs, inner = _fs(path, "listdir")
        return sorted(os.path.basename(p.rstrip("/")) for p in fs.ls(inner, detail=False))
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
    path = _path(path, "mkdir")
    if _is_url(path):
        fs, inner = _fs(path, "mkdir")
        fs.mkdir(inner)
    else:
        os.mkdir(_local(path))


def remove(path):
    path = _path(path, "remove")
    if _is_url(path):
        fs, inner = _fs(path, "remove")
        fs.rm(inner)
    else:
        os.remove(_local(path))


def rmtree(path):
    path = _path(path, "rmtree")
    if _is_url(path):
        fs, inner = _fs(path, "rmtree")
        fs.rm(inner, recursive=True)
    else:
        shutil.rmtree(_local(path))


def rename(src, dst, overwrite=False):
    src, dst = _path(src, "rename"), _path(dst, "rename")
    if not overwrite and exists(dst):
        raise FileExistsError(f"wb.io.gfile.rename: {dst!r} exists (pass overwrite=True)")
    if _is_url(src) or _is_url(dst):
        fs, inner = _fs(src, "rename")
        fs.mv(inner, _fs(dst, "rename")[1])
    else:
        os.replace(_local(src), _local(dst))
