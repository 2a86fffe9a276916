"""``wb.onnx.export``: a function or model, traced by ``wb.function``'s tracer, as an ONNX file
that onnxruntime checks against the workbench before it is written."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

from .. import core, nest
from .graph import Graph, _describe, onnx_dtype
from .ops import translate
from .trace import RANDOM_DOMAIN, ExportError, trace, value_of

__all__ = ["DEFAULT_OPSET", "ExportResult", "TensorSpec", "export"]

DEFAULT_OPSET = 17
OPSETS = range(17, 22)  # the operator sets the translations are written for
TRACE_BATCHES = (2, 3)  # the two batch sizes a dynamic batch is traced at
CHECK_BATCH = 5         # the batch size onnxruntime is checked at (one not traced)
OPEN_SIZES = (5, 6)     # an open dimension other than the batch: traced at 5, then at 6
CHECK_OPEN = 9          # ... and checked at 9
# where a program fails at 5, the sizes tried for a dimension it fixes: those its error names,
# then 2..16 and 1 (it broadcasts), at most SEARCH_TRIES of them
SEARCH_SIZES = (*range(2, 17), 1)
SEARCH_TRIES = 32
RANK_SHAPES = ((), (4,), (3, 4), (2, 3, 4))  # an input of unknown rank: traced at ranks 1 and 2, checked at 0 and 3


@dataclass(frozen=True)
class TensorSpec:
    """An input's shape (``None`` for an open size: first, the batch shared by every input; a
    shape of ``None`` for any rank), dtype and name."""
    shape: tuple
    dtype: object = "float32"
    name: str | None = None


@dataclass
class ExportResult:
    path: str
    opset: int
    inputs: list            # input names
    outputs: list           # output names
    max_abs_diff: float | None  # onnxruntime against the workbench (None when not verified)
    model: object = None    # the onnx.ModelProto
    variables: dict = None  # initializer name -> the wb.Variable whose value it holds
    fixed: dict = None      # (input name, axis) -> size: open sizes the program runs at only that size
    custom_gradients: list = None  # names of the custom_gradient ops the function ran
    updates: dict = None    # output name -> the wb.Variable the function assigns that output to

    def __repr__(self):
        diff = "not verified" if self.max_abs_diff is None else f"max abs difference {self.max_abs_diff:.3g}"
        return f"<ONNX export {self.path!r}: opset {self.opset}, inputs {self.inputs}, outputs {self.outputs}, {diff}>"


def _specs(input_signature):
    if input_signature is None:
        raise ValueError("wb.onnx.export: input_signature is required for a function (a list of "
                         "wb.onnx.TensorSpec, or of objects with .shape and .dtype)")
    flat = list(input_signature) if isinstance(input_signature, (list, tuple)) and not (
        input_signature and all(isinstance(d, (int, type(None))) for d in input_signature)) \
        else [input_signature]
    specs = []
    for i, s in enumerate(flat):
        shape, dtype = getattr(s, "shape", None), getattr(s, "dtype", None)
        if shape is None and not isinstance(s, TensorSpec):
            raise ValueError(f"wb.onnx.export: input_signature[{i}] must have a shape (a TensorSpec, "
                             f"Input, tensor or array), got {s!r}")
        if shape is not None and getattr(shape, "rank", 0) is None:
            shape = None   # a TensorShape of unknown rank
        if shape is not None and not isinstance(shape, str):   # a str: another input's rank symbol
            # a str size: another input's open size (its symbol), e.g. a gradient's shape
            shape = tuple(d if isinstance(d, str) else None if d is None else int(d) for d in shape)
        name = getattr(s, "name", None)
        specs.append(TensorSpec(shape, np.dtype("float32" if dtype is None else getattr(dtype, "name", dtype)),
                                name if isinstance(name, str) and name else f"input_{i}"))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"wb.onnx.export: input names must differ, got {names}")
    return specs


def _open_dims(specs):
    """The open sizes: ``"batch"`` (every input's leading None, one size shared) and, for each
    other None, the symbol ``<input>_dim<axis>`` naming it."""
    symbols = []
    for s in specs:
        if s.shape is None or isinstance(s.shape, str):
            if s.shape is None:
                symbols.append(f"{s.name}_rank")
            continue
        for j, d in enumerate(s.shape):
            if d is None:
                sym = "batch" if j == 0 else f"{s.name}_dim{j}"
                if sym not in symbols:
                    symbols.append(sym)
    return symbols


def _shape_at(spec, sizes):
    """``spec``'s shape with its open sizes taken from ``sizes`` (symbol -> size, or for the
    batch alone an int or None)."""
    if not isinstance(sizes, dict):
        sizes = {"batch": sizes}
    if spec.shape is None or isinstance(spec.shape, str):
        return RANK_SHAPES[sizes[spec.shape or f"{spec.name}_rank"]]
    return tuple(sizes[d] if isinstance(d, str) else d if d is not None else sizes["batch"] if j == 0
                 else sizes[f"{spec.name}_dim{j}"] for j, d in enumerate(spec.shape))


def _sample(specs, batch, rng):
    out = []
    for s in specs:
        shape = _shape_at(s, batch)
        if s.dtype.kind == "f" or s.dtype.name == "bfloat16":   # bfloat16: NumPy kind "V"
            out.append(rng.standard_normal(shape).astype(s.dtype))
        elif s.dtype.kind in "iu":
            out.append(rng.integers(0, 2, shape).astype(s.dtype))  # valid ids for any vocabulary
        elif s.dtype.kind == "b":
            out.append(rng.integers(0, 2, shape).astype(bool))
        else:
            raise ValueError(f"wb.onnx.export: input '{s.name}' has dtype {s.dtype}, which is not covered")
    return out


def export(fn_or_model, input_signature, path, opset=DEFAULT_OPSET, verify=True, output_names=None,
           atol=1e-5, verbose=False, sample_inputs=None) -> ExportResult:
    """Write ``fn_or_model`` (a ``wb.function``, a Keras model or any callable of tensors) as
    the ONNX model at ``path``.

    ``input_signature``: one spec per positional input (``wb.onnx.TensorSpec``, a
    ``wb.keras.Input``, or any object with ``.shape`` and ``.dtype``); a leading ``None``
    makes the batch dimension dynamic. The function is traced as ``wb.function`` traces it
    (models are called with ``training=False``: no dropout, batch norm on its moving
    statistics); every traced op becomes ONNX operators of ``opset`` (17 by default, up to
    21), weights become initializers. An op with no translation raises ``ExportError``
    naming the op and the layer or line it came from.

    With ``verify`` (the default), onnxruntime runs the graph on random inputs (a batch
    size that was not traced; integer inputs drawn from {0, 1}) and the result must match
    the function's own within ``atol * max(1, |reference|)``; the file is written only then.
    Returns an ``ExportResult`` with the maximum absolute difference.

    A function that assigns to variables (``v.assign(value)``, after its last read of them;
    it may return None) gives the assigned values as outputs after its result's, named
    ``update_0``, ...; ``ExportResult.updates`` names their variables, which the caller assigns.

    ``sample_inputs``: for inputs whose values must agree with each other (a ragged tensor's
    values and row splits), a function ``(batch, rng)`` giving one array per input, traced and
    checked in place of the random draws; ``batch`` is the size of the dynamic dimension (None
    when no dimension is dynamic) and ``rng`` a ``numpy.random.Generator``.
    """
    if not isinstance(opset, int) or opset not in OPSETS:
        raise ValueError(f"wb.onnx.export: opset must be an int from {OPSETS[0]} to {OPSETS[-1]}, got {opset!r}")
    if sample_inputs is not None and not callable(sample_inputs):
        raise TypeError(f"wb.onnx.export: sample_inputs must be a function (batch, rng) -> arrays, got "
                        f"{type(sample_inputs).__name__}")
    specs = _specs(input_signature)
    fn = _inference_fn(fn_or_model)
    rng = np.random.default_rng(0)
    symbols = _open_dims(specs)
    if sample_inputs is not None and symbols not in ([], ["batch"]):
        raise ValueError(f"wb.onnx.export: sample_inputs serves a dynamic batch only; input_signature has "
                         f"other open sizes ({', '.join(_describe(s) for s in symbols if s != 'batch')})")
    draw = _sampler(specs, sample_inputs)
    specs, sizes, first, variants, fixed = _traces(fn, specs, symbols, rng, draw)
    draw = _sampler(specs, sample_inputs)   # the specs with the sizes the program fixes
    for v in variants:
        _match(first, v)
    updated = [var for var, _ in first.updates]
    if updated:
        # the variables the function assigns: their new values are outputs after the result's
        # (``update_0``, ...), which the caller assigns (ONNX graphs hold no variable updates)
        if any([var for var, _ in v.trace.updates] != updated for v in variants):
            raise ExportError("ONNX export: the function assigns to other variables at other input sizes")
        result_names = _output_names(first, output_names)
        for t in [first] + [v.trace for v in variants]:
            t.outputs = t.outputs + [value for _, value in t.updates]
        output_names = result_names + [f"update_{k}" for k in range(len(updated))]
        fn = _with_updates(fn, updated)
    if not first.outputs:
        raise ExportError("ONNX export: the function returns nothing and assigns to no variable: there is no "
                          "output for a graph to give")
    try:
        model, out_names, variables = _build(first, variants, specs, opset, output_names)
    except ExportError:
        # a size traced at twice or three times its first (where one more failed) that the graph
        # cannot follow: fixed instead, as where no other size ran
        stretched = [v for v in variants if v.symbol != "batch" and not v.symbol.endswith("_rank")
                     and v.sizes[1] != v.sizes[0] + 1]
        if not stretched:
            raise
        for v in stretched:
            name, axis = v.symbol.rsplit("_dim", 1)
            fixed[(name, int(axis))] = v.sizes[0]
            variants.remove(v)
            for r in first.records:
                r.other_params.pop(v.symbol, None)
        specs = _with_fixed(specs, fixed)
        draw = _sampler(specs, sample_inputs)
        model, out_names, variables = _build(first, variants, specs, opset, output_names)
    _check(model)
    diff = None
    if verify:
        check = {v.symbol: CHECK_BATCH if v.symbol == "batch" else 3 if v.symbol.endswith("_rank") else CHECK_OPEN
                 for v in variants}
        generators = list({id(r.args[0]): r.args[0] for r in first.records if r.name == "generator_draw"}.values())
        # where the function cannot run at the check's sizes (a reshape to [-1, 784] of 5x9x9x9),
        # the open sizes of the variants together, then those of the first trace (the batch at 5)
        tries = [check, {v.symbol: CHECK_BATCH if v.symbol == "batch" else check[v.symbol] if
                         v.symbol.endswith("_rank") else v.sizes[1] for v in variants},
                 {v.symbol: CHECK_BATCH if v.symbol == "batch" else check[v.symbol] if
                  v.symbol.endswith("_rank") else v.sizes[0] for v in variants}]
        for k, at in enumerate(tries):
            try:
                diff = _verify(model, fn, specs, out_names, rng, at or None, atol, draw, generators)
            except _Unrunnable as exc:
                if k == len(tries) - 1 or not any(not s.endswith("_rank") and s != "batch" for s in at):
                    raise exc.__cause__
                continue
            check = at
            break
        if any(sym.endswith("_rank") for sym in check):   # any rank: checked at rank 0 too
            check = {k: 0 if k.endswith("_rank") else v for k, v in check.items()}
            diff = max(diff, _verify(model, fn, specs, out_names, rng, check, atol, draw, generators))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    onnx.save_model(model, path)
    result = ExportResult(str(path), opset, [s.name for s in specs], out_names, diff, model, variables, fixed,
                          first.custom_gradients, dict(zip(out_names[len(out_names) - len(updated):], updated)))
    if verbose:
        print(f"Saved ONNX model at '{path}' (opset {opset}; inputs {result.inputs}, outputs "
              f"{result.outputs}" + ("" if diff is None else f"; onnxruntime max abs difference {diff:.3g}") + ")")
    return result


def _sampler(specs, sample_inputs):
    """``(batch, rng) -> arrays``: the random draws, or ``sample_inputs``' arrays checked
    against the specs."""
    if sample_inputs is None:
        return lambda sizes, rng: _sample(specs, sizes, rng)

    def draw(sizes, rng):
        batch = sizes.get("batch") if isinstance(sizes, dict) else sizes
        arrays = [np.asarray(a) for a in sample_inputs(batch, rng)]
        if len(arrays) != len(specs):
            raise ValueError(f"wb.onnx.export: sample_inputs gave {len(arrays)} arrays for {len(specs)} inputs")
        for s, a in zip(specs, arrays):
            want = _shape_at(s, batch)
            if a.shape != want or a.dtype != s.dtype:
                raise ValueError(f"wb.onnx.export: sample_inputs gave input '{s.name}' an array of shape "
                                 f"{a.shape} and dtype {a.dtype}; its spec wants {want} {s.dtype}")
        return arrays
    return draw


@dataclass
class Variant:
    """The program traced again with one open size changed: ``symbol`` from ``sizes[0]`` (its
    size in the first trace) to ``sizes[1]``."""
    symbol: str
    sizes: tuple
    trace: object


def _traces(fn, specs, symbols, rng, draw):
    """The first trace (the batch at 2, other open sizes at 5) and one more per open size (that
    size one larger). An open size other than the batch at which the program fails (its ops
    fix it: a concat with a weight's width) is searched for among 1..256, one at a time, then
    jointly (``_joint_sizes``: a reshape to ``[-1, 784]`` of several open sizes); a variant that
    fails one larger is tried at twice and three times its size (a product of open sizes that
    a reshape divides); where the program runs at one size alone, that size is fixed in the
    graph (``fixed``), as TF's graph fails at run time at any other."""
    sizes = {sym: TRACE_BATCHES[0] if sym == "batch" else 1 if sym.endswith("_rank") else OPEN_SIZES[0]
             for sym in symbols}
    fixed = {}
    try:
        first = _trace(fn, specs, sizes, rng, draw)
    except ExportError as exc:
        if not isinstance(exc.__cause__, Exception) or symbols in ([], ["batch"]):
            raise
        first = None
        opened = [sym for sym in symbols if sym != "batch" and not sym.endswith("_rank")]
        tries = [dict(sizes, **{sym: size}) for sym in opened for size in _search_sizes(exc.__cause__, sizes[sym])]
        tries += _joint_sizes(exc.__cause__, sizes, opened)
        for at in tries:
            try:
                first = _trace(fn, specs, at, rng, draw)
            except ExportError:
                continue
            sizes = at
            break
        if first is None:
            raise exc
    variants = []
    for sym in symbols:
        steps = (TRACE_BATCHES[1],) if sym == "batch" else (sizes[sym] + 1, 2 * sizes[sym], 3 * sizes[sym])
        second = error = None
        for step in steps:
            other = dict(sizes, **{sym: step})
            try:
                second = _trace(fn, specs, other, rng, draw)
            except ExportError as exc:
                error = error or exc
                if sym == "batch" or sym.endswith("_rank") or not isinstance(exc.__cause__, Exception):
                    raise
                continue
            if step == steps[0] or [r.name for r in second.records] == [r.name for r in first.records]:
                break
            second = None   # other ops at that size: the size stays fixed
        if second is None:
            name, axis = sym.rsplit("_dim", 1)
            fixed[(name, int(axis))] = sizes[sym]
            continue
        variants.append(Variant(sym, (sizes[sym], other[sym]), second))
    return _with_fixed(specs, fixed), sizes, first, variants, fixed


def _with_fixed(specs, fixed):
    """The specs with the sizes the program fixes (the traces stand as they are)."""
    return [s if s.shape is None or isinstance(s.shape, str) else
            TensorSpec(tuple(fixed.get((s.name, j), d) for j, d in enumerate(s.shape)), s.dtype, s.name)
            for s in specs]


def _search_sizes(error, tried):
    """The sizes to try for an open dimension at which the program failed with ``error``: the
    sizes its message names (a weight's width in a matmul's), then ``SEARCH_SIZES``."""
    named = [int(m) for m in re.findall(r"(?<![\w.])\d{1,6}(?![\w.])", str(error))]
    out = []
    for n in named + list(SEARCH_SIZES):
        if n >= 1 and n != tried and n not in out:
            out.append(n)
    return out[:SEARCH_TRIES]


def _joint_sizes(error, sizes, opened):
    """Sizes for several open dimensions at once, where no one of them alone lets the program
    run: for each size ``n`` the error names (a reshape's ``784``), its two nearest factors
    ``p * q`` (28 * 28) on two dimensions, then ``n`` on one, the others at 1. At most
    ``SEARCH_TRIES`` of them."""
    if len(opened) < 2:
        return []
    named = []
    for m in re.findall(r"(?<![\w.])\d{1,6}(?![\w.])", str(error)):
        if int(m) > 1 and int(m) not in named:
            named.append(int(m))
    out = []
    for n in named:
        p = max(d for d in range(1, int(n ** 0.5) + 1) if n % d == 0)
        if p > 1:
            out += [dict(sizes, **{s: p if s == a else n // p if s == b else 1 for s in opened})
                    for i, a in enumerate(opened) for b in opened[i + 1:]]
        out += [dict(sizes, **{s: n if s == a else 1 for s in opened}) for a in opened]
    return out[:SEARCH_TRIES]


def _trace(fn, specs, sizes, rng, draw):
    try:
        return trace(fn, draw(sizes, rng))
    except ExportError:
        raise
    except Exception as exc:
        shown = ", ".join(f"{s.name}: {'any rank' if s.shape is None or isinstance(s.shape, str) else list(s.shape)} "
                          f"{s.dtype}" for s in specs)
        at = "; ".join(f"{_describe(k)} {v}" for k, v in sizes.items())
        raise ExportError(f"ONNX export: calling the function on random inputs ({shown}"
                          f"{'; ' + at if at else ''}) failed with {type(exc).__name__}: {exc}; check "
                          "input_signature (shapes and dtypes, e.g. int32 ids for an Embedding)") from exc


def _inference_fn(obj):
    if not callable(obj):
        raise TypeError(f"wb.onnx.export: expected a callable or a model, got {type(obj).__name__}")
    inner = getattr(obj, "python_function", obj)  # a wb.function: its Python function, traced here
    call = getattr(inner, "call", None)
    if call is not None and hasattr(inner, "trainable_variables"):  # a layer or model: inference mode
        def fn(*xs):
            return inner(xs[0] if len(xs) == 1 else list(xs), training=False)
        return fn
    return inner


def _match(first, variant):
    """The two traces must be one program: the same ops, in the same order."""
    second, sym = variant.trace, variant.symbol
    what = "batch sizes" if sym == "batch" else f"sizes of {_describe(sym)}"
    fix = "a fixed batch size" if sym == "batch" else f"a size for {_describe(sym)}"
    a, b = [r.name for r in first.records], [r.name for r in second.records]
    if a != b:
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        raise ExportError(f"ONNX export: the function runs different ops at {what} {variant.sizes[0]} "
                          f"and {variant.sizes[1]} (op {at}: {a[at:at + 1]} vs {b[at:at + 1]}); give the "
                          f"input_signature {fix}")
    for ra, rb in zip(first.records, second.records):
        differ = {k: v for k, v in rb.params.items() if not _same(v, ra.params.get(k))}
        if "axis" in differ and ra.name.startswith("reduce_") and _all_axes(ra) and _all_axes(rb):
            ra.params["axis"] = None   # every axis at each rank: a reduction over all, whatever the rank
            del differ["axis"]
        for key in differ:
            if (ra.name, key) not in _BATCH_PARAMS:
                raise ExportError(f"ONNX export of op '{ra.name}' (from {ra.where}): its parameter "
                                  f"'{key}' depends on the {what[:-1]} ({ra.params[key]!r} vs "
                                  f"{rb.params[key]!r}); give the input_signature {fix}")
        if differ:
            ra.other_params[sym] = differ


def _all_axes(record) -> bool:
    """Whether a reduction's ``axis`` names every axis of its argument (None counts)."""
    axis, ndim = record.params.get("axis"), len(record.args[0].shape)
    if axis is None:
        return True
    axis = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    try:
        return sorted(int(a) % max(ndim, 1) for a in axis) == list(range(ndim))
    except (TypeError, ValueError):
        return False


_BATCH_PARAMS = {("reshape", "shape"), ("broadcast_to", "shape"), ("generator_draw", "shape")} | {
    (f"conv{n}d_backprop_input", "input_sizes") for n in (1, 2, 3)}


def _same(a, b) -> bool:
    """Whether two parameter values are equal (nested tuples, lists, dicts, slices, arrays)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values that cannot be compared count as different
        return a is b


def _build(first, variants, specs, opset, output_names):
    g = Graph(first, variants, specs, opset)
    inputs = []
    for s, t in zip(specs, first.inputs):
        g.reserve(s.name)
        g.names[id(t)] = s.name
        dims = None if s.shape is None or isinstance(s.shape, str) else [
            d if d is not None else "batch" if j == 0 else f"{s.name}_dim{j}" for j, d in enumerate(s.shape)]
        inputs.append(helper.make_tensor_value_info(s.name, onnx_dtype(s.dtype), dims))
    names = _output_names(first, output_names)
    for t, name in zip(first.outputs, names):
        if id(t) not in first.dynamic:
            raise ExportError(f"ONNX export: output '{name}' does not follow the inputs in the traced ops "
                              "(it was computed outside them, e.g. with NumPy, or is a constant); the graph "
                              "would return a fixed value")
        if name in [s.name for s in specs]:
            raise ExportError(f"ONNX export: output name {name!r} is also an input's name")
        g.reserve(name)
    for r in first.records:
        g.record = r
        outs = translate(g, r)
        if len(outs) != len(r.res):
            raise ExportError(f"{g.where()}: gave {len(outs)} results for {len(r.res)}")
        for t, name in zip(r.res, outs):
            g.names[id(t)] = name
    g.record = None
    outputs = []
    for k, (t, name) in enumerate(zip(first.outputs, names)):
        g.node("Identity", [g.value(t)], [name])
        shape = list(t.shape)
        if any(len(v.trace.outputs[k].shape) != len(shape) for v in variants):
            shape = None   # its rank follows an input's
        for p, d in enumerate(shape or ()):
            moved = [v for v in variants if v.trace.outputs[k].shape[p] != d]
            if len(moved) == 1 and (d, moved[0].trace.outputs[k].shape[p]) == moved[0].sizes:
                shape[p] = moved[0].symbol
            elif moved:
                shape[p] = None
        outputs.append(helper.make_tensor_value_info(name, onnx_dtype(t._data.dtype), shape))
    graph = helper.make_graph(g.nodes, "workbench", inputs, outputs, g.initializers)
    imports = [helper.make_opsetid("", opset)]
    if any(n.domain == RANDOM_DOMAIN for n in g.nodes):
        imports.append(helper.make_opsetid(RANDOM_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=imports, producer_name="research-workbench")
    model.ir_version = min(model.ir_version, 9)  # what onnxruntime 1.17 reads
    return model, names, dict(g.variables)


def _check(model):
    """``onnx.checker``'s full check; for a graph with inputs or outputs of any rank (no shape,
    which onnxruntime runs and the checker refuses) its structural check of a copy where they
    have a shape of rank 1 (onnxruntime then runs the graph itself at two ranks)."""
    io = [*model.graph.input, *model.graph.output]
    if all(v.type.tensor_type.HasField("shape") for v in io):
        onnx.checker.check_model(model, full_check=True)
        return
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    for v in [*copy.graph.input, *copy.graph.output]:
        if not v.type.tensor_type.HasField("shape"):
            v.type.tensor_type.shape.dim.add().dim_param = "any"
    onnx.checker.check_model(copy, full_check=False)


def _with_updates(fn, updated):
    """``fn`` giving its result's tensors and then the values it assigned to ``updated``, each
    variable put back as it was (the check runs the function, which must change nothing)."""
    def run(*xs):
        kept = [(v, np.array(value_of(v), copy=True)) for v in updated]
        try:
            out = fn(*xs)
            new = [core.wrap(core.to_array(np.array(value_of(v), copy=True))) for v in updated]
        finally:
            for v, value in kept:
                v.assign(value)
        return ([] if out is None else nest.flatten(out)) + new
    return run


def _output_names(first, output_names):
    n = len(first.outputs)
    if output_names is None:
        structure = first.structure
        if isinstance(structure, dict):
            return [str(k) for k in sorted(structure)] if n == len(structure) else \
                [f"output_{i}" for i in range(n)]
        return [f"output_{i}" for i in range(n)]
    names = [output_names] if isinstance(output_names, str) else list(output_names)
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"wb.onnx.export: output_names must be {n} distinct names, got {output_names!r}")
    return names


def _has_bfloat16(model) -> bool:
    graph = model.graph
    return any(v.type.tensor_type.elem_type == TensorProto.BFLOAT16
               for v in (*graph.input, *graph.output, *graph.value_info)) or any(
        t.data_type == TensorProto.BFLOAT16 for t in graph.initializer) or any(
        a.name == "to" and a.i == TensorProto.BFLOAT16 for n in graph.node for a in n.attribute)


def _verify(model, fn, specs, out_names, rng, sizes, atol, draw, generators=()):
    try:
        # onnxruntime is imported only when a check runs (onnx alone suffices to write the file)
        import onnxruntime as ort
    except ImportError as exc:
        raise ImportError("wb.onnx.export checks the graph with onnxruntime: pip install "
                          "'research-workbench[export]', or pass verify=False") from exc
    arrays = draw(sizes, rng)
    if any(n.domain == RANDOM_DOMAIN for n in model.graph.node):
        # onnxruntime cannot run a graph with our random draws: the workbench's interpreter runs it,
        # from the generators' state as it is now, which the function's own run then puts back
        from .load import load
        got = [value_of(t) for t in nest.flatten(load(model, trainable=False)(*arrays))]
        states = [(v, v.numpy().copy()) for v in generators]
        try:
            want = [value_of(t) for t in nest.flatten(fn(*[core.wrap(core.to_array(a)) for a in arrays]))]
        finally:
            for v, value in states:
                v.assign(value)
        return _compare(out_names, got, want, atol)
    want = _reference(fn, arrays)   # first: where the function cannot run, the graph need not
    if _has_bfloat16(model):
        # onnxruntime's CPU provider has no bfloat16 arithmetic (no Mul, MatMul, ... kernels):
        # such a graph is run by the workbench's own ONNX interpreter (what wb.onnx.load serves)
        from .load import load   # load imports this module's neighbours; asked for here only
        got = [value_of(t) for t in nest.flatten(load(model, trainable=False)(*arrays))]
    else:
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        got = session.run(out_names, {s.name: a for s, a in zip(specs, arrays)})
    return _compare(out_names, got, want, atol)


class _Unrunnable(Exception):
    """The function itself fails on the check's inputs (its cause): other sizes are tried."""


def _reference(fn, arrays):
    try:
        out = fn(*[core.wrap(core.to_array(a)) for a in arrays])
    except ExportError:
        raise
    except Exception as exc:  # noqa: BLE001 -- the function's own error at these sizes
        raise _Unrunnable() from exc
    return [value_of(t) for t in nest.flatten(out)]


def _compare(out_names, got, want, atol):
    worst = 0.0
    for name, a, b in zip(out_names, got, want):
        if a.shape != b.shape:
            raise ExportError(f"ONNX export: onnxruntime gives output '{name}' the shape {a.shape}, the "
                              f"workbench {b.shape}; the file was not written")
        if b.size == 0:
            continue
        if b.dtype.kind in "fc":
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            nan_a, nan_b = np.isnan(a64), np.isnan(b64)
            if np.any(nan_a != nan_b):
                raise ExportError(f"ONNX export: onnxruntime and the workbench differ on output '{name}': "
                                  "NaN in one where the other has a number; the file was not written")
            # NaN in both (a softmax over a fully masked row) agrees, and so do equal infinities
            odd = ~np.isfinite(b64) & ~nan_b
            if np.any(a64[odd] != b64[odd]):
                raise ExportError(f"ONNX export: onnxruntime and the workbench differ on output '{name}': "
                                  "an infinity in one that the other does not have; the file was not written")
            both = np.isfinite(b64)
            diff = float(np.max(np.abs(a64[both] - b64[both]), initial=0.0))
            scale = max(1.0, float(np.max(np.abs(b64[both]), initial=0.0)))
            if not diff <= atol * scale:
                raise ExportError(f"ONNX export: onnxruntime and the workbench differ on output '{name}' by "
                                  f"up to {diff:.3g} (allowed {atol * scale:.3g}); the file was not written")
        else:
            diff = float(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64))))
            if diff:
                raise ExportError(f"ONNX export: onnxruntime and the workbench differ on output '{name}'")
        worst = max(worst, diff)
    return worst
