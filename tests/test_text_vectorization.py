"""``wb.keras.layers.TextVectorization`` against Keras 3: the layer's docstring examples and the
behaviours Keras' own tests pin (exact outputs), adapt's vocabulary order, tf_idf weights,
configs, ``.keras`` files, ``Sequential.fit`` on a few sentences and ``Dataset.map``."""

import json
import warnings

import numpy as np
import pytest

import ragged
import workbench as wb

TV = wb.keras.layers.TextVectorization
QUERY = [["foo qux bar"], ["qux baz"]]


# -- Keras' docstring examples ------------------------------------------------------------------

def test_docstring_adapt_example():
    layer = TV(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    out = layer(QUERY)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])
    # by count, ties by decreasing token
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]


def test_docstring_vocabulary_example():
    layer = TV(max_tokens=5000, output_mode="int", output_sequence_length=4,
               vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]


# -- what Keras' tests pin --------------------------------------------------------------------------

def test_fixed_and_set_vocabulary():
    fixed = TV(max_tokens=5000, output_sequence_length=4, vocabulary=["baz", "bar", "foo"])
    np.testing.assert_array_equal(fixed(QUERY).numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])
    later = TV(max_tokens=5000, output_sequence_length=4)
    later.set_vocabulary(["baz", "bar", "foo"])
    np.testing.assert_array_equal(later(QUERY).numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])
    # without output_sequence_length: padded to the longest row; a longer row is cut
    np.testing.assert_array_equal(TV(vocabulary=["baz", "bar", "foo"])(QUERY).numpy(), [[4, 1, 3], [1, 2, 0]])
    np.testing.assert_array_equal(TV(vocabulary=["a"], output_sequence_length=2)(["a b a"]).numpy(), [[2, 1]])


def test_ragged_output():
    data = [["foo qux bar"], ["qux baz"], ["foo"]]
    out = TV(vocabulary=["baz", "bar", "foo"], ragged=True)(data)
    assert isinstance(out, ragged.RaggedTensor) and out.shape == (3, None) and out.dtype == np.int64
    assert out.to_list() == [[4, 1, 3], [1, 2], [4]]
    cut = TV(vocabulary=["baz", "bar", "foo"], ragged=True, output_sequence_length=2)(data)
    assert isinstance(cut, ragged.RaggedTensor) and cut.to_list() == [[4, 1], [1, 2], [4]]


