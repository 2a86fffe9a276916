"""``wb.bitwise``: TF's ``tf.bitwise`` (and, or, xor, invert, shifts) on integer tensors."""

from .ops.bitwise import *  # noqa: F401,F403
from .ops.bitwise import __all__  # noqa: F401
