"""Spill files: what a run could not send yet, on disk in order, signed, replayed once.

A spill file lives in its run's folder (``mlflow-unsent*.jsonl``, mode 0600).
Each line is ``<hmac> <json>`` (see :mod:`~workbench.tracking.signing`); the
first is the header, the others are *records*, each one unit of the send queue
with a sequence number unique in its file::

    {"format": 2, "run_id": "...", "tracking_uri": "http://host:5000", "create": {...}}
    ["m", 1, [[key, value, timestamp_ms, step], ...]]     up to 1,000 metric points
    ["p", 2, [[key, value], ...]]                          params
    ["t", 3, [[key, value], ...]]                          tags
    ["a", 4, "checkpoints/ckpt-1.index.json", "checkpoints", true]
                                                           an artifact: a path inside the run
                                                           folder is relative to it; true: a
                                                           snapshot, deleted once uploaded
    ["end", 5, "FINISHED", 1735732800000]                  the run's end
    ["done", 1, 2]                                         records already sent: never again

The header's ``tracking_uri`` holds no password (see ``store.display_uri``).
Records are marked done as they arrive, so a replay cut short goes on where it
stopped and a record is never sent twice; a file whose records are all done is
deleted. A file with a line that does not verify is refused whole.
"""

from __future__ import annotations

import json
import os
import secrets

from . import signing

__all__ = ["FORMAT", "SPILL_NAME", "SPILL_GLOB", "DEAD_LETTER_NAME", "SpillQueue", "Spilled", "count_items",
           "inside", "read", "dead_letter"]

FORMAT = 2
SPILL_NAME = "mlflow-unsent.jsonl"
SPILL_GLOB = "mlflow-unsent*.jsonl"
DEAD_LETTER_NAME = "mlflow-refused.jsonl"
READ_CHUNK = 16  # records read back at a time (at most 16,000 points in memory)


def count_items(unit) -> int:
    """Points, params or tags in a unit of the send queue; 1 for an artifact or an end."""
    return len(unit[1]) if unit[0] in ("m", "p", "t") else 1


