"""Open-size export and static shapes of traced functions, as TF 2.21 gives them (session 17)."""

import numpy as np
import pytest

import ragged
import workbench as wb


# -- saving a function whose open sizes meet in a product (mlp_core's ExportModule) -----------

class _Mlp(wb.Module):
    def __init__(self):
        super().__init__()
        self.w = wb.Variable(np.random.default_rng(0).standard_normal((784, 10)).astype(np.float32))

    @wb.function(input_signature=[wb.TensorSpec([None, None, None, None], wb.uint8)])
    def __call__(self, x):
        x = wb.reshape(x, [-1, 784]) / 255
        return wb.argmax(wb.nn.softmax(wb.matmul(x, self.w)), axis=1)


def test_a_reshape_of_four_open_sizes_to_784_columns_saves_and_loads(tmp_path):
    m = _Mlp()
    wb.saved_model.save(m, str(tmp_path / "m"))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    x = np.random.default_rng(1).integers(0, 256, (7, 28, 28, 1)).astype(np.uint8)
    want = np.argmax(x.reshape(7, 784).astype(np.float32) / 255 @ m.w.numpy(), axis=1)
    got = loaded(wb.constant(x)).numpy()
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int64
    # any sizes whose product 784 divides, as TF's graph takes them
    np.testing.assert_array_equal(loaded(wb.constant(x.reshape(7, 784, 1, 1))).numpy(), want)
    np.testing.assert_array_equal(loaded(wb.constant(x.reshape(1, 7, 28, 28))).numpy(), want)
    with pytest.raises(Exception, match="784"):
        loaded(wb.constant(x[:, :27]))


def test_a_size_the_graph_cannot_follow_at_twice_its_size_is_fixed_as_before(tmp_path):
    # reshape to 5 columns runs at 5 and 10 columns (not 6); the broadcast's shape, rows = b * d / 5,
    # has no form the graph computes, so the size stays fixed at 5
    def f(x):
        y = wb.reshape(x, [-1, 5])
        return y + wb.broadcast_to(wb.constant(1.0), wb.shape(y))

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, None))], str(tmp_path / "f.onnx"))
    assert result.fixed == {("input_0", 1): 5} and result.max_abs_diff == 0.0


def test_true_division_of_uint8_is_exported_in_float32(tmp_path):
    def f(x):
        return x / 255

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, 3), np.uint8)], str(tmp_path / "f.onnx"))
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x = np.array([[0, 128, 255]], np.uint8)
    got, = session.run(None, {result.inputs[0]: x})
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, x / np.float32(255), rtol=1e-7)


def test_open_sizes_found_jointly_when_no_single_size_lets_the_function_run(tmp_path):
    # square images (x + its transpose) reshaped to 784 columns: with one inner size at 5, no
    # size of the other serves both; 28 and 28 together do
    def f(x):
        return wb.reduce_sum(wb.reshape(x + wb.transpose(x, [0, 2, 1]), [-1, 784]), axis=1)

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, None, None))], str(tmp_path / "f.onnx"))
    assert result.fixed == {("input_0", 1): 28, ("input_0", 2): 28}
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((3, 28, 28)).astype(np.float32)
    got, = session.run(None, {"input_0": x})
    np.testing.assert_allclose(got, (x + x.transpose(0, 2, 1)).reshape(-1, 784).sum(1), rtol=1e-5, atol=1e-4)


# -- static shapes of traced functions, as TF 2.21's get_concrete_function gives them ----------

S = wb.TensorSpec
F32, I32 = wb.float32, wb.int32
U, NN, N3 = [S(None, F32)], [S([None, None], F32)], [S([None, 3], F32)]


def _out_shape(fn, specs):
    shape = wb.function(fn, input_signature=specs).get_concrete_function().structured_outputs.shape
    return None if shape.rank is None else tuple(shape.as_list())


W = np.ones((3, 4), np.float32)
IMG = [S([None, None, None, 3], F32)]

