"""``wb.compat.v1``: TF 1's signatures in front of TF 2's functions, and the TF 1-only names that
work eagerly, against values TF 2.21's ``tf.compat.v1`` gave for the same calls
(tests/fixtures/compat_v1_tf221.npz)."""

import logging
import os

import numpy as np
import pytest

import workbench as wb

v1 = wb.compat.v1
x = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
img = np.linspace(-1, 1, 2*5*5*3, dtype=np.float32).reshape(2, 5, 5, 3)
flt = np.linspace(-1, 1, 3*3*3*2, dtype=np.float32).reshape(3, 3, 3, 2)
CASES = {
 'rs_ri': lambda: v1.reduce_sum(x, reduction_indices=1, keep_dims=True),
 'rs_pos': lambda: v1.reduce_sum(x, 0, True),
 'rm': lambda: v1.reduce_mean(x, axis=[0, 1]),
 'rmax_kd': lambda: v1.reduce_max(x, 1, keep_dims=True),
 'rlse': lambda: v1.reduce_logsumexp(x, reduction_indices=[0]),
 'rall': lambda: v1.reduce_all(x > -6, 1),
 'both': lambda: v1.reduce_sum(x, axis=0, reduction_indices=0),
 'argmax_dim': lambda: v1.argmax(x, dimension=1),
 'argmin_none': lambda: v1.argmin(x),
 'arg_max': lambda: v1.arg_max(x, 1),
 'cnz': lambda: v1.count_nonzero(x, reduction_indices=1, keep_dims=True),
 'cnz_in': lambda: v1.count_nonzero(input=x),
 'expand_dim': lambda: v1.expand_dims(x, dim=1),
 'squeeze_dims': lambda: v1.squeeze(np.zeros((1, 3, 1)), squeeze_dims=[0]),
 'norm_kd': lambda: v1.norm(x, axis=1, keep_dims=True),
 'ctt_pref': lambda: v1.convert_to_tensor(3, preferred_dtype=wb.float32),
 'gather_pos': lambda: v1.gather(x, [2, 0], None, None, 1),
 'pad_pos': lambda: v1.pad(x, [[1, 0], [0, 1]], 'CONSTANT', None, 7),
 'transpose': lambda: v1.transpose(x, [1, 0]),
 'shape': lambda: v1.shape(x),
 'size64': lambda: v1.size(x, out_type=wb.int64),
 'b2s': lambda: v1.batch_to_space(np.arange(16, dtype=np.float32).reshape(4, 2, 2, 1), [[0, 0], [0, 0]], 2),
 's2b': lambda: v1.space_to_batch(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1), [[0, 0], [0, 0]], 2),
 'revseq': lambda: v1.reverse_sequence(x, [1, 2, 3], seq_dim=1, batch_dim=0),
 'ones_like': lambda: v1.ones_like(x, wb.int32),
 'cond_fn1': lambda: v1.cond(wb.constant(True), fn1=lambda: [wb.constant(1)], fn2=lambda: [wb.constant(2)]),
 'cond_strict': lambda: v1.cond(wb.constant(False), lambda: [wb.constant(1)], lambda: [wb.constant(2)], strict=True),
 'while1': lambda: v1.while_loop(lambda i: i < 5, lambda i: [i + 1], [wb.constant(0)]),
 'while1s': lambda: v1.while_loop(lambda i: i < 5, lambda i: [i + 1], [wb.constant(0)], return_same_structure=True),
 'const_vs': lambda: v1.constant([1, 2], shape=[3], verify_shape=True),
 'const_ok': lambda: v1.constant([1, 2], shape=[2], verify_shape=True),
 'to_float': lambda: v1.to_float(np.array([1, 2])),
 'to_int64': lambda: v1.to_int64(np.array([1.7, 2])),
 'div_int': lambda: v1.div(np.array([7, -7]), np.array([2, 2])),
 'div_f': lambda: v1.div(np.array([7., -7.]), np.array([2., 2.])),
 'floor_div': lambda: v1.floor_div(np.array([7, -7]), 2),
 'log': lambda: v1.log(np.array([1., 2.])),
 'clip_avg': lambda: v1.clip_by_average_norm(x, 0.5),
 'clip_avg2': lambda: v1.clip_by_average_norm(x, 50.0),
 'nn_dropout_kp1': lambda: v1.nn.dropout(x, keep_prob=1.0),
 'nn_dropout_both': lambda: v1.nn.dropout(x, keep_prob=0.5, rate=0.5),
 'nn_dropout_bad': lambda: v1.nn.dropout(x, keep_prob=0.0),
 'nn_softmax_dim': lambda: v1.nn.softmax(x, dim=0),
 'nn_logsoftmax_dim': lambda: v1.nn.log_softmax(x, dim=0),
 'nn_xent': lambda: v1.nn.softmax_cross_entropy_with_logits(labels=wb.nn.softmax(x[::-1]), logits=x),
 'nn_xent_dim': lambda: v1.nn.softmax_cross_entropy_with_logits(labels=wb.nn.softmax(x[::-1], axis=0), logits=x, dim=0),
 'nn_xent_pos': lambda: v1.nn.softmax_cross_entropy_with_logits(x, x),
 'nn_xent_v2': lambda: v1.nn.softmax_cross_entropy_with_logits_v2(wb.nn.softmax(x[::-1]), x),
 'nn_sxent': lambda: v1.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1, 3], logits=x),
 'nn_sigxent': lambda: v1.nn.sigmoid_cross_entropy_with_logits(labels=np.ones_like(x) * 0.3, logits=x),
 'nn_moments_kd': lambda: v1.nn.moments(x, [0], keep_dims=True),
 'nn_xw': lambda: v1.nn.xw_plus_b(x, np.ones((4, 2), np.float32), np.array([1., 2.], np.float32)),
 'nn_relu_layer': lambda: v1.nn.relu_layer(x, np.ones((4, 2), np.float32) * 0.1, np.array([1., -2.], np.float32)),
 'nn_in_top_k': lambda: v1.nn.in_top_k(x, [3, 0, 1], 2),
 'math_in_top_k': lambda: v1.math.in_top_k(x, [3, 0, 1], 2),
 'nn_conv2d_filter': lambda: v1.nn.conv2d(img, filter=flt, strides=[1, 1, 1, 1], padding='SAME'),
 'nn_conv2d_pos': lambda: v1.nn.conv2d(img, flt, [1, 2, 2, 1], 'VALID', True),
 'nn_conv1d': lambda: v1.nn.conv1d(img[:, 0], flt[0], 1, 'SAME'),
 'nn_max_pool': lambda: v1.nn.max_pool(img, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'),
 'nn_avg_pool_value': lambda: v1.nn.avg_pool(value=img, ksize=[1, 2, 2, 1], strides=[1, 1, 1, 1], padding='SAME'),
 'nn_depthwise_rate': lambda: v1.nn.depthwise_conv2d(img, flt[:, :, :, :1], [1, 1, 1, 1], 'SAME', rate=[2, 2]),
 'nn_conv2d_t': lambda: v1.nn.conv2d_transpose(img[:, :, :, :2], flt, [2, 10, 10, 3], [1, 2, 2, 1]),
 'nn_convolution': lambda: v1.nn.convolution(img, flt, 'SAME', dilation_rate=[2, 2]),
 'nn_emb': lambda: v1.nn.embedding_lookup(x, [2, 0], 'div'),
 'nn_d2s': lambda: v1.nn.depth_to_space(np.arange(8, dtype=np.float32).reshape(1, 1, 2, 4), 2),
 'nn_crelu': lambda: v1.nn.crelu(x),
 'nn_wce_targets': lambda: v1.nn.weighted_cross_entropy_with_logits(targets=np.ones_like(x) * .2, logits=x, pos_weight=2.0),
 'fbn_train': lambda: v1.nn.fused_batch_norm(img, np.array([1., 2., .5], np.float32), np.array([0., 1., -1.], np.float32)),
 'fbn_train_eaf': lambda: v1.nn.fused_batch_norm(img, np.array([1., 2., .5], np.float32), np.array([0., 1., -1.], np.float32), mean=np.array([0.1, .2, .3], np.float32), variance=np.array([1., 2., 3.], np.float32), exponential_avg_factor=0.25),
 'fbn_infer': lambda: v1.nn.fused_batch_norm(img, np.array([1., 2., .5], np.float32), np.array([0., 1., -1.], np.float32), mean=np.array([0.1, .2, .3], np.float32), variance=np.array([1., 2., 3.], np.float32), is_training=False),
 'fbn_nchw': lambda: v1.nn.fused_batch_norm(np.transpose(img, (0, 3, 1, 2)), np.array([1., 2., .5], np.float32), np.array([0., 1., -1.], np.float32), data_format='NCHW'),
 'fbn_f16': lambda: v1.nn.fused_batch_norm(img.astype(np.float16), np.array([1., 2., .5], np.float32), np.array([0., 1., -1.], np.float32)),
 'math_bincount': lambda: v1.math.bincount(np.array([1, 1, 3]), None, 5),
 'math_cm': lambda: v1.math.confusion_matrix([0, 1, 2], [0, 2, 2], 3, wb.float32),
 'math_rs': lambda: v1.math.reduce_sum(x, keep_dims=True),
 'math_cnz': lambda: v1.math.count_nonzero(x, 0),
 'rand_shape_normal': lambda: tuple(v1.random_normal([2, 3], seed=1).shape),
 'rand_uniform_int': lambda: tuple(v1.random_uniform([2], 0, 5, dtype=wb.int32, seed=1).shape),
 'rand_uniform_intnomax': lambda: v1.random_uniform([2], 0, dtype=wb.int32),
 'rand_multinomial': lambda: v1.multinomial(np.log([[0.5, 0.5]]), 4, output_dtype=wb.int32).dtype.name,
 'rand_poisson': lambda: tuple(v1.random_poisson(3.0, [2, 3]).shape),
 'rand_poisson_mod': lambda: tuple(v1.random.poisson(np.array([1., 2.]), [4]).shape),
 'init_zeros': lambda: v1.zeros_initializer(dtype=wb.int32)([2]),
 'init_const': lambda: v1.constant_initializer(3)([2], dtype=wb.float64),
 'init_ru_shape': lambda: v1.random_uniform_initializer()([2000]),
 'init_rn_shape': lambda: v1.random_normal_initializer()([2000]),
 'dbg_is_nan': lambda: v1.debugging.is_nan(np.array([1., np.nan])),
 'dbg_incr': lambda: v1.debugging.is_strictly_increasing([1, 2, 2]),
 'assert_eq_data': lambda: v1.assert_equal(1, 2, data=[wb.constant([5])], message='msg'),
 'sets_union': lambda: v1.sets.set_union([[1, 2]], [[2, 3]]).values,
 'set_size': lambda: v1.sets.set_size([[1, 2, 2]]),
 'linalg_t': lambda: tuple(v1.linalg.transpose(np.ones((2, 3, 4))).shape),
 'assign': lambda: v1.assign(wb.Variable(1.0), 3.0),
 'placeholder': lambda: v1.placeholder(wb.float32, [None]),
 'matmul': lambda: v1.matmul(x, x.T),
 'name_scope_default': lambda: str(type(v1.name_scope(None, default_name='a'))),
 'where_v2': lambda: v1.where_v2(x > 0, x, 0.),
}

