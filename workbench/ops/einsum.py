"""``einsum`` and ``tensordot``.

The public ``einsum`` resolves an equation against the operands' shapes:
implicit output, ellipses (replaced by spare letters) and broadcasting of the
ellipsis dimensions (done with ``broadcast_to``, so its gradient is summed
back centrally). The op itself only ever sees explicit equations of plain
letters over operands whose sizes agree.

The gradient of an einsum with respect to one operand is another einsum: the
cotangent's subscripts (behind ``...`` for any leading batch dimensions of
the cotangent) contracted with the other operands. Two things an equation can
do need a constant operand in that einsum: a label repeated within the
operand (a diagonal, as in ``"ii->i"``) gets an identity matrix that puts the
gradient back on the diagonal, and a label summed within the operand alone
(as ``j`` in ``"ij->i"``) gets a vector of ones that broadcasts the gradient
along it.
"""

from __future__ import annotations

import string

import numpy as np

from .. import core
from ..errors import argcheck
from ..core import apply, convert_to_tensor, defop
from .shape import broadcast_to

_LETTERS = string.ascii_letters


def _optimize(arrays):
    # a contraction order (and BLAS) pays off for chains and for big operands; for small
    # pairs the path search costs more than the product
    return len(arrays) > 2 or (len(arrays) == 2 and max(a.size for a in arrays) >= 4096)


def _einsum_fwd(xp, *arrays, equation):
    if arrays[0].dtype.name == "bfloat16":   # NumPy's einsum has no bfloat16: float32, rounded once
        out = xp.einsum(equation, *(a.astype(np.float32) for a in arrays), optimize=_optimize(arrays))
        return out.astype(arrays[0].dtype)
    return xp.einsum(equation, *arrays, optimize=_optimize(arrays))


def _einsum_vjp(g, ans, *operands, equation):
    lhs, out = equation.split("->")
    terms = lhs.split(",")
    return tuple(_operand_grad(g, operands, terms, out, i) for i in range(len(operands)))


def _operand_grad(g, operands, terms, out, i):
    """The cotangent of operand ``i`` as an einsum of ``g`` with the other operands."""
    x = operands[i]
    used = set("".join(terms) + out)
    spare = iter(c for c in _LETTERS if c not in used)
    xp = x.xp
    inputs, subs = [g], ["..." + out]
    for j, (op, term) in enumerate(zip(operands, terms)):
        if j != i:
            inputs.append(op)
            subs.append(term)
    provided = set("".join(subs))
    target = []
    seen = set()
    for axis, c in enumerate(terms[i]):
        if c in seen:  # a repeated label: the gradient lives on the diagonal
            d = next(spare)
            inputs.append(core.wrap_constant(xp.eye(x.shape[axis], dtype=x.dtype)))
            subs.append(c + d)
            target.append(d)
            provided.add(c)
        else:
            seen.add(c)
            target.append(c)
    for axis, c in enumerate(terms[i]):
        if c not in provided:  # summed within this operand only: broadcast along it
            inputs.append(core.wrap_constant(xp.ones((x.shape[axis],), dtype=x.dtype)))
            subs.append(c)
            provided.add(c)
    return einsum(",".join(subs) + "->..." + "".join(target), *inputs)


def _einsum_jvp(ts, ans, *operands, equation):
    out = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        args = operands[:i] + (t,) + operands[i + 1:]
        part = apply(_einsum_op, args, {"equation": equation})
        out = part if out is None else out + part
    return out


_einsum_op = defop("einsum", _einsum_fwd, vjp=_einsum_vjp, jvp=_einsum_jvp, domain="einsum")


def _resolve(equation, shapes):
    """An explicit, ellipsis-free equation for ``shapes``, and each operand's target shape.

    The target shapes differ from ``shapes`` only where an ellipsis dimension of
    size 1 broadcasts against a larger one.
    """
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"einsum: equation {equation!r} has more than one '->'")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} names {len(terms)} operand(s), "
                         f"but {len(shapes)} were given")
    for term in terms + ([out] if arrow else []):
        body = term.replace("...", "", 1)
        bad = [c for c in body if c not in _LETTERS]
        if bad or term.count("...") > 1:
            raise ValueError(f"einsum: invalid subscripts {term!r} in {equation!r}: use letters "
                             "and at most one '...' per term")
    spare = [c for c in _LETTERS if c not in eq]
    n_ell = 0
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            if len(shape) < named:
                raise ValueError(f"einsum: operand with subscripts {term!r} needs rank >= {named}, "
                                 f"got shape {shape}")
            n_ell = max(n_ell, len(shape) - named)
        elif len(shape) != named:
            raise ValueError(f"einsum: subscripts {term!r} name {named} dimension(s), but the "
                             f"operand has shape {shape} (rank {len(shape)})")
    if n_ell > len(spare):
        raise ValueError(f"einsum: too many dimensions under '...' in {equation!r}")
    ell = "".join(spare[:n_ell])
    expanded = []
    for term, shape in zip(terms, shapes):
        k = len(shape) - len(term.replace("...", ""))
        expanded.append(term.replace("...", ell[n_ell - k:]) if "..." in term else term)
    if arrow:
        if "..." not in out and n_ell:
            raise ValueError(f"einsum: the inputs of {equation!r} have dimensions under '...', "
                             "so the output must contain '...' too")
        out = out.replace("...", ell)
    else:
        counts = {}
        for c in "".join(terms).replace("...", ""):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    if len(set(out)) != len(out):
        raise ValueError(f"einsum: output subscripts of {equation!r} repeat a label")
    sizes: dict = {}
    for term, shape in zip(expanded, shapes):
        for c, n in zip(term, shape):
            if c in ell:
                if sizes.get(c, 1) != 1 and n not in (1, sizes[c]):
                    raise ValueError(f"einsum: dimensions under '...' do not broadcast: "
                                     f"shapes {tuple(shapes)} for {equation!r}")
                sizes[c] = max(sizes.get(c, 1), n)
            elif sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: label {c!r} has size {sizes[c]} in one operand and {n} in "
                                 f"another, in {equation!r} with shapes {tuple(shapes)}")
    missing = [c for c in out if c not in sizes]
    if missing:
        raise ValueError(f"einsum: output label(s) {''.join(missing)!r} of {equation!r} appear in no input")
    targets = [tuple(sizes[c] for c in term) for term in expanded]
    return ",".join(expanded) + "->" + out, targets


