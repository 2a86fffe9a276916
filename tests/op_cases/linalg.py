"""Cases for einsum, tensordot and the wb.linalg ops.

Inputs that must be symmetric, positive definite or well conditioned are built
inside the case function from a free argument, so finite differences move
only within the op's domain. Decompositions are checked through functions
that do not depend on the sign (or rotation) freedom of their vectors.
"""

import numpy as np

import workbench as wb

from . import Case, uniform

A = uniform(-1, 1, (3, 3), 31)
B = uniform(-1, 1, (2, 3, 3), 32)
R = uniform(-1, 1, (3, 2), 33)
RB = uniform(-1, 1, (2, 3, 2), 34)
V = uniform(-1, 1, (3,), 35)
TALL = uniform(-1, 1, (4, 3), 36)
WIDE = uniform(-1, 1, (2, 4), 37)
E = uniform(-1, 1, (2, 3, 4), 38)

la = wb.linalg


def _hermitian(a):
    return wb.complex(a + la.matrix_transpose(a) + 4 * np.eye(3), a - la.matrix_transpose(a))


def spd(a):
    """A well-conditioned symmetric positive definite matrix from any square ``a``."""
    n = a.shape[-1]
    return wb.matmul(a, a, transpose_b=True) + n * wb.constant(np.eye(n))


def sym(a):
    return (a + la.matrix_transpose(a)) * 0.5


def well_conditioned(a):
    return a + 3.0 * wb.constant(np.eye(a.shape[-1]))


def lower_spd(a):
    # a lower-triangular matrix with a positive, well-separated diagonal
    n = a.shape[-1]
    return la.band_part(a, -1, 0) + wb.constant(np.diag(np.arange(2.0, 2.0 + n)))


def spread(a):
    # a symmetric matrix with well-separated eigenvalues
    return sym(a) + wb.constant(np.diag([-3.0, 0.0, 3.0]))


def _eigh_gauge_free(a):
    e, v = la.eigh(spread(a))
    return e, v * v, wb.matmul(v * e[..., None, :], v, transpose_b=True)


def _svd_gauge_free(a):
    s, u, v = la.svd(a)
    return s, u * u, v * v, wb.matmul(u * s[..., None, :], v, transpose_b=True)


def _svd_full_gauge_free(a):
    # full_matrices with sides differing by 1: the extra column enters through u * u, v * v and
    # its outer product with a column of the other side
    s, u, v = la.svd(a, full_matrices=True)
    return s, u * u, v * v, wb.matmul(u[..., :, -1:], v[..., :, -1:], transpose_b=True) * u[..., :1, -1:] * v[..., :1, -1:]


def _qr_parts(a):
    q, r = la.qr(a)
    return q, r