_EXPECTED = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "compat_v1_tf221.npz"))
_ERRORS = {
    "both": (ValueError, "Cannot specify both 'reduction_indices' and 'axis'."),
    "const_vs": (TypeError, "with shape (3,), but got shape (2,)"),
    "nn_dropout_both": (ValueError, "Cannot specify both 'keep_prob' and 'rate'."),
    "nn_dropout_bad": (ValueError, "rate"),
    "rand_uniform_intnomax": (ValueError, "maxval"),
    "assert_eq_data": (wb.errors.InvalidArgumentError, "msg"),
    "set_size": (TypeError, "SparseTensor"),
    "placeholder": (RuntimeError, "placeholder"),
}
_RANDOM = ("init_ru_shape", "init_rn_shape", "name_scope_default")


@pytest.mark.parametrize("case", sorted(set(CASES) - set(_ERRORS) - set(_RANDOM)))
def test_matches_tf(case):
    got = CASES[case]()
    if isinstance(got, (tuple, list)) and f"{case}__0" in _EXPECTED:
        parts = [np.asarray(getattr(g, "numpy", lambda: g)()) for g in got]
        expected = [_EXPECTED[f"{case}__{i}"] for i in range(len(parts))]
        assert f"{case}__{len(parts)}" not in _EXPECTED
    else:
        parts = [np.asarray(getattr(got, "numpy", lambda: got)())]
        expected = [_EXPECTED[case]]
    for g, e in zip(parts, expected):
        assert g.shape == e.shape, case
        if e.dtype.kind in "fc":
            assert g.dtype == e.dtype, case
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5, err_msg=case)
        elif e.dtype.kind in "US":
            assert str(g) == str(e), case
        else:
            assert g.dtype == e.dtype and np.array_equal(g, e), case


