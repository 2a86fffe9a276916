"""``wb.map_fn`` over dense and ragged tensors, and ``wb.vectorized_map``.

Dense ``elems`` with a dense result are ``workbench.ops.control_flow.map_fn`` (TF's rules:
results of one shape per output, stacked). A ``ragged.RaggedTensor`` among ``elems`` is
iterated row by row (``fn`` gets each row: a Tensor for a ragged rank of 1); an output is
ragged when ``fn_output_signature`` says so (a ``ragged.RaggedTensor`` spec: an object with
``ragged_rank``, or the class ``ragged.RaggedTensor`` itself, standing in for TF's
``tf.RaggedTensorSpec``), or, for ragged ``elems``, when the rows ``fn`` returns differ in
shape. Every result goes through the library's ops, so gradients flow to ``elems``' values.
"""

from __future__ import annotations

from . import core, nest
from .core import Tensor
from .dtypes import as_dtype
from .ops import control_flow
from .ops.shape import concat, stack

__all__ = ["map_fn", "vectorized_map"]


def _ragged():
    import ragged  # kit over ragged; imported when a ragged value is met, not at wb's import
    return ragged


def _is_ragged_spec(spec) -> bool:
    if spec is None or isinstance(spec, Tensor):
        return False
    if isinstance(spec, type):
        return spec.__name__ == "RaggedTensor" and issubclass(spec, core.CompositeTensor)
    return hasattr(spec, "ragged_rank") and hasattr(spec, "dtype")