def einsum(equation, *inputs, name=None, **kwargs):
    """Tensor contraction over the indices named by ``equation`` (NumPy's and TF's notation).

    Supports implicit output (``"ij,jk"``: labels seen once, sorted), ellipses for
    leading dimensions (broadcast between operands), repeated labels (diagonals)
    and sums over labels absent from the output.

    >>> a = wb.ones((2, 3)); b = wb.ones((3, 4))
    >>> wb.einsum("ij,jk->ik", a, b).shape
    (2, 4)
    >>> wb.einsum("...ii->...i", wb.ones((5, 3, 3))).shape
    (5, 3)
    """
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword argument(s) {sorted(kwargs)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {type(equation).__name__}")
    if not inputs:
        raise ValueError("einsum: no operands given")
    xs = [convert_to_tensor(x) for x in inputs]
    for i, x in enumerate(xs):
        if x.dtype != xs[0].dtype:
            raise TypeError(f"einsum: all inputs must have the same dtype, got {xs[0].dtype} "
                            f"(inputs[0]) and {x.dtype} (inputs[{i}]); use wb.cast to convert")
        if x.dtype.kind == "b":
            raise TypeError("einsum: bool inputs are not supported")
    eq, targets = _resolve(equation, [x.shape for x in xs])
    static = _static(eq, xs, equation) if core.open_shapes_traced() else False
    xs = [x if x.shape == t else broadcast_to(x, t) for x, t in zip(xs, targets)]
    if static is not False:
        core.static_shape_hint(_einsum_op.name, static)
    return apply(_einsum_op, tuple(xs), {"equation": eq})


def _static(eq, xs, equation):
    """TF's static shape of an einsum (``eq`` resolved) in a trace: each output label's size
    where an operand's static shape knows it (a size other than 1 wins over a broadcast 1); an
    operand of unknown rank tells nothing of its labels, and with an ellipsis, nothing at all."""
    lhs, out = eq.split("->")
    given = equation.replace(" ", "").partition("->")[0].split(",")
    seen: dict = {}
    for term, x, written in zip(lhs.split(","), xs, given):
        s = x._static_shape()
        if s.rank is None and "..." in written:
            return None
        for c, d in zip(term, [None] * len(term) if s.rank is None else s.as_list()):
            seen.setdefault(c, []).append(d)
    dims = []
    for c in out:
        known = [d for d in seen[c] if d is not None]
        dims.append(next((d for d in known if d != 1), None if None in seen[c] else 1))
    return tuple(dims)


def _axis_list(axes, ndim, what):
    out = []
    for a in argcheck.integers(axes, what, "tensordot"):
        if not -ndim <= a < ndim:
            raise ValueError(f"tensordot: axis {a} in {what} is out of range for rank {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"tensordot: {what} repeats an axis: {tuple(out)}")
    return out


def tensordot(a, b, axes, name=None):
    """Contract ``a``'s ``axes[0]`` with ``b``'s ``axes[1]`` (TF's ``tf.tensordot``).

    ``axes`` is an int ``N`` (the last ``N`` axes of ``a`` with the first ``N`` of
    ``b``) or a pair of axis lists of equal length. The result has ``a``'s free
    axes followed by ``b``'s.

    >>> wb.tensordot(wb.ones((2, 3, 4)), wb.ones((4, 3, 5)), [[1, 2], [1, 0]]).shape
    (2, 5)
    """
    a, b = core.binary_arrays(a, b, "tensordot")
    if isinstance(axes, core.Tensor):
        axes = axes.numpy().tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if not 0 <= n <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={n} must be in [0, {min(a.ndim, b.ndim)}] for shapes "
                             f"{a.shape} and {b.shape}")
        axes_a, axes_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        try:
            first, second = axes
        except (TypeError, ValueError):
            raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}") from None
        axes_a = _axis_list(first, a.ndim, "axes[0]")
        axes_b = _axis_list(second, b.ndim, "axes[1]")
        if len(axes_a) != len(axes_b):
            raise ValueError(f"tensordot: axes[0] {tuple(axes_a)} and axes[1] {tuple(axes_b)} "
                             "have different lengths")
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: axis {i} of a (shape {a.shape}) has size {a.shape[i]} but "
                             f"axis {j} of b (shape {b.shape}) has size {b.shape[j]}")
    if a.ndim + b.ndim - len(axes_a) > len(_LETTERS):
        raise ValueError("tensordot: too many dimensions")
    sa = list(_LETTERS[:a.ndim])
    sb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(axes_a, axes_b):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in axes_a] + [c for k, c in enumerate(sb) if k not in axes_b]
    res = einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
    if core.open_shapes_traced() and None in (a._static_shape().rank, b._static_shape().rank):
        core.static_result(res, None)   # TF: the rank of the result is not known either
    return res


__all__ = ["einsum", "tensordot"]
