"""``SeedStream`` (``tfp.util``): a reproducible stream of integer seeds from one seed and a salt."""

from __future__ import annotations

import hashlib

__all__ = ["SeedStream"]


class SeedStream:
    """Each call returns a fresh non-negative integer seed in ``[0, 2**512)``: the SHA-512 of
    ``str((seed, counter, salt))`` for the call's counter (1, 2, ...), so a stream with the same seed
    and salt gives TFP's numbers; ``seed=None`` gives ``None`` (unseeded) every time. A
    ``SeedStream`` passed as ``seed`` contributes its original seed.

    >>> s = SeedStream(42, salt="abc")
    >>> s() != s()
    True
    """

    def __init__(self, seed, salt):
        self._seed = seed.original_seed if isinstance(seed, SeedStream) else seed
        if self._seed is not None and not isinstance(self._seed, (int, tuple, list)):
            if hasattr(self._seed, "numpy"):
                raise TypeError(f"SeedStream: seed must be a Python int (or None), got a tensor {self._seed!r}")
        self._salt = salt
        self._counter = 0

    def __call__(self):
        self._counter += 1
        if self._seed is None:
            return None
        composite = str((self._seed, self._counter, self._salt)).encode("utf-8")
        return int(hashlib.sha512(composite).hexdigest(), 16)

    @property
    def original_seed(self):
        return self._seed

    @property
    def salt(self):
        return self._salt

    def __repr__(self):
        return f"SeedStream(seed={self._seed!r}, salt={self._salt!r}, calls={self._counter})"
