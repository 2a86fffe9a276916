"""The op library, one topic module each. Importing this package registers every op."""

from . import create, elementwise, linalg, reduce, shape  # noqa: F401
from . import control_flow, dropout, indexing, nn, segment, special  # noqa: F401
from . import operators  # noqa: F401
