"""``wb.linalg``: TF's ``tf.linalg`` names."""

from .ops.create import eye  # noqa: F401
from .ops.linalg import *  # noqa: F401,F403
from .ops.linalg import matmul, matrix_transpose, matvec  # noqa: F401
from .ops.reduce import norm  # noqa: F401
from .ops.clip import global_norm  # noqa: F401
from .ops.linear_operator import *  # noqa: F401,F403  (tf.linalg.LinearOperator*)
