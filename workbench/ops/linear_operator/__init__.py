"""``wb.linalg.LinearOperator`` and its structured family: TF's ``tf.linalg.LinearOperator*``.

A linear operator is a batch of ``[M, N]`` matrices known by its structure (a diagonal, a
triangle, a low-rank update of another operator, ...) instead of its entries. Products,
solves, determinants and Cholesky factors use that structure: a diagonal solve is a division,
a triangular one a substitution, a low-rank update is solved by Woodbury's identity and its
determinant comes from the matrix determinant lemma. Dense matrices appear only where asked
(``to_dense``, the ``assert_*`` checks) or where no structure is known
(``LinearOperatorFullMatrix``).

Everything is computed with the library's ops, so tapes differentiate it like any other
expression. Batch dimensions (all but the last two) broadcast between an operator's
parameters and the arguments of its methods, as in TF. Real floating dtypes only (solves and
factorizations take float32 or float64).

>>> op = wb.linalg.LinearOperatorDiag([1.0, 2.0, 4.0])
>>> op.solvevec([1.0, 1.0, 1.0]).numpy()
array([1.  , 0.5 , 0.25], dtype=float32)
>>> round(float(op.log_abs_determinant()), 6)     # log 8
2.079442

The package sits with the ops (the core layer) so that ``wb.linalg`` and ``probability``
can both use it.
"""

from .base import LinearOperator
from .block_lower_triangular import LinearOperatorBlockLowerTriangular
from .combine import (LinearOperatorAdjoint, LinearOperatorBlockDiag, LinearOperatorComposition,
                      LinearOperatorInversion)
from .dense import LinearOperatorFullMatrix, LinearOperatorLowerTriangular
from .diag import LinearOperatorDiag, LinearOperatorIdentity, LinearOperatorScaledIdentity
from .kronecker import LinearOperatorKronecker
from .low_rank_update import LinearOperatorLowRankUpdate
from .permutation import LinearOperatorPermutation
from .toeplitz import LinearOperatorHouseholder, LinearOperatorToeplitz
from .tridiag import LinearOperatorTridiag
from .zeros import LinearOperatorZeros

__all__ = [
    "LinearOperator",
    "LinearOperatorAdjoint",
    "LinearOperatorBlockDiag",
    "LinearOperatorBlockLowerTriangular",
    "LinearOperatorComposition",
    "LinearOperatorDiag",
    "LinearOperatorFullMatrix",
    "LinearOperatorHouseholder",
    "LinearOperatorIdentity",
    "LinearOperatorInversion",
    "LinearOperatorKronecker",
    "LinearOperatorLowRankUpdate",
    "LinearOperatorLowerTriangular",
    "LinearOperatorPermutation",
    "LinearOperatorScaledIdentity",
    "LinearOperatorToeplitz",
    "LinearOperatorTridiag",
    "LinearOperatorZeros",
]