CASES = [
    Case("einsum matmul", lambda a, b: wb.einsum("ij,jk->ik", a, b), [A, R]),
    Case("einsum implicit output, batch", lambda a, b: wb.einsum("bij,bjk", a, b), [B, RB]),
    Case("einsum ellipsis broadcast", lambda a, b: wb.einsum("...ij,...j->...i", a, b), [B, V]),
    Case("einsum diagonal and trace", lambda a: wb.einsum("ii->i", a) * wb.einsum("ii", a), [A]),
    Case("einsum sum over a private label", lambda a, v: wb.einsum("ij,k->ik", a, v), [A, V]),
    Case("einsum three operands", lambda a, b, v: wb.einsum("ij,bjk,k->bi", a, b, v), [A, B, V]),
    Case("einsum outer", lambda v, w: wb.einsum("i,j->ji", v, w), [V, V[:2]]),
    Case("tensordot", lambda a, b: wb.tensordot(a, b, [[1, 2], [1, 0]]),
         [E, uniform(-1, 1, (4, 3, 2), 39)]),
    Case("tensordot int axes", lambda a, b: wb.tensordot(a, b, 1), [A, R]),
    Case("diag_part", lambda a: la.diag_part(a) * la.diag_part(a, k=1)[..., :1], [E]),
    Case("diag", lambda v: la.diag(v * v) + la.diag(v[:2], k=1), [V]),
    Case("diag non-square", lambda v: la.diag(v, k=-1, num_cols=4), [V]),
    Case("set_diag", lambda a, v: la.set_diag(a, v * v), [B, uniform(-1, 1, (2, 3), 40)]),
    Case("band_part and trace", lambda a: la.band_part(a, 1, 0) * la.trace(a)[..., None, None], [B]),
    Case("triangular_solve lower", lambda a, b: la.triangular_solve(lower_spd(a), b), [B, RB]),
    Case("triangular_solve upper adjoint, broadcast",
         lambda a, b: la.triangular_solve(la.matrix_transpose(lower_spd(a)), b, lower=False, adjoint=True),
         [A, RB]),
    Case("solve", lambda a, b: la.solve(well_conditioned(a), b), [B, RB]),
    Case("solve adjoint, broadcast", lambda a, b: la.solve(well_conditioned(a), b, adjoint=True), [A, RB]),
    Case("inv", lambda a: la.inv(well_conditioned(a)), [B]),
    Case("cholesky", lambda a: la.cholesky(spd(a)), [A]),
    Case("cholesky_solve", lambda a, b: la.cholesky_solve(la.cholesky(spd(a)), b), [A, R]),
    Case("logdet", lambda a: la.logdet(spd(a)), [B]),
    Case("slogdet", lambda a: la.slogdet(well_conditioned(a))[1], [B]),
    Case("det", lambda a: la.det(a), [B]),
    Case("lstsq", lambda a, b: la.lstsq(a, b), [TALL, uniform(-1, 1, (4, 2), 41)]),
    Case("lstsq wide, regularized", lambda a, b: la.lstsq(a, b, l2_regularizer=0.1),
         [WIDE, uniform(-1, 1, (2, 2), 42)]),
    Case("expm", lambda a: la.expm(a), [B]),
    Case("expm scaled", lambda a: la.expm(4.0 * a), [A]),
    Case("qr tall", _qr_parts, [TALL]),
    Case("qr square", _qr_parts, [A]),
    Case("qr wide", _qr_parts, [WIDE]),
    Case("qr r only", lambda a: la.qr(a)[1], [TALL]),
    Case("eigh", _eigh_gauge_free, [B]),
    Case("eigh eigenvalues only", lambda a: la.eigvalsh(spread(a)), [A]),
    Case("svd square", _svd_gauge_free, [B + 2 * np.diag([0.0, 1.0, 2.0])]),
    Case("svd tall", _svd_gauge_free, [TALL]),
    Case("svd wide", _svd_gauge_free, [WIDE]),
    Case("svd values only", lambda a: la.svd(a, compute_uv=False), [TALL]),
    Case("svd full_matrices, one more row", _svd_full_gauge_free, [TALL]),
    Case("svd full_matrices, one more column", _svd_full_gauge_free, [uniform(-1, 1, (3, 4), 38)]),
    Case("pinv", lambda a: la.pinv(a), [TALL]),
    # TF's complex det/slogdet rules are derivatives only where det is real: a Hermitian matrix
    Case("det, slogdet and inv of a complex matrix",
         lambda a: wb.math.real(la.det(_hermitian(a))) + wb.math.real(la.slogdet(_hermitian(a))[1])
         + wb.math.imag(la.inv(wb.complex(a + 2 * np.eye(3), a))), [A]),
    Case("cholesky and triangular_solve of complex matrices",
         lambda a: wb.math.real(la.cholesky(_hermitian(a))) + wb.math.imag(la.triangular_solve(
             wb.complex(lower_spd(a), 0.3 * a), wb.complex(a, -a), adjoint=True)), [A]),
    Case("eigh of a Hermitian matrix", lambda a: wb.math.real(la.eigvalsh(_hermitian(a))) * 2.0
         + wb.reduce_sum(wb.abs(la.eigh(_hermitian(a))[1]) ** 2 * np.arange(9.0).reshape(3, 3), axis=0), [A]),
    Case("qr of a complex matrix", lambda a: wb.math.real(la.qr(wb.complex(a, 0.5 * a + 0.3))[1])
         + wb.math.imag(la.qr(wb.complex(a, 0.5 * a + 0.3))[0]), [A]),
    Case("qr of a wide complex matrix", lambda a: wb.math.imag(la.qr(wb.complex(a, a * a))[1]), [WIDE]),
    # first order: the second differentiates the singular vectors, not differentiable for complex input
    Case("singular values of a complex matrix",
         lambda a: la.svd(wb.complex(a, 0.5 * la.matrix_transpose(a) + 0.2), compute_uv=False), [A], order=1),
    Case("expm of a complex matrix", lambda a: wb.math.real(la.expm(wb.complex(a, 0.5 * la.matrix_transpose(a))))
         * wb.math.imag(la.expm(wb.complex(0.5 * a, a))), [A]),
    # eig: real functions of the complex results (the eigenvectors' phase-free products)
    Case("eig", lambda a: wb.math.real(la.eigvals(a)) + wb.math.imag(la.eigvals(a)) ** 2
         + wb.reduce_sum(wb.abs(la.eig(a)[1]), axis=0), [np.array([[1., 2., 0.], [0.5, -1., 3.], [2., 1., 1.]])]),
]