@pytest.mark.parametrize("case", sorted(_ERRORS))
def test_refuses_as_tf(case):
    kind, text = _ERRORS[case]
    with pytest.raises(kind) as info:
        CASES[case]()
    assert text in str(info.value)


def test_tf1_initializers_draw_tf1_defaults():
    u = v1.random_uniform_initializer(seed=3)([4000]).numpy()
    assert u.dtype == np.float32 and 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.03
    n = v1.random_normal_initializer(seed=3)([4000], dtype=wb.float64).numpy()
    assert n.dtype == np.float64 and abs(n.std() - 1.0) < 0.05


@pytest.mark.filterwarnings("ignore:gradient")
def test_softmax_xent_v1_blocks_label_gradient():
    labels = wb.Variable([[0.2, 0.8]])
    logits = wb.Variable([[1.0, 2.0]])
    with wb.GradientTape(persistent=True) as tape:
        loss1 = v1.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        loss2 = v1.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert tape.gradient(loss1, labels) is None
    assert tape.gradient(loss2, labels) is not None
    np.testing.assert_allclose(tape.gradient(loss1, logits), tape.gradient(loss2, logits))


def test_shared_names_are_the_tf2_functions_and_differing_ones_refuse():
    assert v1.matmul is wb.matmul and v1.nn.relu is wb.nn.relu and v1.math.exp is wb.math.exp
    with pytest.raises(AttributeError, match="TF 1's version differs"):
        v1.nn.ctc_loss
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        v1.no_such_name
    assert "reduce_sum" in dir(v1) and "ctc_loss" not in dir(v1.nn)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        v1.reduce_sum([1], bogus=1)
    import workbench.compat.v1.nn as nn_v1
    assert nn_v1 is v1.nn


