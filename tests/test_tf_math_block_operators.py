"""Block operators take their argument block-wise, as in TF 2.21: ``matmul``/``matvec``/``solve``/
``solvevec`` of ``LinearOperatorBlockLowerTriangular`` and ``LinearOperatorBlockDiag`` with a
list of blocks return a list of blocks. Values against TF 2.21's for the same inputs
(tests/fixtures/tf221_block_operators.npz, written by ``_compute`` run with TF)."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_block_operators.npz"


def _compute(tf):
    rng = np.random.default_rng(7)

    def m(*s):
        extra = 3 * np.eye(s[-1], dtype=np.float32) if s[-1] == s[-2] else 0
        return rng.normal(size=s).astype(np.float32) + extra
    a00, a10, a11 = m(2, 3, 3), m(2, 2, 3), m(2, 2, 2)
    full = tf.linalg.LinearOperatorFullMatrix
    lower = tf.linalg.LinearOperatorBlockLowerTriangular([[full(a00)], [full(a10), full(a11)]])
    diag = tf.linalg.LinearOperatorBlockDiag([full(a00), full(m(2, 2))])
    x3, x2 = rng.normal(size=(1, 3, 2)).astype(np.float32), rng.normal(size=(2, 2, 2)).astype(np.float32)
    v3, v2 = rng.normal(size=(3,)).astype(np.float32), rng.normal(size=(2, 2)).astype(np.float32)
    out = {}
    for name, op in [("L", lower), ("D", diag)]:
        for adj in (False, True):
            out[f"{name}mm{adj}"] = op.matmul([x3, x2], adjoint=adj)
            out[f"{name}mv{adj}"] = op.matvec([v3, v2], adjoint=adj)
            out[f"{name}s{adj}"] = op.solve([x3, x2], adjoint=adj)
            out[f"{name}sv{adj}"] = op.solvevec([v3, v2], adjoint=adj)
        out[f"{name}mmaa"] = op.matmul([np.swapaxes(x3, -1, -2), np.swapaxes(x2, -1, -2)],
                                       adjoint_arg=True)
    return {f"{k}_{i}": t.numpy() for k, v in out.items() for i, t in enumerate(v)}


def test_blockwise_products_and_solves_match_tf():
    assert_matches_fixture(_compute(wb), FIXTURE, check_dtype=False)


def test_docstring_batch_shapes():
    rng = np.random.default_rng(0)
    full = wb.linalg.LinearOperatorFullMatrix
    op = wb.linalg.LinearOperatorBlockLowerTriangular(
        [[full(rng.normal(size=(2, 3, 4, 4)))], [full(rng.normal(size=(1, 3, 5, 4))),
                                                 full(rng.normal(size=(1, 3, 5, 5)))]])
    y = op.matvec([rng.normal(size=(2, 1, 4)), rng.normal(size=(2, 3, 5))])
    assert [t.shape for t in y] == [(2, 3, 4), (2, 3, 5)]
    # a dense argument still gives a dense result
    assert op.matvec(rng.normal(size=(2, 1, 9))).shape == (2, 3, 9)


def test_blockwise_argument_checks():
    op = wb.linalg.LinearOperatorBlockDiag([wb.linalg.LinearOperatorDiag([1.0, 2.0]),
                                            wb.linalg.LinearOperatorDiag([3.0])])
    with pytest.raises(TypeError, match=r"x\[1\]"):
        op.matvec([np.ones(2, np.float32), wb.ones([1], wb.float64)])
    with pytest.raises(ValueError):   # sizes that fit no blocks: taken as one dense argument
        op.matvec([np.ones(2, np.float32), np.ones(2, np.float32)])
