"""``wb.summary.experimental``: the default step and raw writes, as in ``tf.summary.experimental``."""

from .writer import get_step, set_step, write_raw_pb  # noqa: F401

__all__ = ["get_step", "set_step", "write_raw_pb"]