@pytest.mark.parametrize("name", ["get_variable", "global_variables_initializer", "placeholder"])
def test_graph_only_names_say_what_to_use(name):
    with pytest.raises(RuntimeError, match="TF 1's graph and session"):
        getattr(v1, name)()


def test_logging_goes_to_python_logging(caplog):
    v1.logging.set_verbosity(v1.logging.INFO)
    assert v1.logging.get_verbosity() == logging.INFO
    with caplog.at_level(logging.INFO, logger="workbench"):
        v1.logging.info("step %d", 3)
        for _ in range(5):
            v1.logging.log_first_n(v1.logging.WARN, "first", 2)
        for _ in range(5):
            v1.logging.log_every_n(v1.logging.INFO, "every", 2)
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("step 3") == 1 and messages.count("first") == 2 and messages.count("every") == 3
    v1.logging.set_verbosity(logging.WARNING)


def test_session_config_boilerplate_applies_its_settings():
    config = v1.ConfigProto()
    config.gpu_options.allow_growth = True
    assert str(config) == "gpu_options {\n  allow_growth: true\n}\n"       # TF's protocol buffer text
    with pytest.raises(ValueError, match='has no "bogus" field'):
        v1.ConfigProto(bogus=1)
    session = v1.InteractiveSession(config=config)
    with pytest.raises(RuntimeError, match="The Session graph is empty"):
        session.run(wb.constant(1))
    with v1.Session(config=v1.ConfigProto(log_device_placement=True)) as s:
        assert s.config.log_device_placement
        assert wb.debugging.get_log_device_placement() is True
    wb.debugging.set_log_device_placement(False)
    for gpu in wb.config.list_physical_devices("GPU"):
        assert wb.config.experimental.get_memory_growth(gpu)


def test_data_helpers_as_tf():
    ds = wb.data.Dataset.from_tensor_slices(({"a": [1, 2]}, [[1.0], [2.0]]))
    it = v1.data.make_one_shot_iterator(ds)
    first = it.get_next()
    assert int(first[0]["a"]) == 1 and first[1].numpy().tolist() == [1.0]
    assert v1.data.get_output_types(ds) == ({"a": wb.int32}, wb.float32)
    assert v1.data.get_output_shapes(it) == ({"a": wb.TensorShape([])}, wb.TensorShape([1]))
    assert v1.data.get_output_classes(ds) == ({"a": wb.Tensor}, wb.Tensor)
    rows = wb.data.Dataset.from_tensor_slices(wb.ragged.constant([[1], [2, 3]]))
    assert v1.data.get_output_classes(rows) == wb.RaggedTensorSpec([None], wb.int32, 0)   # TF's legacy rule
    with pytest.raises(RuntimeError, match="not supported in eager mode"):
        v1.data.make_initializable_iterator(ds)