def _is_ragged(value) -> bool:
    return isinstance(value, core.CompositeTensor) and hasattr(value, "row_splits")


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Apply ``fn`` to each element of ``elems`` along its first dimension and stack the
    results (TF's ``tf.map_fn``); ragged elements and results as the module docstring says.

    >>> import ragged
    >>> rt = ragged.constant([[1.0, 2.0], [3.0]])
    >>> wb.map_fn(wb.reduce_sum, rt, fn_output_signature=wb.float32).numpy()
    array([3., 3.], dtype=float32)
    >>> wb.map_fn(lambda r: r * 2, rt).to_list()
    [[2.0, 4.0], [6.0]]
    """
    if not callable(fn):
        raise TypeError(f"map_fn: fn must be callable, got {type(fn).__name__}")
    if dtype is not None and fn_output_signature is not None:
        raise ValueError("map_fn: give fn_output_signature or its deprecated alias dtype, not both")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    if any(getattr(v, "__wb_extension__", False) for v in nest.flatten(elems)):
        return _map_extension_types(fn, elems, signature, parallel_iterations, back_prop, swap_memory, infer_shape)
    flat_in = nest.flatten(elems)
    ragged_in = any(_is_ragged(x) for x in flat_in)
    ragged_out = any(_is_ragged_spec(s) for s in nest.flatten(signature)) if signature is not None else False
    if not ragged_in and not ragged_out:
        return control_flow.map_fn(fn, elems, parallel_iterations=parallel_iterations,
                                   back_prop=back_prop, swap_memory=swap_memory,
                                   infer_shape=infer_shape, fn_output_signature=signature)
    rows, n = _rows(flat_in, elems)
    results = [fn(r) for r in rows]
    like = signature if signature is not None else (results[0] if results else elems)
    specs = nest.flatten(like) if signature is not None else [None] * len(nest.flatten(like))
    flat_results = []
    for i, res in enumerate(results):
        flat = nest.flatten(res)
        if len(flat) != len(specs):
            raise ValueError(f"map_fn: fn returned {len(flat)} values for element {i}, "
                             f"expected {len(specs)}")
        flat_results.append(flat)
    if n == 0:
        raise ValueError("map_fn: elems has no rows; a ragged map needs at least one to infer its result")
    out = []
    for k, spec in enumerate(specs):
        column = [_as_value(r[k], spec, k, i) for i, r in enumerate(flat_results)]
        value = _combine(column, spec, ragged_in)
        splits = None if isinstance(spec, type) else getattr(spec, "row_splits_dtype", None)
        if splits is None and signature is None:   # TF: the elems' structure is the signature
            splits = next((x.row_splits_dtype for x in flat_in if _is_ragged(x)), None)
        if _is_ragged(value) and splits is not None:
            value = value.with_row_splits_dtype(splits)   # the signature's, as TF
        out.append(value)
    return nest.pack_sequence_as(like if signature is not None else results[0], out)


def _map_extension_types(fn, elems, signature, parallel_iterations, back_prop, swap_memory, infer_shape):
    """TF's map_fn over BatchableExtensionTypes: ``fn`` gets each element's values (the tensor
    fields' rows); ExtensionType results are batched field by field."""
    from . import extension_type   # imports ragged, which needs wb complete: import when one is met
    for v in nest.flatten(elems):
        if isinstance(v, extension_type.ExtensionType) and not getattr(type(v), "_wb_batchable", False):
            raise TypeError(f"map_fn can not consume {v._type_spec} inputs: got {v!r}")
    expanded, rebuild = extension_type.slice_structure(elems)
    results = {}

    def row_fn(elem):
        out = fn(rebuild(*elem) if type(expanded) is tuple else rebuild(elem))
        if not extension_type.has_extension_types(out):
            return out
        out_expanded, out_rebuild = extension_type.slice_structure(out, batched=True)
        results.setdefault("rebuild", (out_rebuild, type(out_expanded) is tuple))
        return out_expanded

    mapped = map_fn(row_fn, expanded, parallel_iterations=parallel_iterations, back_prop=back_prop,
                    swap_memory=swap_memory, infer_shape=infer_shape, fn_output_signature=signature)
    if "rebuild" not in results:
        return mapped
    out_rebuild, spread = results["rebuild"]
    return out_rebuild(*mapped) if spread else out_rebuild(mapped)


def _rows(flat_in, elems):
    """The per-element structures of ``elems`` (ragged rows by indexing, dense by unstack)."""
    counts = []
    for x in flat_in:
        if _is_ragged(x):
            counts.append(x.nrows_int())
        elif isinstance(x, Tensor):
            if x.ndim == 0:
                raise ValueError("map_fn: elems holds a scalar; every element needs a first dimension")
            counts.append(x.shape[0])
        else:
            raise TypeError(f"map_fn: elems must hold tensors or ragged tensors, got {type(x).__name__}")
    if not counts:
        raise ValueError("map_fn: elems must contain at least one tensor")
    n = counts[0]
    if any(c != n for c in counts):
        raise ValueError(f"map_fn: all elems must have the same first dimension, got {counts}")
    columns = [[x[i] for i in range(n)] for x in flat_in]
    return [nest.pack_sequence_as(elems, [c[i] for c in columns]) for i in range(n)], n


def _as_value(value, spec, k, i):
    if _is_ragged(value):
        return value
    t = core.convert_to_tensor(value) if not isinstance(value, Tensor) else value
    if spec is not None:
        want = as_dtype(getattr(spec, "dtype", spec)) if not isinstance(spec, type) or \
            not _is_ragged_spec(spec) else None
        if want is not None and t.dtype != want:
            raise TypeError(f"map_fn: output {k} of element {i} has dtype {t.dtype}, but "
                            f"fn_output_signature says {want}")
    return t


def _combine(column, spec, ragged_in):
    ragged = _ragged()
    want_ragged = _is_ragged_spec(spec)
    if any(_is_ragged(v) for v in column):
        return ragged.stack([v if _is_ragged(v) else ragged.RaggedTensor.from_tensor(v) for v in column])
    shapes = {v.shape for v in column}
    if len(shapes) == 1 and not want_ragged:
        return stack(column)
    if any(v.ndim == 0 for v in column):
        if want_ragged:
            raise ValueError("map_fn: a ragged fn_output_signature needs fn to return rows "
                             "(tensors of rank 1 or more), got scalars")
        return stack(column)
    inner = {v.shape[1:] for v in column}
    if len(inner) != 1:
        raise ValueError(f"map_fn: rows differ beyond their first dimension ({sorted(shapes)}); "
                         "only the first dimension of a row may vary")
    lengths = core.convert_to_tensor([v.shape[0] for v in column], dtype="int64")
    return ragged.RaggedTensor.from_row_lengths(concat(column, axis=0), lengths)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """TF's ``tf.vectorized_map``: ``fn`` applied to each element of ``elems``, results
    stacked. Here it is :func:`map_fn` (one call of ``fn`` per element, then a stack), which
    gives TF's results; it is not faster than a loop. As in TF, ``fn``'s output needs no
    signature: its structure and dtypes are those of ``fn``'s result for the first element.

    >>> wb.vectorized_map(lambda p: (p[0] + p[1], p[0] * p[1], p[0] > 1.0),
    ...                   (wb.constant([1.0, 2.0]), wb.constant([3.0, 4.0])))[2].numpy()
    array([False,  True])
    """
    flat = nest.flatten(elems)
    if not flat or any(isinstance(x, core.CompositeTensor) for x in flat):
        return map_fn(fn, elems)
    flat = [core.convert_to_tensor(x) for x in flat]   # arrays and variables, as TF takes them
    if not flat[0].shape or not flat[0].shape[0]:
        return map_fn(fn, elems)
    elems = nest.pack_sequence_as(elems, flat)
    first = fn(nest.pack_sequence_as(elems, [x[0] for x in flat]))
    signature = nest.map_structure(
        lambda v: v if isinstance(v, core.CompositeTensor) else core.convert_to_tensor(v).dtype, first)
    pending = [first]       # fn's result for element 0, handed to map_fn in place of a second call

    def each(row):
        return pending.pop() if pending else fn(row)

    return map_fn(each, elems, fn_output_signature=signature)
