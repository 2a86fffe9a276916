"""A run folder's secret, and the signed, private files kept with it.

Everything a run keeps on disk for MLflow (spill files, the offline journal,
``mlflow-run.json``) is replayed later by ``workbench sync``, which sends data
to the run and store those files name. So that a file nobody but this user
wrote cannot steer that (send another file, to another server, into another
run), each line is signed with an HMAC keyed by a secret of the run's own
folder: ``.mlflow-unsent.key``, made once with mode 0600, owned by the user
and bound to the run it was made for. Every file written here is 0600 too.

>>> key = run_key("runs/digits-1", "3f2a...")         # doctest: +SKIP
>>> line = sign(key, '["m", 1, []]')                   # doctest: +SKIP
>>> verify(key, line)                                  # doctest: +SKIP
'["m", 1, []]'
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import stat

__all__ = ["KEY_NAME", "UntrustedFile", "run_key", "key_run_id", "sign", "verify", "sign_record", "verify_record",
           "open_private", "write_private"]

KEY_NAME = ".mlflow-unsent.key"
_MAC_CHARS = 32  # 128 bits of HMAC-SHA256, in hex


class UntrustedFile(ValueError):
    """A file of a run folder is not signed by that folder's secret (tampered with, or not written here)."""


def open_private(path, mode="a"):
    """``open(path, mode)`` for text, creating the file with mode 0600 (readable by its owner only)."""
    flags = {"a": os.O_WRONLY | os.O_CREAT | os.O_APPEND, "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
             "x": os.O_WRONLY | os.O_CREAT | os.O_EXCL}[mode]
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file, made before files were private
    except (AttributeError, OSError):
        pass
    return os.fdopen(fd, mode if mode != "x" else "w", encoding="utf-8")


def write_private(path, text):
    """Write ``text`` to ``path`` atomically (a 0600 file renamed into place)."""
    tmp = f"{path}.{secrets.token_hex(4)}.tmp"
    with open_private(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def run_key(folder, run_id=None) -> bytes:
    """The secret of the run folder ``folder``; made (for ``run_id``) when missing and ``run_id`` is given.

    Raises :class:`UntrustedFile` when the key file belongs to another user, is
    readable by others, or names another run than ``run_id``.
    """
    path = os.path.join(folder, KEY_NAME)
    if run_id is not None and not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        try:
            with open_private(path, "x") as f:
                json.dump({"run_id": run_id, "secret": secrets.token_hex(32)}, f)
        except FileExistsError:  # made by another process just now
            pass
    record = _read_key(path)
    key = bytes.fromhex(record["secret"])
    if run_id is not None and record["run_id"] != run_id and not _same_run(folder, key, record["run_id"], run_id):
        raise UntrustedFile(f"{path} belongs to run {record['run_id']}, not {run_id}")
    return key


def key_run_id(folder):
    """The run id the folder's secret was made for, or None when it has none."""
    try:
        return _read_key(os.path.join(folder, KEY_NAME))["run_id"]
    except (OSError, UntrustedFile):
        return None


def _read_key(path):
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UntrustedFile(f"{path} is missing: the run folder's files cannot be checked") from None
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)):
        raise UntrustedFile(f"{path} is not private to this user (owner uid {info.st_uid}, mode "
                            f"{stat.S_IMODE(info.st_mode):o}; expected this user's and 600)")
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        bytes.fromhex(record["secret"])
    except (ValueError, KeyError, TypeError):
        raise UntrustedFile(f"{path} is not a run secret") from None
    return record


def _same_run(folder, key, key_id, run_id):
    """An offline run's key names its provisional id; MLflow's id comes from its (signed) map file."""
    try:
        with open(os.path.join(folder, "mlflow-run.json"), encoding="utf-8") as f:
            record = verify_record(key, json.load(f))
    except (OSError, ValueError):
        return False
    return record.get("provisional_id") == key_id and record.get("run_id") == run_id


def _canonical(record):
    return json.dumps({k: v for k, v in record.items() if k != "mac"}, sort_keys=True, separators=(",", ":"))


def sign_record(key: bytes, record: dict) -> dict:
    """``record`` with a ``"mac"`` entry over the rest of it."""
    return {**record, "mac": mac(key, _canonical(record))}


def verify_record(key: bytes, record) -> dict:
    """A signed record without its ``"mac"``; :class:`UntrustedFile` when it does not match."""
    if not isinstance(record, dict) or not isinstance(record.get("mac"), str) \
            or not hmac.compare_digest(record["mac"], mac(key, _canonical(record))):
        raise UntrustedFile("the record's checksum does not match")
    return {k: v for k, v in record.items() if k != "mac"}


def mac(key: bytes, text: str) -> str:
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()[:_MAC_CHARS]


def sign(key: bytes, text: str) -> str:
    """``text`` (one line, no newline) prefixed with its HMAC: ``"<mac> <text>"``."""
    return f"{mac(key, text)} {text}"


def verify(key: bytes, line: str) -> str:
    """The text of a signed line; :class:`UntrustedFile` when its HMAC does not match."""
    line = line.rstrip("\n")
    given, _, text = line.partition(" ")
    if len(given) != _MAC_CHARS or not hmac.compare_digest(given, mac(key, text)):
        raise UntrustedFile("a line's checksum does not match")
    return text
