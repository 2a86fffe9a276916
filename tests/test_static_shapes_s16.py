"""Static shapes of traces whose input signature leaves the rank open (TensorSpec(None)): the
stand-in of such an argument is a scalar, then (where the body cannot run on it) a tensor of
rank 1 to 5; the results the ops' parameters decide (concat with a known rank, reductions of
every axis, pad, tile, transpose, broadcast_to, shape); open sizes that must match a known
one, integer labels and floating steps the body cannot run on as zeros, lu's two results,
conv transposes; and the stand-in retries run again only where the error may come from a
stand-in. Every expected shape below is TF 2.21's (get_concrete_function's
structured_outputs), pinned."""

import warnings

import pytest

import workbench as wb
from workbench.compiler.signature import stand_in_rounds

S = wb.TensorSpec
f32, i32 = wb.float32, wb.int32
U = [S(None, f32)]
N3 = [S([None, 3], f32)]


def _shapes(out):
    if isinstance(out, (list, tuple)):
        return [_shapes(o) for o in out]
    s = out.shape
    return None if s.rank is None else tuple(s.as_list())


def _traced(fn, specs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _shapes(wb.function(fn, input_signature=specs).get_concrete_function().structured_outputs)


# -- ops of an argument of unknown rank ---------------------------------------------------
@pytest.mark.parametrize("name, specs, fn, tf", [
    ("top_k", U, lambda x: wb.math.top_k(x, 2), [None, None]),
    ("argmax0", U, lambda x: wb.argmax(x, 0), None),
    ("argmin_last", U, lambda x: wb.argmin(x, -1), None),
    ("gather", U + [S([2], i32)], lambda x, i: wb.gather(x, i), None),
    ("gather_axis1", U + [S([2], i32)], lambda x, i: wb.gather(x, i, axis=1), None),
    ("concat_two_unknown", U + U, lambda x, y: wb.concat([x, y], 0), None),
    ("stack_two_unknown", U + U, lambda x, y: wb.stack([x, y], 1), None),
    ("sum0", U, lambda x: wb.reduce_sum(x, 0), None),
    ("sum_last_keep", U, lambda x: wb.reduce_sum(x, -1, keepdims=True), None),
    ("mean01", U, lambda x: wb.reduce_mean(x, [0, 1]), None),
    ("logsumexp", U, lambda x: wb.math.reduce_logsumexp(x, 0), None),
    ("variance", U, lambda x: wb.math.reduce_variance(x, -1), None),
    ("matmul_known", U + [S([3, 4], f32)], lambda x, y: wb.matmul(x, y), None),
    ("matmul_unknown", U + U, lambda x, y: wb.matmul(x, y), None),
    ("matmul_known_first", [S([4, 3], f32)] + U, lambda x, y: wb.matmul(x, y), None),
    ("softmax", U, lambda x: wb.nn.softmax(x), None),
    ("log_softmax", U, lambda x: wb.nn.log_softmax(x), None),
    ("reshape_flat", U, lambda x: wb.reshape(x, [-1]), (None,)),
    ("reshape_2", U, lambda x: wb.reshape(x, [2, -1]), (2, None)),
    ("dense_like", U + [S([3, 2], f32)], lambda x, w: wb.matmul(wb.reshape(x, [-1, 3]), w), (None, 2)),
    ("size", U, lambda x: wb.size(x), ()),
    ("rank", U, lambda x: wb.rank(x), ()),
    ("squeeze0", U, lambda x: wb.squeeze(x, 0), None),
    ("index", U, lambda x: x[0], None),
    ("index_column", U, lambda x: x[:, 1], None),
    ("index_ellipsis", U, lambda x: x[..., 0], None),
    ("index_slice", U, lambda x: x[1:], None),
    ("cumsum1", U, lambda x: wb.cumsum(x, 1), None),
    ("sort", U, lambda x: wb.sort(x), None),
    ("argsort", U, lambda x: wb.argsort(x), None),
    ("reverse", U, lambda x: wb.reverse(x, [0]), None),
    ("roll", U, lambda x: wb.roll(x, 1, 0), None),
    ("where_indices", U, lambda x: wb.where(x > 0), (None, None)),
    ("boolean_mask", U + [S([None], wb.bool)], lambda x, m: wb.boolean_mask(x, m), None),
    ("norm_axis", U, lambda x: wb.norm(x, axis=-1), None),
    ("l2_normalize", U, lambda x: wb.math.l2_normalize(x, -1), None),
    ("unstack", U, lambda x: wb.unstack(x, num=2), [None, None]),
    ("split", U, lambda x: wb.split(x, 2), [None, None]),
    ("diag_part", U, lambda x: wb.linalg.diag_part(x), None),
    ("diag", U, lambda x: wb.linalg.diag(x), None),
    ("trace", U, lambda x: wb.linalg.trace(x), None),
    ("band_part", U, lambda x: wb.linalg.band_part(x, 0, -1), None),
    ("matvec", U + [S([3], f32)], lambda x, v: wb.linalg.matvec(x, v), None),
    ("tensordot", U + [S([3, 4], f32)], lambda x, y: wb.tensordot(x, y, 1), None),
    ("bias_add", U, lambda x: wb.nn.bias_add(x, wb.ones([3])), None),
    ("moments", U, lambda x: wb.nn.moments(x, [0]), [None, None]),
    ("in_top_k", U + [S([None], i32)], lambda p, t: wb.math.in_top_k(t, p, 1), (None,)),
    ("segment_sum", U + [S([None], i32)], lambda x, i: wb.math.segment_sum(x, i), None),
    ("unsorted_segment_sum", U + [S([None], i32)], lambda x, i: wb.math.unsorted_segment_sum(x, i, 4), None),
    ("gather_nd", U + [S([None, 2], i32)], lambda x, i: wb.gather_nd(x, i), None),
    ("scatter_update", U + [S([None, 1], i32), S([None], f32)],
     lambda x, i, u: wb.tensor_scatter_nd_update(x, i, u), None),
    ("unique", U, lambda x: wb.unique(x)[0], (None,)),
    ("max_pool2d", U, lambda x: wb.nn.max_pool2d(x, 2, 1, "VALID"), (None, None, None, None)),
    ("conv1d", U, lambda x: wb.nn.conv1d(x, wb.ones([2, 3, 4]), 1, "VALID"), (None, None, 4)),
    ("conv2d", U, lambda x: wb.nn.conv2d(x, wb.ones([2, 2, 3, 4]), 1, "SAME"), (None, None, None, 4)),
    ("inv", U, lambda x: wb.linalg.inv(x), None),
    ("det", U, lambda x: wb.linalg.det(x), None),
    ("cholesky", U, lambda x: wb.linalg.cholesky(x), None),
    ("ensure_shape", U, lambda x: wb.ensure_shape(x, [None, 3]), (None, 3)),
    ("square_sum_last", U, lambda x: wb.reduce_sum(wb.square(x), axis=-1), None),
])
def test_ops_of_an_argument_of_unknown_rank(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


@pytest.mark.parametrize("name, specs, fn, tf", [
    ("concat_with_a_known_rank", U + N3, lambda x, y: wb.concat([x, y], 0), (None, 3)),
    ("concat_axis1", U + N3, lambda x, y: wb.concat([x, y], 1), (None, None)),
    ("stack_with_a_known_rank", U + N3, lambda x, y: wb.stack([x, y], 0), (2, None, 3)),
    ("add_n_with_a_known_rank", U + N3, lambda x, y: wb.add_n([x, y]), (None, 3)),
    ("sum_all", U, lambda x: wb.reduce_sum(x), ()),
    ("max_all_keep", U, lambda x: wb.reduce_max(x, keepdims=True), None),
    ("count_nonzero", U, lambda x: wb.math.count_nonzero(x), ()),
    ("sum_if_rank_unknown", U, lambda x: wb.reduce_sum(x) if x.shape.rank is None else x, ()),
    ("norm_all", U, lambda x: wb.norm(x), None),
    ("transpose_perm", U, lambda x: wb.transpose(x, [1, 0]), (None, None)),
    ("tile", U, lambda x: wb.tile(x, [2, 2]), (None, None)),
    ("pad_one", U, lambda x: wb.pad(x, [[1, 1]]), (None,)),
    ("pad_two", U, lambda x: wb.pad(x, [[1, 1], [0, 2]]), (None, None)),
    ("shape", U, lambda x: wb.shape(x), (None,)),
    ("ones_of_its_shape", U, lambda x: wb.ones(wb.shape(x)), None),
    ("fill_of_its_shape", U, lambda x: wb.fill(wb.shape(x), 2.0), None),
    ("broadcast_to_constant", U, lambda x: wb.broadcast_to(x, [2, 3]), (2, 3)),
    ("reshape_to_a_shape_of_open_length", [S([None], f32), S([None], i32)], lambda x, s: wb.reshape(x, s), None),
])
def test_results_of_an_unknown_rank_that_the_op_decides(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


# -- shape rules of open sizes -------------------------------------------------------------
@pytest.mark.parametrize("name, specs, fn, tf", [
    ("broadcast_to_a_shape_argument", [S([3], f32), S([2], i32)], lambda x, s: wb.broadcast_to(x, s), (None, 3)),
    # an open size that must match a known one above 3 (targets of the 4 rows)
    ("in_top_k", [S([4, None], f32), S([None], i32)], lambda p, t: wb.math.in_top_k(t, p, 2), (4,)),
    ("in_top_k_open_rows", [S([None, 5], f32), S([None], i32)], lambda p, t: wb.math.in_top_k(t, p, 2), (None,)),
    ("conv2d_transpose", [S([None, 4, 4, 3], f32)],
     lambda x: wb.nn.conv2d_transpose(x, wb.ones([3, 3, 5, 3]), [2, 8, 8, 5], 2), (None, 8, 8, 5)),
    ("conv2d_transpose_computed", [S([None, 4, 4, 3], f32)],
     lambda x: wb.nn.conv2d_transpose(x, wb.ones([3, 3, 5, 3]), wb.stack([wb.shape(x)[0], 8, 8, 5]), 2),
     (None, 8, 8, 5)),
    ("conv1d_transpose", [S([None, 4, 3], f32)],
     lambda x: wb.nn.conv1d_transpose(x, wb.ones([3, 5, 3]), [2, 8, 5], 2), (None, 8, 5)),
    # labels the body cannot run on as zeros (the blank): traced again on ones
    ("ctc_loss", [S([None, 2, 4], f32), S([2, None], i32)],
     lambda x, y: wb.nn.ctc_loss(y, x, [1, 1], [3, 3], logits_time_major=True), (2,)),
    ("lu", [S([None, 3, 3], f32)], lambda x: wb.linalg.lu(x + 3.0 * wb.eye(3)), [(None, 3, 3), (None, 3)]),
    ("lu_open", [S([None, None], f32)], lambda x: wb.linalg.lu(x)[0], (None, None)),
    ("lu_solve", [S([None, 3, 3], f32), S([None, 3, 2], f32)],
     lambda a, b: wb.linalg.lu_solve(*wb.linalg.lu(a + 3.0 * wb.eye(3)), b), (None, 3, 2)),
    # a floating step the body cannot run on as 0
    ("range_of_a_step", [S([], f32)], lambda d: wb.range(0.0, 1.0, d), (None,)),
])
def test_open_sizes_as_tf(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


@pytest.mark.parametrize("name, specs, fn, tf", [
    ("map_fn", N3, lambda x: wb.map_fn(lambda r: wb.reduce_sum(r), x), (None,)),
    ("vectorized_map", N3, lambda x: wb.vectorized_map(lambda r: r * 2.0, x), (None, 3)),
    ("scan", N3, lambda x: wb.scan(lambda a, r: a + r, x), (None, 3)),
    ("foldl", N3, lambda x: wb.foldl(lambda a, r: a + r, x), (3,)),
    ("complex", N3 + N3, lambda a, b: wb.complex(a, b), (None, 3)),
    ("angle", [S([None, 3], wb.complex64)], lambda x: wb.math.angle(x), (None, 3)),
    ("string_length", [S([None], wb.string)], lambda s: wb.strings.length(s), (None,)),
    ("rgb_to_hsv", [S([None, 4, 4, 3], f32)], lambda x: wb.image.rgb_to_hsv(x), (None, 4, 4, 3)),
    ("dynamic_partition", [S([None, None], f32), S([None], i32)], lambda x, p: wb.dynamic_partition(x, p, 2),
     [(None, None), (None, None)]),
    ("dynamic_partition_unknown_rank", U + [S([None], i32)], lambda x, p: wb.dynamic_partition(x, p, 2), [None, None]),
    ("dynamic_stitch", [S([None], i32), S([None, None], f32)], lambda i, d: wb.dynamic_stitch([i], [d]), (None, None)),
    ("dynamic_stitch_unknown_rank", [S([None], i32)] + U, lambda i, d: wb.dynamic_stitch([i], [d]), None),
    ("reverse_sequence", [S([None, None, 2], f32), S([None], wb.int64)],
     lambda x, n: wb.reverse_sequence(x, n, 1, 0), (None, None, 2)),
    ("shape_n", N3 + U, lambda x, y: wb.shape_n([x, y]), [(2,), (None,)]),
    ("frame", [S([None, 16], f32)], lambda x: wb.signal.frame(x, 4, 2), (None, 7, 4)),
    ("frame_axis0", [S([None, 16], f32)], lambda x: wb.signal.frame(x, 4, 2, axis=0), (None, 4, 16)),
    ("frame_open", [S([None, None], f32)], lambda x: wb.signal.frame(x, 4, 2), (None, None, 4)),
    ("rfft", [S([None, 8], f32)], lambda x: wb.signal.rfft(x), (None, 5)),
    ("rfft_open", [S([None, None], f32)], lambda x: wb.signal.rfft(x), (None, None)),
    ("irfft", [S([None, 5], wb.complex64)], lambda x: wb.signal.irfft(x), (None, 8)),
    ("rfft2d", [S([None, 4, 6], f32)], lambda x: wb.signal.rfft2d(x), (None, 4, 4)),
    ("stft", [S([None, 64], f32)], lambda x: wb.signal.stft(x, 16, 8), (None, 7, 9)),
])
def test_more_ops_of_open_sizes(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


@pytest.mark.parametrize("name, specs, fn, tf", [
    ("while_loop", N3, lambda x: wb.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2.0), [0, x]),
     [(), (None, 3)]),
    ("while_loop_grows", N3, lambda x: wb.while_loop(
        lambda i, a: i < 3, lambda i, a: (i + 1, wb.concat([a, a[:1]], 0)), [0, x],
        shape_invariants=[wb.TensorShape([]), wb.TensorShape([None, 3])]), [(), (None, 3)]),
    ("while_loop_unknown_rank", U, lambda x: wb.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2.0), [0, x]),
     [(), None]),
    ("while_loop_counted", [S([], i32)], lambda n: wb.while_loop(
        lambda i, a: i < n, lambda i, a: (i + 1, wb.concat([a, [1.0]], 0)), [0, wb.zeros([0])],
        shape_invariants=[wb.TensorShape([]), wb.TensorShape([None])]), [(), (None,)]),
])
def test_while_loop_values_keep_their_static_shapes(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


def test_the_body_sees_an_unknown_rank_and_runs_once():
    seen = []

    def body(x):
        seen.append((x.shape.rank, x.ndim))
        return wb.math.top_k(x, 2).values   # not on a scalar stand-in: traced again at rank 1

    out = _traced(body, U)
    assert out is None
    assert seen[0] == (None, -1)   # TF: TensorShape(None), ndim -1
    assert all(s == (None, -1) for s in seen)


def test_rounds_vary_the_rank_only_where_a_spec_leaves_it_open():
    assert all(r == 0 for _, _, r in stand_in_rounds(N3))
    ranks = {r for _, _, r in stand_in_rounds(U)}
    assert ranks == {0, 1, 2, 3, 4, 5}
    # an open size may have to match a known one (up to two of them, at most 64)
    assert {n for n, _, _ in stand_in_rounds([S([4, None], f32), S([None], i32)])} == {1, 2, 3, 4}
    # eye stand-ins for an unknown rank only where they are matrices
    assert all(r >= 2 for _, f, r in stand_in_rounds(U) if f == "eye")


# -- which errors the stand-in retries run again -------------------------------------------
def _runs(body, specs):
    calls = []

    def fn(*args):
        calls.append(1)
        return body(*args)

    with pytest.raises(Exception) as info:
        wb.function(fn, input_signature=specs).get_concrete_function()
    return len(calls), info.value


def test_an_error_the_body_raises_itself_is_not_retried():
    def body(x, n):
        raise ValueError("the body's own")

    runs, error = _runs(body, N3 + [S([], i32)])
    assert runs == 1 and str(error) == "the body's own"


def test_an_op_error_on_values_no_stand_in_reaches_is_not_retried():
    runs, error = _runs(lambda x, n: wb.reshape(wb.ones([4, 5]), [3, -1]), N3 + [S([], i32)])
    assert runs == 1 and "Reshape" in str(error)


def test_retries_vary_only_the_stand_ins_the_failing_op_reads():
    # matmul of x ([None, 3]) with a [4, 5]: sizes of x (1, 2, 3) and its eye stand-ins, not
    # the integer fills of n; the error raised is the first trial's
    runs, error = _runs(lambda x, n: wb.matmul(x, wb.ones([4, 5])), N3 + [S([], i32)])
    assert runs == 6
    assert "[1,3]" in str(error)


def test_a_retry_that_needs_another_integer_still_runs():
    assert _traced(lambda x, n: wb.reshape(x, [n, -1]), N3 + [S([], i32)]) == (None, None)


# -- saving a function whose program fixes an open size -----------------------------------
def _counted_traces(monkeypatch, module, tmp_path):
    import importlib
    export = importlib.import_module("workbench.onnx.export")
    calls, trace = [], export._trace

    def counted(*args, **kwargs):
        calls.append(1)
        return trace(*args, **kwargs)

    monkeypatch.setattr(export, "_trace", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb.saved_model.save(module, str(tmp_path))
        except Exception as error:   # noqa: BLE001 -- the count is what is checked
            return len(calls), error
    return len(calls), None


def test_an_open_size_a_weight_fixes_is_found_from_the_error(monkeypatch, tmp_path):
    m = wb.Module()
    m.w = wb.Variable(wb.ones([37, 2]))
    m.f = wb.function(lambda x: wb.matmul(x, m.w), input_signature=[S([None, None], f32)])
    traces, error = _counted_traces(monkeypatch, m, tmp_path)
    assert error is None and traces <= 8
    loaded = wb.saved_model.load(str(tmp_path))
    assert loaded.f(wb.ones([3, 37])).shape == (3, 2)


def test_a_program_that_fails_at_every_size_is_refused_after_a_bounded_search(monkeypatch, tmp_path):
    m = wb.Module()
    m.f = wb.function(lambda x: wb.matmul(x, wb.ones([3, 2])) + wb.ones([7, 1]), input_signature=[S([None, None], f32)])
    traces, error = _counted_traces(monkeypatch, m, tmp_path)
    assert error is not None and traces <= 33
