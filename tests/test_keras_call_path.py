"""What a functional model's call does with each node of its graph: a layer called on one
symbolic tensor alone is called on that tensor's value; other calls get their argument
structures, keyword arguments and masks. Each model against the same layers called by hand."""

import numpy as np
import pytest

import workbench as wb

L = wb.keras.layers


def _x(shape, seed=0):
    return wb.constant(np.random.default_rng(seed).normal(size=shape).astype(np.float32))


def test_chain_of_single_input_calls_equals_the_calls_by_hand():
    wb.random.set_seed(1)
    layers = [L.Reshape((4, 4, 1)), L.Conv2D(3, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
              L.Flatten(), L.Dense(5, activation="relu"), L.Dropout(0.5), L.Dense(2)]
    inp = wb.keras.Input((16,))
    h = inp
    for layer in layers:
        h = layer(h)
    model = wb.keras.Model(inp, h)
    x = _x((3, 16))
    want = x
    for layer in layers:
        want = layer(want, training=False)
    assert np.array_equal(model(x, training=False).numpy(), want.numpy())
    # training reaches the layers through the call, as before: dropout is active
    trained = model(x, training=True).numpy()
    assert not np.array_equal(trained, want.numpy())


def test_masks_made_inside_the_graph_reach_later_layers():
    # Embedding(mask_zero=True) makes a mask from its input; the pooling after it averages
    # over the unmasked steps only
    wb.random.set_seed(2)
    emb = L.Embedding(10, 4, mask_zero=True)
    pool = L.GlobalAveragePooling1D()
    inp = wb.keras.Input((5,), dtype="int32")
    model = wb.keras.Model(inp, pool(emb(inp)))
    ids = wb.constant(np.array([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5]], np.int32))
    got = model(ids).numpy()
    table = emb.embeddings.numpy()
    want = np.stack([table[[3, 4]].mean(axis=0), table[[1, 2, 3, 4, 5]].mean(axis=0)])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    unmasked = table[ids.numpy()].mean(axis=1)
    assert not np.allclose(got[0], unmasked[0])


def test_a_mask_given_to_the_model_goes_to_its_first_layers():
    pool = L.GlobalAveragePooling1D()
    inp = wb.keras.Input((3, 2))
    model = wb.keras.Model(inp, pool(inp))
    x = _x((2, 3, 2), 3)
    mask = wb.constant(np.array([[True, False, True], [True, True, True]]))
    np.testing.assert_allclose(model(x, mask=mask).numpy(), pool(x, mask=mask).numpy())
    assert not np.allclose(model(x, mask=mask).numpy(), model(x).numpy())


def test_calls_with_keyword_arguments_and_several_inputs_keep_them():
    wb.random.set_seed(4)
    a, b = wb.keras.Input((3,)), wb.keras.Input((3,))
    drop = L.Dropout(0.9)
    dense = L.Dense(3)
    merged = L.Add()([dense(a), drop(b, training=False)])   # a node with a list and a keyword argument
    model = wb.keras.Model([a, b], merged)
    xa, xb = _x((4, 3), 5), _x((4, 3), 6)
    want = dense(xa).numpy() + xb.numpy()
    np.testing.assert_allclose(model([xa, xb], training=True).numpy(), want, rtol=1e-6)


def test_shared_layer_and_several_outputs():
    wb.random.set_seed(7)
    shared = L.Dense(4, activation="tanh")
    split = L.Lambda(lambda t: [t[:, :1], t[:, 1:]])
    inp = wb.keras.Input((4,))
    h = shared(inp)
    first, rest = split(h)
    model = wb.keras.Model(inp, [shared(L.Concatenate()([first, rest])), rest])
    x = _x((2, 4), 8)
    h_val = shared(x)
    out0, out1 = model(x)
    np.testing.assert_allclose(out0.numpy(), shared(h_val).numpy(), rtol=1e-6)
    np.testing.assert_allclose(out1.numpy(), h_val.numpy()[:, 1:], rtol=1e-6)


@pytest.mark.parametrize("kind", ["conv", "mlp"])
def test_digits_models_functional_and_sequential_agree(kind):
    from workbench.examples.digits_classifier import build_model
    wb.random.set_seed(9)
    seq = build_model(kind, 0.2)
    inp = wb.keras.Input((8, 8))
    h = inp
    for layer in seq.layers:
        h = layer(h)
    model = wb.keras.Model(inp, h)
    x = wb.constant(np.random.default_rng(10).random((5, 8, 8)).astype(np.float32))
    assert np.array_equal(model(x, training=False).numpy(), seq(x, training=False).numpy())


# ---------------------------------------------------------------------------
# Layer.__call__ on plain tensors: what the call does besides ``call``


def test_plain_call_casts_floating_inputs_to_the_layer_dtype():
    x64 = wb.constant(np.ones((3, 4)), dtype=wb.float64)
    dense = L.Dense(2)                                  # dtype None: the global policy, float32
    assert dense(x64).dtype == wb.float32               # (Keras 3 casts the input to it)
    dense64 = L.Dense(2, dtype="float64")
    assert dense64(x64).dtype == wb.float64
    assert dense64(wb.ones((3, 4))).dtype == wb.float64   # float32 inputs are cast to float64
    ints = L.Flatten(dtype="float32")(wb.constant(np.ones((2, 2, 2), np.int32)))
    assert ints.dtype == wb.int32                       # integers are not cast


def test_plain_call_checks_the_input_spec_with_its_message():
    dense = L.Dense(2)
    dense(wb.ones((2, 4)))
    with pytest.raises(ValueError, match=r"Dense '.*': input 0 has shape \(2, 3\), but the layer expects "
                                         r"size 4 in axis -1, got 3 \(the layer was built for input "
                                         r"shape \(2, 4\)\)"):
        dense(wb.ones((2, 3)))
    conv = L.Conv2D(2, 3)
    conv(wb.ones((1, 5, 5, 1)))
    with pytest.raises(ValueError, match=r"input 0 has shape \(2, 5, 5\), but the layer expects rank 4 "):
        conv(wb.ones((2, 5, 5)))


def test_plain_call_keyword_inputs_training_and_bookkeeping():
    wb.random.set_seed(11)
    drop = L.Dropout(0.5)
    x = wb.ones((4, 8))
    assert np.array_equal(drop(inputs=x).numpy(), x.numpy())          # inputs as a keyword
    assert not np.array_equal(drop(x, training=True).numpy(), x.numpy())
    assert np.array_equal(drop(x, training=False).numpy(), x.numpy())
    dense = L.Dense(3, activity_regularizer="l2")
    dense(x)
    first = [float(v) for v in dense.losses]
    dense(2 * x)
    assert len(dense.losses) == len(first) == 1 and float(dense.losses[0]) != first[0]  # the latest call's
    assert dense._summary_output_shape() == (4, 3)   # Keras 3: the first call's shape, batch included


def test_variable_and_structure_inputs_take_the_general_path():
    dense = L.Dense(2, dtype="float32")
    v = wb.Variable(np.ones((3, 4), np.float64))
    assert dense(v).dtype == wb.float32                   # a variable is cast like a tensor
    add = L.Add()
    out = add([wb.ones((2, 2)), wb.constant(np.ones((2, 2)))])
    assert out.dtype == wb.float32 and np.array_equal(out.numpy(), 2 * np.ones((2, 2)))
