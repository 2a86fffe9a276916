"""Small real data sets shipped with the examples (see ``README`` in this folder for sources and licenses).

>>> images, labels = load_digits()
>>> images.shape, images.dtype, labels[:5]
((1797, 8, 8), dtype('float32'), array([0, 1, 2, 3, 4]))
"""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources

import numpy as np

__all__ = ["load_digits"]

_DIGITS = "digits.csv.gz"
_N_DIGITS = 1797


def load_digits():
    """The 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", test part).

    Returns ``(images, labels)``: ``images`` float32 ``[1797, 8, 8]`` scaled from the
    original 0..16 pixel counts to [0, 1], and ``labels`` int64 ``[1797]`` in 0..9.
    Each CSV row holds the 64 pixels in row-major order followed by the label.
    """
    raw = resources.files(__package__).joinpath(_DIGITS).read_bytes()
    with gzip.open(io.BytesIO(raw), "rt", newline="") as f:
        rows = np.array([[int(v) for v in row] for row in csv.reader(f) if row], dtype=np.int64)
    if rows.shape != (_N_DIGITS, 65):
        raise ValueError(f"load_digits: {_DIGITS} should hold {_N_DIGITS} rows of 65 integers, "
                         f"got an array of shape {rows.shape}; the packaged file is damaged")
    images = (rows[:, :64].reshape(-1, 8, 8) / 16.0).astype(np.float32)
    return images, rows[:, 64]