CASES = {
    # einsum with an operand of unknown rank: its labels are open; with an ellipsis, the rank too
    "einsum_u_k": (U, lambda x: wb.einsum("ij,jk->ik", x, W), (None, 4)),
    "einsum_u_diag": (U, lambda x: wb.einsum("ii->i", x), (None,)),
    "einsum_u_sum": (U, lambda x: wb.einsum("ij->", x), ()),
    "einsum_uu": (U + U, lambda x, y: wb.einsum("ij,jk->ik", x, y), (None, None)),
    "einsum_u_outer": (U + [S([None], F32)], lambda x, y: wb.einsum("i,j->ij", x, y), (None, None)),
    "einsum_ell_u": (U, lambda x: wb.einsum("...ij,jk->...ik", x, W), None),
    # stateless and stateful draws of a shape the arguments decide
    "st_normal_shape": (N3, lambda x: wb.random.stateless_normal(wb.shape(x), seed=[1, 2]), (None, 3)),
    "st_normal_t": ([S([2], I32)], lambda s: wb.random.stateless_normal(s, seed=[1, 2]), (None, None)),
    "st_uniform_t": ([S([3], I32)], lambda s: wb.random.stateless_uniform(s, seed=[1, 2]), (None, None, None)),
    "st_uniform_int": ([S([2], I32)], lambda s: wb.random.stateless_uniform(s, [1, 2], minval=0, maxval=5,
                                                                             dtype=wb.int32), (None, None)),
    "st_trunc": ([S([2], I32)], lambda s: wb.random.stateless_truncated_normal(s, seed=[1, 2]), (None, None)),
    "st_binomial": ([S([2], I32)], lambda s: wb.random.stateless_binomial(s, [1, 2], counts=5., probs=.5),
                    (None, None)),
    "st_poisson": ([S([2], I32)], lambda s: wb.random.stateless_poisson(s, seed=[1, 2], lam=2.), (None, None)),
    "st_gamma": ([S([2], I32)], lambda s: wb.random.stateless_gamma(s, seed=[1, 2], alpha=2.), (None, None)),
    "st_categorical": (NN, lambda x: wb.random.stateless_categorical(x, 4, seed=[1, 2]), (None, 4)),
    "st_categorical_t": (NN + [S([], I32)], lambda x, n: wb.random.stateless_categorical(x, n, seed=[1, 2]),
                         (None, None)),
    "st_shape_partial": ([S([], I32)], lambda n: wb.random.stateless_normal([n, 3], seed=[1, 2]), (None, 3)),
    "r_normal_t": ([S([2], I32)], lambda s: wb.random.normal(s), (None, None)),
    "r_uniform_partial": ([S([], I32)], lambda n: wb.random.uniform([n, 3]), (None, 3)),
    # FFTs: fft_length fixes the transformed sizes, open or not; a complex DFT keeps its shape
    "rfft_open": (NN, lambda x: wb.signal.rfft(x, fft_length=[8]), (None, 5)),
    "rfft_open_default": (NN, lambda x: wb.signal.rfft(x), (None, None)),
    "rfft2d_open": ([S([None, None, None], F32)], lambda x: wb.signal.rfft2d(x, fft_length=[4, 6]), (None, 4, 4)),
    "irfft_open": ([S([None, None], wb.complex64)], lambda x: wb.signal.irfft(x, fft_length=[8]), (None, 8)),
    "fft_open": ([S([None, None], wb.complex64)], lambda x: wb.signal.fft(x), (None, None)),
    "rfft_length_t": (NN + [S([1], I32)], lambda x, n: wb.signal.rfft(x, fft_length=n), (None, None)),
    # strings: joined and formatted on the host, to_number traced on strings it can parse
    "s_reduce_join": ([S([None, 3], wb.string)], lambda s: wb.strings.reduce_join(s, axis=1), (None,)),
    "s_reduce_join_keep": ([S([None, 3], wb.string)], lambda s: wb.strings.reduce_join(s, axis=0, keepdims=True),
                           (1, 3)),
    "s_reduce_join_u": ([S(None, wb.string)], lambda s: wb.strings.reduce_join(s, axis=0), None),
    "s_reduce_join_u_all": ([S(None, wb.string)], lambda s: wb.strings.reduce_join(s), None),
    "s_reduce_join_m1": ([S([None, None, 2], wb.string)], lambda s: wb.strings.reduce_join(s, -1, separator=","),
                         (None, None)),
    "s_to_number": ([S([None, 3], wb.string)], lambda s: wb.strings.to_number(s), (None, 3)),
    "s_to_number_u": ([S(None, wb.string)], lambda s: wb.strings.to_number(s, wb.int64), None),
    "s_as_string": (N3, lambda x: wb.strings.as_string(x), (None, 3)),
    "s_as_string_u": (U, lambda x: wb.strings.as_string(x, precision=2), None),
    "s_as_string_i": ([S([None], I32)], lambda x: wb.strings.as_string(x), (None,)),
    # extract_patches: each size the images' static shape knows
    "patches_open": ([S([None, None, None, 3], F32)], lambda x: wb.image.extract_patches(
        x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"), (None, None, None, 12)),
    "patches_same": ([S([None, 8, 8, 3], F32)], lambda x: wb.image.extract_patches(
        x, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"), (None, 4, 4, 27)),
    "patches_valid": ([S([None, 8, 7, 3], F32)], lambda x: wb.image.extract_patches(
        x, [1, 3, 3, 1], [1, 2, 2, 1], [1, 2, 1, 1], "VALID"), (None, 2, 3, 27)),
    "patches_u": (U, lambda x: wb.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
                  (None, None, None, None)),
    "patches_open_depth": ([S([2, 6, 6, None], F32)], lambda x: wb.image.extract_patches(
        x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"), (2, 5, 5, None)),
    # labels and logits both of unknown rank: traced at ranks r and r + 1
    "sscel_uu": ([S(None, I32)] + U, lambda lab, x: wb.nn.sparse_softmax_cross_entropy_with_logits(
        labels=lab, logits=x), None),
    "sscel_u_n3": ([S(None, I32)] + N3, lambda lab, x: wb.nn.sparse_softmax_cross_entropy_with_logits(
        labels=lab, logits=x), (None,)),
    # SparseTensors: from_dense's static dense shape; set operations' sizes all open; set sizes unknown
    "from_dense": (N3, lambda x: wb.sparse.from_dense(x), (None, 3)),
    "from_dense_u": (U, lambda x: wb.sparse.from_dense(x), None),
    "from_dense_nn": (NN, lambda x: wb.sparse.from_dense(x), (None, None)),
    "from_dense_fixed": ([S([4], F32)], lambda x: wb.sparse.from_dense(x), (4,)),
    "sets_intersection": ([S([None, 3], I32), S([None, 4], I32)], lambda a, b: wb.sets.intersection(a, b),
                          (None, None)),
    "sets_union": ([S([None, 3], I32), S([None, 4], I32)], lambda a, b: wb.sets.union(a, b), (None, None)),
    "sets_difference": ([S([None, 3], I32), S([None, 4], I32)], lambda a, b: wb.sets.difference(a, b),
                        (None, None)),
    "sets_intersection_3d": ([S([2, None, 3], I32), S([2, None, 4], I32)],
                             lambda a, b: wb.sets.intersection(a, b), (None, None, None)),
    "sets_intersection_u": ([S(None, I32), S([None, 4], I32)], lambda a, b: wb.sets.intersection(a, b),
                            (None, None)),
    "sets_size": ([S([None, 3], I32)], lambda a: wb.sets.size(wb.sets.union(a, a)), None),
    "sets_size_dense": ([S([None, 3], I32)], lambda a: wb.sets.size(wb.sparse.from_dense(a)), None),
    # image ops: the sizes their arguments fix, the rest from the images' static shape
    "im_crop_or_pad": (IMG, lambda x: wb.image.resize_with_crop_or_pad(x, 5, 7), (None, 5, 7, 3)),
    "im_crop_to_box": (IMG, lambda x: wb.image.crop_to_bounding_box(x, 1, 1, 3, 4), (None, 3, 4, 3)),
    "im_pad_to_box": (IMG, lambda x: wb.image.pad_to_bounding_box(x, 1, 1, 30, 40), (None, 30, 40, 3)),
    "im_rot90_fixed": ([S([None, 4, 6, 3], F32)], lambda x: wb.image.rot90(x), (None, None, None, 3)),
    "im_rot90_square": ([S([None, 4, 4, 3], F32)], lambda x: wb.image.rot90(x, 2), (None, 4, 4, 3)),
    "im_adjust_contrast": (IMG, lambda x: wb.image.adjust_contrast(x, 0.5), (None, None, None, 3)),
    "im_nms": ([S([None, 4], F32), S([None], F32)], lambda b, s: wb.image.non_max_suppression(b, s, 3), (None,)),
    "im_crop_and_resize": (IMG + [S([None, 4], F32), S([None], I32)],
                           lambda x, b, i: wb.image.crop_and_resize(x, b, i, [3, 5]), (None, 3, 5, 3)),
    "im_draw_boxes": (IMG + [S([None, None, 4], F32)],
                      lambda x, b: wb.image.draw_bounding_boxes(x, b, [[1., 0, 0]]), (None, None, None, 3)),
    "im_glimpse": (IMG + [S([None, 2], F32)], lambda x, o: wb.image.extract_glimpse(x, [3, 3], o), (None, 3, 3, 3)),
    "im_combined_nms": ([S([None, None, 1, 4], F32), S([None, None, 2], F32)],
                        lambda b, s: wb.image.combined_non_max_suppression(b, s, 3, 5)[0], (None, 5, 4)),
    "im_combined_nms_valid": ([S([None, None, 1, 4], F32), S([None, None, 2], F32)],
                              lambda b, s: wb.image.combined_non_max_suppression(b, s, 3, 5)[3], (None,)),
    "im_random_crop": (IMG, lambda x: wb.image.random_crop(x, [2, 3, 3, 3]), (2, 3, 3, 3)),
    "im_stateless_random_crop": (IMG, lambda x: wb.image.stateless_random_crop(x, [2, 3, 3, 3], seed=[1, 2]),
                                 (2, 3, 3, 3)),
    # signal: overlap_and_add's length, the DCTs (mdct, mfccs) keep the batch sizes
    "sg_overlap": ([S([None, None, 4], F32)], lambda x: wb.signal.overlap_and_add(x, 2), (None, None)),
    "sg_overlap_fixed": ([S([None, 5, 4], F32)], lambda x: wb.signal.overlap_and_add(x, 2), (None, 12)),
    "sg_istft": ([S([None, None, 9], wb.complex64)], lambda x: wb.signal.inverse_stft(x, 16, 8), (None, None)),
    "sg_dct": (NN, lambda x: wb.signal.dct(x), (None, None)),
    "sg_frame_t": (NN + [S([], I32)], lambda x, n: wb.signal.frame(x, n, 2), (None, None, None)),
    "sg_frame_step_t": ([S([None, 10], F32), S([], I32)], lambda x, n: wb.signal.frame(x, 4, n), (None, None, 4)),
    "sg_hann_t": ([S([], I32)], lambda n: wb.signal.hann_window(n), (None,)),
    "sg_dct_u": (U, lambda x: wb.signal.dct(x), None),
    "sg_dct_n": (NN, lambda x: wb.signal.dct(x, n=8), (None, None)),
    "sg_idct": (N3, lambda x: wb.signal.idct(x), (None, 3)),
    "sg_mdct": ([S([None, 64], F32)], lambda x: wb.signal.mdct(x, 16), (None, 7, 8)),
    "sg_mfcc": ([S([None, None, 40], F32)], lambda x: wb.signal.mfccs_from_log_mel_spectrograms(x),
                (None, None, 40)),
    # linalg: a solve's [M, K] from the matrix and the right-hand side; a transpose of unknown rank
    "la_solve": ([S([None, None, None], F32), S([None, None, 2], F32)], lambda a, b: wb.linalg.solve(a, b),
                 (None, None, 2)),
    "la_triangular_solve": ([S([None, 3, 3], F32), S([None, 3, None], F32)],
                            lambda a, b: wb.linalg.triangular_solve(a, b), (None, 3, None)),
    "la_inv": ([S([None, None, None], F32)], lambda x: wb.linalg.inv(x), (None, None, None)),
    "la_matrix_transpose_u": (U, lambda x: wb.linalg.matrix_transpose(x), None),
    # more strings: substr, join (scalars broadcast), unicode_encode
    "s_substr": ([S([None, 2], wb.string)], lambda s: wb.strings.substr(s, 0, 2), (None, 2)),
    "s_join": ([S([None], wb.string)] * 2, lambda a, b: wb.strings.join([a, b]), (None,)),
    "s_join_u": ([S(None, wb.string), S([None], wb.string)], lambda a, b: wb.strings.join([a, b]), (None,)),
    "s_join_scalar": ([S([None, 2], wb.string)], lambda a: wb.strings.join([a, "x"]), (None, 2)),
    "s_unicode_encode": ([S([None, None], I32)], lambda s: wb.strings.unicode_encode(s, "UTF-8"), (None,)),
    # sparse ops on a SparseTensor of open sizes (TF's shape functions, which often drop sizes)
    "sp_reduce_sum": (N3, lambda x: wb.sparse.reduce_sum(_sp(x), axis=1), None),
    "sp_reduce_sum_all": (N3, lambda x: wb.sparse.reduce_sum(_sp(x)), None),
    "sp_to_dense": (N3, lambda x: wb.sparse.to_dense(_sp(x)), (None, 3)),
    "sp_matmul": (N3, lambda x: wb.sparse.sparse_dense_matmul(_sp(x), wb.ones([3, 4])), (None, 4)),
    "sp_transpose": (N3, lambda x: wb.sparse.transpose(_sp(x)), (None, None)),
    "sp_reshape": (N3, lambda x: wb.sparse.reshape(_sp(x), [-1]), (None,)),
    "sp_expand_dims": (N3, lambda x: wb.sparse.expand_dims(_sp(x), 0), (1, None, None)),
    "sp_slice": (N3, lambda x: wb.sparse.slice(_sp(x), [0, 0], [2, 2]), (None, None)),
    "sp_concat": (N3 + N3, lambda x, y: wb.sparse.concat(0, [_sp(x), _sp(y)]), (None, 3)),
    "sp_add": (N3 + N3, lambda x, y: wb.sparse.add(_sp(x), _sp(y)), (None, None)),
    "sp_reorder": (N3, lambda x: wb.sparse.reorder(_sp(x)), (None, 3)),
    "sp_retain": (N3, lambda x: wb.sparse.retain(_sp(x), wb.ones([wb.size(x)], wb.bool)[:1]), (None, None)),
    "sp_fill_empty_rows": (N3, lambda x: wb.sparse.fill_empty_rows(_sp(x), 0.)[0], (None, 3)),
    "sp_fill_empty_rows_indicator": (N3, lambda x: wb.sparse.fill_empty_rows(_sp(x), 0.)[1], (None,)),
    "sp_maximum": (N3 + N3, lambda x, y: wb.sparse.maximum(_sp(x), _sp(y)), (None, 3)),
    "sp_to_indicator": ([S([None, 3], I32)], lambda x: wb.sparse.to_indicator(_sp(x), 5), (None, 5)),
    "sp_transpose_fixed": ([S([2, 3], F32)], lambda x: wb.sparse.transpose(_sp(x)), (3, 2)),
    "sp_map_values": (N3, lambda x: wb.sparse.map_values(wb.exp, _sp(x)), (None, 3)),
    "sp_softmax": (N3, lambda x: wb.sparse.softmax(_sp(x)), (None, 3)),
    "sp_reset_shape": (N3, lambda x: wb.sparse.reset_shape(_sp(x)), (None, None)),
    "sp_eye_t": ([S([], I32)], lambda n: wb.sparse.eye(n), (None, None)),
    "sets_to_dense": ([S([None, 3], I32)], lambda a: wb.sparse.to_dense(wb.sets.union(a, a)), (None, None)),
    # ragged: value_rowids (one per value), to_sparse (the ragged tensor's static shape)
    "rg_value_rowids": ([S([None], F32), S([None], wb.int64)],
                        lambda v, s: ragged.RaggedTensor.from_row_splits(v, s).value_rowids(), (None,)),
    "rg_to_sparse": ([S([None], F32), S([None], wb.int64)],
                     lambda v, s: ragged.RaggedTensor.from_row_splits(v, s).to_sparse(), (None, None)),
    # matrix functions and the eigendecomposition of a general matrix; unicode_script elementwise
    "la_sqrtm": ([S([None, None, None], F32)], lambda x: wb.linalg.sqrtm(x), (None, None, None)),
    "la_eig_values": ([S([None, None, None], F32)], lambda x: wb.linalg.eig(x)[0], (None, None)),
    "la_eigvals": ([S([None, 3, 3], F32)], lambda x: wb.linalg.eigvals(x), (None, 3)),
    "la_matrix_rank": ([S([None, None, None], F32)], lambda x: wb.linalg.matrix_rank(x), (None,)),
    "la_logm": ([S([None, None, None], wb.complex64)], lambda x: wb.linalg.logm(x), (None, None, None)),
    "la_lu_reconstruct": ([S([None, None, None], F32), S([None, None], I32)],
                          lambda lu, p: wb.linalg.lu_reconstruct(lu, p), (None, None, None)),
    "la_lu_solve": ([S([None, None, None], F32), S([None, None], I32), S([None, None, 2], F32)],
                    lambda lu, p, b: wb.linalg.lu_solve(lu, p, b), (None, None, 2)),
    "la_tridiagonal_matmul": ([S([None, 3, None], F32), S([None, None, 2], F32)],
                              lambda d, r: wb.linalg.tridiagonal_matmul(d, r), (None, None, 2)),
    "s_unicode_script": ([S([None], I32)], lambda s: wb.strings.unicode_script(s), (None,)),
}


def _sp(x):
    return wb.sparse.from_dense(x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_static_shape_of_a_traced_function_is_tf_s(name):
    specs, fn, want = CASES[name]
    assert _out_shape(fn, specs) == want


# -- stand-in retries: each runs the Python body again, so the likely ones come first ----------

def _runs(fn, specs):
    calls = []

    def body(*xs):
        calls.append(1)
        return fn(*xs)
    out = wb.function(body, input_signature=specs).get_concrete_function().structured_outputs
    return len(calls), None if out.shape.rank is None else tuple(out.shape.as_list())


def test_labels_and_logits_of_unknown_rank_need_one_retry():
    # ranks r and r + 1 at once come right after the first trial (TF runs the body once)
    fn = lambda lab, x: wb.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=x)  # noqa: E731
    assert _runs(fn, [S(None, I32), S(None, F32)]) == (2, None)


def test_a_size_the_error_names_is_tried_next():
    # top_k(x, 4) of an open last dimension: the message names k=4 (TF: (None, 4), one run);
    # an index the message names is tried, then one more
    assert _runs(lambda x: wb.math.top_k(x, 4).values, NN) == (2, (None, 4))
    assert _runs(lambda x: x[:, 6], NN) == (3, (None,))   # 6, then 7


def test_sizes_of_a_shape_in_the_error_are_not_tried():
    # matmul of [1, 3] and [4, 5] names shapes, not a size the open dimension needs
    calls = []

    def body(x):
        calls.append(1)
        return wb.matmul(x, wb.ones([4, 5]))
    with pytest.raises(Exception, match=r"\[1,3\]"):
        wb.function(body, input_signature=N3).get_concrete_function()
    assert len(calls) == 6   # sizes 1, 2, 3 of zeros and of identity stand-ins


def test_qr_gives_tf_s_named_pair():
    r = wb.linalg.qr(wb.eye(3))
    assert type(r).__name__ == "Qr" and r._fields == ("q", "r")
    out = wb.function(lambda x: wb.linalg.qr(x), input_signature=[S([None, 5, 3], F32)]).get_concrete_function()
    assert out.structured_outputs.q.shape.as_list() == [None, 5, 3]
    assert out.structured_outputs.r.shape.as_list() == [None, 3, 3]


def test_resize_of_images_of_unknown_rank_is_refused_in_a_trace_as_tf():
    with pytest.raises(ValueError, match="'images' contains no shape"):
        wb.function(lambda x: wb.image.resize(x, [5, 7]), input_signature=U).get_concrete_function()
    assert wb.image.resize(np.ones((4, 4, 1), np.float32), [2, 2]).shape == (2, 2, 1)


def test_the_global_generator_made_inside_a_trace_is_no_variable_the_function_creates():
    # sample_distorted_bounding_box with seed 0 draws from the global generator, made on first
    # use: inside get_concrete_function's trace (a fresh process) that was refused as a variable
    # created on a later call (TF: (3,) int32)
    import subprocess
    import sys
    code = ("import workbench as wb\n"
            "S = wb.TensorSpec\n"
            "fn = wb.function(lambda sh, b: wb.image.sample_distorted_bounding_box(sh, b, min_object_covered=0.1)"
            "[0], input_signature=[S([3], wb.int32), S([None, None, 4], wb.float32)])\n"
            "print(fn.get_concrete_function().structured_outputs.shape.as_list())\n"
            "print(fn(wb.constant([10, 10, 3]), wb.constant([[[0., 0., 1., 1.]]])).numpy().shape)\n")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.split() == ["[3]", "(3,)"]