def inside(path, folder) -> bool:
    """True when ``path`` (links resolved) is ``folder`` or lies under it."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _encode(seq, unit, folder):
    if unit[0] == "a":
        path = unit[1]
        if inside(path, folder):
            path = os.path.relpath(os.path.realpath(path), os.path.realpath(folder)).replace(os.sep, "/")
        record = ["a", seq, path, unit[2], bool(unit[3]) if len(unit) > 3 else False]
    else:
        record = [unit[0], seq, *unit[1:]]
    return json.dumps(record, separators=(",", ":"))


def _decode(record, folder):
    kind, seq = record[0], record[1]
    if kind in ("m", "p", "t"):
        return seq, (kind, record[2])
    if kind == "a":
        path = record[2] if os.path.isabs(record[2]) else os.path.join(folder, *record[2].split("/"))
        return seq, ("a", path, record[3], bool(record[4]))
    if kind == "end":
        return seq, ("end", record[2], record[3])
    raise ValueError(f"unknown record kind {kind!r}")


class SpillQueue:
    """One spill file used as the on-disk middle of a run's send queue: units appended at its end,
    read back in order, marked done once sent, the file deleted once all are done.

    Only one thread of one process uses it (the run's sender); ``workbench sync``
    keeps away from a live run's files (see :func:`~workbench.tracking.journal.owner_lock`).
    """

    def __init__(self, path, header, key):
        self.path = path
        self.folder = os.path.dirname(path)
        self.header = header
        self._key = key
        self._seq = 0
        self._read_pos = None   # offset of the first record not read back
        self.pending_items = 0  # items in records written and not done
        self.unread = 0         # records written and not read back
        self._done_before = set()

    def adopt(self):
        """Go on with the file an earlier session of the run left (its records come first); a file
        that does not verify is moved aside (``sync`` reports it) and a new one begun."""
        if not os.path.exists(self.path):
            return
        try:
            spilled = Spilled(self.path)
        except ValueError:
            os.replace(self.path, aside_name(self.path))
            return
        with open(self.path, encoding="utf-8") as f:
            self._read_pos = len(f.readline().encode("utf-8"))
        self.header = {k: v for k, v in spilled.header.items() if k != "format"}
        self._seq, self._done_before = spilled.max_seq, spilled._done
        self.unread, self.pending_items = spilled.pending_records, spilled.pending_items

    def create(self):
        """Write the header now (an offline run's journal exists from its start)."""
        if self._read_pos is None:
            self._write([])

    def _write(self, lines):
        with signing.open_private(self.path, "a") as f:
            if self._read_pos is None:
                header = signing.sign(self._key, json.dumps({"format": FORMAT, **self.header}))
                f.write(header + "\n")
                self._read_pos = len(header.encode("utf-8")) + 1
            if lines:
                f.write("".join(signing.sign(self._key, line) + "\n" for line in lines))
            f.flush()

    def append(self, units) -> int:
        """Append ``units`` as records; returns the items written."""
        lines, items = [], 0
        for unit in units:
            self._seq += 1
            lines.append(_encode(self._seq, unit, self.folder))
            items += count_items(unit)
        self._write(lines)
        self.unread += len(lines)
        self.pending_items += items
        return items

    def read(self, limit=READ_CHUNK):
        """Up to ``limit`` records not read back yet: ``[(seq, unit), ...]`` in order."""
        if not self.unread:
            return []
        out = []
        with open(self.path, encoding="utf-8") as f:
            f.seek(self._read_pos)
            while len(out) < limit and self.unread:
                line = f.readline()
                if not line:
                    break
                self._read_pos += len(line.encode("utf-8"))
                record = json.loads(signing.verify(self._key, line))
                if record[0] == "done" or record[1] in self._done_before:
                    continue
                self.unread -= 1
                out.append(_decode(record, self.folder))
        return out

    def done(self, seqs, items):
        """Mark records sent; the file goes once every record in it is."""
        self.pending_items -= items
        if self.pending_items <= 0 and not self.unread:
            self.remove()
            return
        self._write([json.dumps(["done", *seqs])])

    def remove(self):
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass
        self._read_pos, self._seq, self.pending_items, self.unread = None, 0, 0, 0
        self._done_before = set()


class Spilled:
    """A spill file read for replay (``workbench sync``, or a run taking up an earlier session's):
    its header, its records not done yet (streamed), and :meth:`done` to mark them sent.

    Every line is checked before anything is returned: a file that does not verify
    raises :class:`~workbench.tracking.signing.UntrustedFile` and sends nothing.
    """

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.folder = os.path.dirname(self.path)
        self.cut_line = None
        header, self._done, counts = None, set(), {}
        try:
            key_for = signing.key_run_id(self.folder)
            self._key = signing.run_key(self.folder)
        except signing.UntrustedFile as exc:
            raise signing.UntrustedFile(f"{path} cannot be trusted: {exc}") from None
        with open(self.path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    text = signing.verify(self._key, line)
                    value = json.loads(text)
                except (signing.UntrustedFile, ValueError):
                    if not line.endswith("\n"):  # the last line, cut short by a crash
                        self.cut_line = number
                        continue
                    raise signing.UntrustedFile(f"{path}:{number}: the line's checksum does not match (the "
                                                "file was changed after it was written); nothing in it is sent") \
                        from None
                if number == 1:
                    header = value
                elif isinstance(value, list) and value and value[0] == "done":
                    self._done.update(value[1:])
                elif isinstance(value, list) and len(value) >= 3:
                    counts[value[1]] = (count_items((value[0], value[2])), value[0] == "m")
        if not isinstance(header, dict) or header.get("format") != FORMAT or "run_id" not in header:
            raise ValueError(f"{path} is not a workbench spill file (no signed header naming a run)")
        try:
            signing.run_key(self.folder, header["run_id"])  # the header's run is the folder's run
        except signing.UntrustedFile as exc:
            raise signing.UntrustedFile(f"{path} names run {header['run_id']}, not its folder's run "
                                        f"{key_for}: {exc}") from None
        self.header = header
        left = [v for seq, v in counts.items() if seq not in self._done]
        self.max_seq = max(counts, default=0)
        self.pending_records = len(left)
        self.pending_items = sum(n for n, _ in left)
        self.pending_points = sum(n for n, metric in left if metric)

    def records(self):
        """``(seq, unit)`` for each record not done, in order (read from disk as they are used)."""
        with open(self.path, encoding="utf-8") as f:
            next(f)
            for line in f:
                if not line.endswith("\n"):
                    break
                record = json.loads(signing.verify(self._key, line))
                if record[0] == "done" or record[1] in self._done:
                    continue
                yield _decode(record, self.folder)

    def done(self, seqs, items):
        self._done.update(seqs)
        self.pending_items -= items
        with signing.open_private(self.path, "a") as f:
            f.write(signing.sign(self._key, json.dumps(["done", *seqs])) + "\n")

    def remove(self):
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


def read(path):
    """``(header, [unit, ...])``: the records of a spill file not sent yet (small files; tests, resume)."""
    spilled = Spilled(path)
    return spilled.header, [unit for _, unit in spilled.records()]


def aside_name(path):
    """A new name beside ``path`` for an earlier session's spill file (``mlflow-unsent.<hex>.jsonl``)."""
    root, ext = os.path.splitext(path)
    return f"{root}.{secrets.token_hex(4)}{ext}"


def dead_letter(folder, unit, reason):
    """Keep a unit that MLflow refused in ``<folder>/mlflow-refused.jsonl`` (one JSON object a line)."""
    record = {"kind": unit[0], "item": list(unit[1:]), "reason": reason}
    with signing.open_private(os.path.join(folder, DEAD_LETTER_NAME), "a") as f:
        f.write(json.dumps(record) + "\n")
