"""Keras 3's ``keras.utils.get_file``: fetch a file once into a cache folder (``~/.keras/datasets``
by default), check its hash, unpack an archive."""

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile


def _hash_file(path, algorithm):
    h = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    """True when the file's sha256 or md5 hex digest is ``file_hash`` (``algorithm='auto'``:
    sha256 for a 64-character hash, md5 otherwise)."""
    if algorithm == "auto":
        algorithm = "sha256" if len(str(file_hash)) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"get_file: hash_algorithm must be 'sha256', 'md5' or 'auto', got {algorithm!r}")
    return _hash_file(fpath, algorithm) == str(file_hash)


def _extract(archive, into, archive_format):
    formats = {"auto": ("tar", "zip"), "tar": ("tar",), "zip": ("zip",)}
    if archive_format not in formats and archive_format is not None:
        raise ValueError(f"get_file: archive_format must be 'auto', 'tar', 'zip' or None, got {archive_format!r}")
    for kind in formats.get(archive_format, ()):
        if kind == "tar" and tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                t.extractall(into, filter="data")
            return True
        if kind == "zip" and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                z.extractall(into)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Download ``origin`` into ``<cache_dir>/<cache_subdir>/<fname>`` unless it is there
    already (with the expected ``file_hash``, when one is given); return its path.

    ``cache_dir`` defaults to ``~/.keras`` (``/tmp/.keras`` where that cannot be written).
    ``fname`` defaults to the last part of the address. With ``extract`` (or ``untar``) the
    archive (tar, tar.gz, zip) is unpacked and the folder it went into is returned:
    ``<name>_extracted`` for an ``fname`` with an extension, else ``<fname>``, as Keras 3's.
    A download whose hash differs raises ``ValueError``; a failed one raises with the address.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir if cache_dir is not None else os.path.join("~", ".keras"))
    os.makedirs(base, exist_ok=True) if cache_dir is not None else None
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    given = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                         "Please specify the `fname` argument.")
    if given and os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's parent "
                         f"directory, use the `cache_dir` argument. Received: fname={fname}")
    unpack = extract or untar
    if unpack and given and "." in fname:
        target = os.path.join(datadir, fname)
        extracted = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
    elif unpack:
        target = os.path.join(datadir, fname + "_archive")
        extracted = os.path.join(datadir, fname)
    else:
        target, extracted = os.path.join(datadir, fname), None
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the {hash_algorithm} "
              f"file hash does not match the original value of {file_hash} so we will re-download the data.")
        download = True
    if download:
        print(f"Downloading data from {origin}")
        try:
            try:
                urllib.request.urlretrieve(origin, target)
            except urllib.error.HTTPError as e:
                raise Exception(f"URL fetch failure on {origin}: {e.code} -- {e.msg}") from None
            except urllib.error.URLError as e:
                raise Exception(f"URL fetch failure on {origin}: {e.errno} -- {e.reason}") from None
        except (Exception, KeyboardInterrupt):
            if os.path.exists(target):
                os.remove(target)
            raise
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does not "
                             f"match the provided value of {file_hash}.")
    if unpack:
        if download or not os.path.exists(extracted):
            if not _extract(target, extracted, "tar" if untar and not extract else archive_format):
                raise ValueError(f"get_file: {target} is not a {archive_format} archive")
        return extracted
    return target