def test_encoding_modes():
    vocab = ["foo", "bar", "baz"]
    multi = TV(output_mode="multi_hot", vocabulary=vocab)([["foo bar"], ["baz foo foo"]])
    assert multi.dtype == np.int64   # Keras 3.15 (TF backend): multi_hot/one_hot/count are int64, tf_idf float32
    np.testing.assert_array_equal(multi.numpy(), [[0, 1, 1, 0], [0, 1, 0, 1]])
    count = TV(output_mode="count", vocabulary=vocab)(["foo bar", "baz foo foo"])
    assert count.dtype == np.int64
    np.testing.assert_array_equal(count.numpy(), [[0, 1, 1, 0], [0, 2, 0, 1]])
    tfidf = TV(output_mode="tf_idf", vocabulary=vocab, idf_weights=[0.3, 0.5, 0.2])(["foo bar", "baz foo foo"])
    np.testing.assert_allclose(tfidf.numpy(), [[0.0, 0.3, 0.5, 0.0], [0.0, 0.6, 0.0, 0.2]], rtol=1e-6)
    assert tfidf.dtype == np.float32
    # the OOV index weighs the mean of the weights given
    oov = TV(output_mode="tf_idf", vocabulary=vocab, idf_weights=[0.3, 0.5, 0.2])(["zzz zzz"])
    np.testing.assert_allclose(oov.numpy(), [[2 * (1.0 / 3), 0, 0, 0]], rtol=1e-6)
    padded = TV(output_mode="multi_hot", vocabulary=["foo", "bar"], max_tokens=8, pad_to_max_tokens=True)(["foo bar"])
    assert padded.shape == (1, 8)
    np.testing.assert_array_equal(padded.numpy(), [[0, 1, 1, 0, 0, 0, 0, 0]])
    one_hot = TV(output_mode="one_hot", vocabulary=vocab)(["foo bar"])
    assert one_hot.to_list() == [[[0, 1, 0, 0], [0, 0, 1, 0]]]
    as_tensor = TV(output_mode="one_hot", vocabulary=vocab)(wb.constant(["foo bar", "baz"]))
    assert isinstance(as_tensor, ragged.RaggedTensor) and as_tensor.to_list()[1] == [[0, 0, 0, 1]]
    whole = TV(output_mode="one_hot", split=None, vocabulary=vocab)(wb.constant(["foo", "baz", "foo bar"]))
    np.testing.assert_array_equal(whole.numpy(), [[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
    sparse = TV(output_mode="multi_hot", vocabulary=vocab, sparse=True)(["foo bar", "baz"])
    assert isinstance(sparse, wb.SparseTensor)
    np.testing.assert_array_equal(wb.sparse.to_dense(sparse).numpy(), [[0, 1, 1, 0], [0, 0, 0, 1]])


def test_standardize_and_split_options():
    text = ["Hello, World!. This is just a nice test!"]
    np.testing.assert_array_equal(
        TV(vocabulary=["hello", "world", "this", "is", "nice", "test"])(text).numpy(), [[2, 3, 4, 5, 1, 1, 6, 7]])
    np.testing.assert_array_equal(
        TV(standardize="lower", vocabulary=["hello,", "hello", "world", "this", "is", "nice", "test"])(text).numpy(),
        [[2, 1, 5, 6, 1, 1, 7, 1]])
    np.testing.assert_array_equal(
        TV(standardize="strip_punctuation", vocabulary=["Hello", "World", "Test"])(["Hello, World! Test."]).numpy(),
        [[2, 3, 4]])
    np.testing.assert_array_equal(TV(standardize=None, vocabulary=["Hello", "world"])(["Hello hello"]).numpy(),
                                  [[2, 1]])
    dashes = TV(standardize=lambda t: wb.strings.regex_replace(t, "-", " "), vocabulary=["foo", "bar"])
    np.testing.assert_array_equal(dashes(["foo-bar"]).numpy(), [[2, 3]])
    np.testing.assert_array_equal(TV(split="character", vocabulary=list("abcde"))(["abcf"]).numpy(), [[2, 3, 4, 1]])
    piped = TV(split=lambda t: wb.strings.split(t, sep="|"), vocabulary=["foo", "bar", "foobar"])
    np.testing.assert_array_equal(piped(["foo|bar"]).numpy(), [[4]])       # "foo|bar" -> "foobar"
    whole = TV(split=None, vocabulary=["foo", "bar", "baz"])([["foo"], ["bar"], ["unknown"]])
    np.testing.assert_array_equal(whole.numpy(), [[2], [3], [1]])
    # ASCII lowercasing only (TF's strings.lower default), as Keras
    assert TV(vocabulary=["émile"])(["ÉMILE émile"]).numpy().tolist() == [[1, 2]]


def test_ngrams():
    two = TV(ngrams=2)
    two.adapt(["foo bar baz"])
    assert two.get_vocabulary() == ["", "[UNK]", "foo bar", "foo", "baz", "bar baz", "bar"]
    np.testing.assert_array_equal(two(["bar baz"]).numpy(), [[6, 4, 5]])
    widths = TV(ngrams=(1, 3))
    widths.adapt(["foo bar baz"])
    vocab = widths.get_vocabulary()
    assert "foo bar baz" in vocab and "foo" in vocab and "foo bar" not in vocab


def test_vocabulary_accessors_and_file(tmp_path):
    layer = TV(vocabulary=["foo", "bar", "baz"])
    assert layer.get_vocabulary(include_special_tokens=False) == ["foo", "bar", "baz"]
    assert layer.vocabulary_size() == 5
    encoder = TV(output_mode="count", vocabulary=["foo", "bar", "baz"])
    assert encoder.get_vocabulary() == ["[UNK]", "foo", "bar", "baz"] and encoder.vocabulary_size() == 4
    path = tmp_path / "vocab.txt"
    path.write_text("foo\nbar\nbaz\n", encoding="utf-8")
    np.testing.assert_array_equal(TV(vocabulary=str(path))(["foo bar baz unknown"]).numpy(), [[2, 3, 4, 1]])
    # a vocabulary given with its special tokens (as get_vocabulary gives it) is taken as it is
    again = TV()
    again.set_vocabulary(layer.get_vocabulary())
    assert again.get_vocabulary() == layer.get_vocabulary()


# -- adapt ------------------------------------------------------------------------------------------

def test_adapt_max_tokens_datasets_and_batches():
    capped = TV(max_tokens=5)
    capped.adapt(["a b c d e f g h i j"])
    assert capped.get_vocabulary() == ["", "[UNK]", "j", "i", "h"]
    texts = np.array(["the cat sat", "the dog sat", "a cat ran", "the end"])
    whole = TV()
    whole.adapt(texts)
    assert whole.get_vocabulary()[:5] == ["", "[UNK]", "the", "sat", "cat"]
    batched = TV()
    batched.adapt(texts, batch_size=1)
    assert batched.get_vocabulary() == whole.get_vocabulary()
    from_ds = TV()
    from_ds.adapt(wb.data.Dataset.from_tensor_slices(texts).batch(2))
    assert from_ds.get_vocabulary() == whole.get_vocabulary()
    first = TV()
    first.adapt(wb.data.Dataset.from_tensor_slices(texts).batch(2), steps=1)     # "the cat sat", "the dog sat"
    assert first.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog", "cat"]
    # adapting again starts over
    first.adapt(["zebra"])
    assert first.get_vocabulary() == ["", "[UNK]", "zebra"]


def test_adapt_tf_idf_weights():
    docs = ["a b b", "a c", "d"]
    layer = TV(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "d", "c"]
    # log(1 + documents / (1 + documents holding the token)); the OOV index their mean
    idf = np.log1p(3.0 / (1.0 + np.array([1, 2, 1, 1])))
    out = layer(["b b a zz"]).numpy()
    np.testing.assert_allclose(out, [[idf.mean(), 2 * idf[0], idf[1], 0.0, 0.0]], rtol=1e-6)
    padded = TV(output_mode="tf_idf", max_tokens=8, pad_to_max_tokens=True)
    padded.adapt(docs)
    assert padded(["c"]).shape == (1, 8)


# -- configs, files, training, datasets --------------------------------------------------------------

def _same_outputs(a, b, data):
    np.testing.assert_array_equal(a(data).numpy(), b(data).numpy())


def test_config_round_trip_keeps_the_learned_vocabulary():
    layer = TV(max_tokens=20, ngrams=(1, 2), output_sequence_length=6)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    config = json.loads(json.dumps(wb.keras.layers.serialize(layer)))
    assert config["class_name"] == "TextVectorization"
    inner = config["config"]
    assert inner["ngrams"] == [1, 2] and inner["vocabulary_size"] == layer.vocabulary_size()
    clone = wb.keras.layers.deserialize(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    _same_outputs(layer, clone, ["foo bar baz qux", "boom"])
    tfidf = TV(output_mode="tf_idf")
    tfidf.adapt(["a b b", "a c", "d"])
    again = TV.from_config(json.loads(json.dumps(tfidf.get_config())))
    _same_outputs(tfidf, again, ["a b c d e", "b"])
    assert TV.from_config(TV().get_config()).get_vocabulary() == ["", "[UNK]"]


def shout(text):
    return wb.strings.upper(text)


def test_config_names_a_registered_standardize_function():
    registered = wb.keras.saving.register_keras_serializable(package="TextTests")(shout)
    layer = TV(standardize=registered, vocabulary=["HI"])
    config = json.loads(json.dumps(wb.keras.layers.serialize(layer)))
    assert config["config"]["standardize"]["class_name"] == "function"
    clone = wb.keras.layers.deserialize(config)
    assert clone(["hi there"]).numpy().tolist() == [[2, 1]]


def _classifier(texts):
    vectorize = TV(max_tokens=30, output_sequence_length=6)
    vectorize.adapt(texts)
    model = wb.keras.Sequential([vectorize, wb.keras.layers.Embedding(30, 8),
                                 wb.keras.layers.GlobalAveragePooling1D(),
                                 wb.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=wb.keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    return model


TEXTS = np.array(["great movie, loved it", "terrible film. hated it", "loved the acting", "awful plot, hated",
                  "a great story", "awful and terrible"])
LABELS = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])


def test_text_classifier_trains_with_fit():
    wb.keras.utils.set_random_seed(0)
    model = _classifier(TEXTS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", wb.compiler.UnreplayableWarning)   # the train step replays
        history = model.fit(TEXTS[:, None], LABELS, epochs=40, batch_size=3, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    predicted = model.predict(np.array([["loved it, great"], ["hated, terrible"]]), verbose=0).ravel()
    assert predicted[0] > 0.5 > predicted[1]


def test_function_replays_the_layer_on_new_batches():
    layer = TV(vocabulary=["a", "b"])
    step = wb.function(lambda x: layer(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error", wb.compiler.UnreplayableWarning)
        first = step(wb.constant(["a b", "b"]))
        second = step(wb.constant(["b a c a", "x"]))
    np.testing.assert_array_equal(first.numpy(), [[2, 3], [3, 0]])
    np.testing.assert_array_equal(second.numpy(), [[3, 2, 1, 2], [1, 0, 0, 0]])


def test_dataset_map():
    layer = TV(max_tokens=5000, output_sequence_length=4, vocabulary=["baz", "bar", "foo"])
    batches = list(wb.data.Dataset.from_tensor_slices(QUERY).batch(2).map(layer))
    np.testing.assert_array_equal(batches[0].numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])
    adapted = TV(max_tokens=5000, output_sequence_length=4)
    adapted.adapt(QUERY)
    pairs = wb.data.Dataset.from_tensor_slices((np.array(["foo qux", "qux"]), np.array([1, 0]))).batch(2)
    x, y = next(iter(pairs.map(lambda text, label: (adapted(text), label))))
    assert x.shape == (2, 4) and y.numpy().tolist() == [1, 0]


def test_keras_file_round_trip(tmp_path):
    pytest.importorskip("h5py")
    model = _classifier(TEXTS)
    model.fit(TEXTS[:, None], LABELS, epochs=2, verbose=0)
    path = tmp_path / "text.keras"
    model.save(path)
    loaded = wb.keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(TEXTS[:, None], verbose=0), model.predict(TEXTS[:, None], verbose=0))


def test_keras_file_round_trip_from_a_string_input(tmp_path):
    pytest.importorskip("h5py")
    vectorize = TV(max_tokens=30, output_sequence_length=6)
    vectorize.adapt(TEXTS)
    text = wb.keras.Input(shape=(1,), dtype="string")
    sequential = wb.keras.Sequential([text, vectorize, wb.keras.layers.Embedding(30, 8),
                                      wb.keras.layers.GlobalAveragePooling1D(), wb.keras.layers.Dense(1)])
    assert sequential.output.shape == (None, 1)
    text = wb.keras.Input(shape=(1,), dtype="string")
    functional = wb.keras.Model(text, wb.keras.layers.Dense(2)(wb.keras.layers.Embedding(30, 4)(vectorize(text))))
    for i, model in enumerate((sequential, functional)):
        path = tmp_path / f"model{i}.keras"
        model.save(path)
        loaded = wb.keras.models.load_model(path)
        assert loaded.input.dtype == wb.string
        np.testing.assert_allclose(loaded.predict(TEXTS[:, None], verbose=0),
                                   model.predict(TEXTS[:, None], verbose=0))


def test_keras_file_holds_the_layer_config(tmp_path):
    import zipfile  # only this test reads the archive's members
    pytest.importorskip("h5py")
    model = _classifier(TEXTS)
    model.fit(TEXTS[:, None], LABELS, epochs=1, verbose=0)
    path = tmp_path / "text.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
    entry = config["config"]["layers"][0]
    assert entry["class_name"] == "TextVectorization" and entry["module"] == "keras.layers"
    clone = wb.keras.layers.deserialize({"class_name": entry["class_name"], "config": entry["config"]})
    _same_outputs(model.layers[0], clone, TEXTS[:, None])


# -- bad input --------------------------------------------------------------------------------------

def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="standardize must be"):
        TV(standardize="upper")
    with pytest.raises(ValueError, match="split must be"):
        TV(split="comma")
    with pytest.raises(ValueError, match="output_mode must be"):
        TV(output_mode="bag")
    with pytest.raises(ValueError, match="ngrams must be"):
        TV(ngrams=0)
    with pytest.raises(ValueError, match="output_sequence_length must not be set"):
        TV(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ragged=True needs output_mode='int'"):
        TV(output_mode="count", ragged=True)
    with pytest.raises(ValueError, match="idf_weights must be given"):
        TV(output_mode="tf_idf", vocabulary=["a"])
    with pytest.raises(ValueError, match="idf_weights is only used"):
        TV(vocabulary=["a"], idf_weights=[1.0])
    with pytest.raises(ValueError, match="one weight per vocabulary token"):
        TV(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[1.0])
    with pytest.raises(ValueError, match="encoding must be"):
        TV(encoding="latin-1")
    with pytest.raises(ValueError, match="cannot adapt"):
        TV(vocabulary=["a"]).adapt(["a b"])
    with pytest.raises(ValueError, match="inputs must be strings"):
        TV(vocabulary=["a"])(wb.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="last dimension must be 1"):
        TV(vocabulary=["a"])(wb.constant([["a", "b"]]))
    with pytest.raises(ValueError, match="exceed max_tokens"):
        TV(max_tokens=3, vocabulary=["a", "b"])
