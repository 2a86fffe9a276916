"""What the dataset tests share: an iterator's elements as lists, and the check that an iterator
restored from a checkpoint goes on exactly where the saved one was."""

import numpy as np

import workbench as wb
from workbench import nest


def as_lists(element):
    return [np.asarray(leaf.numpy()).tolist() for leaf in nest.flatten(element)]


def take(it, n):
    out = []
    for _ in range(n):
        try:
            out.append(as_lists(next(it)))
        except StopIteration:
            break
    return out


def assert_restores_exactly(make, k, tmp_path):
    """Save an iterator of ``make()`` after ``k`` elements; it, and a fresh iterator restored from
    the save, both give the 10 elements an uninterrupted iteration gives after those ``k``."""
    uninterrupted = take(iter(make()), k + 10)
    it = iter(make())
    take(it, k)
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    assert take(it, 10) == uninterrupted[k:]
    fresh = iter(make())
    wb.Checkpoint(iterator=fresh).restore(prefix).assert_consumed()
    assert take(fresh, 10) == uninterrupted[k:]
