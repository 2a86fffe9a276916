"""String tensors (wb.string) and wb.strings, against TF's documented results."""

import warnings

import numpy as np
import pytest

import workbench as wb
import ragged
from workbench import errors


def test_string_constants_are_host_object_arrays_of_bytes():
    t = wb.constant(["a", "b"])
    assert t.dtype == wb.string and t.device.kind == "cpu"
    assert repr(t) == "<wb.Tensor: shape=(2,), dtype=string, numpy=array([b'a', b'b'], dtype=object)>"
    assert wb.constant("abc").numpy() == b"abc"
    assert repr(wb.constant(b"x")) == "<wb.Tensor: shape=(), dtype=string, numpy=b'x'>"
    assert wb.constant(np.array(["x", "yy"])).numpy().tolist() == [b"x", b"yy"]
    assert wb.constant("é", dtype="string").numpy() == "é".encode()
    assert wb.TensorSpec([2], dtype=wb.string).is_compatible_with(t)
    with pytest.raises(TypeError, match="str or bytes"):
        wb.constant(["a", 1])
    assert wb.constant([1, 2]).dtype == wb.int32


def test_indexing_iteration_and_specs_of_string_tensors():
    t = wb.constant([["a", "b"], ["c", "d"]])
    assert repr(t[0, 1]) == "<wb.Tensor: shape=(), dtype=string, numpy=b'b'>"
    assert t[1].numpy().tolist() == [b"c", b"d"]
    assert [s.numpy() for s in wb.constant(["x", "y"])] == [b"x", b"y"]
    assert repr(wb.TensorSpec([None], wb.string)) == "TensorSpec(shape=(None,), dtype=wb.string, name=None)"
    ds = wb.data.Dataset.from_tensor_slices(["hello world", "a"]).map(wb.strings.upper)
    assert [e.numpy() for e in ds] == [b"HELLO WORLD", b"A"]


def test_string_steps_replay_in_a_function():
    traces = []

    @wb.function
    def f(x):
        traces.append(1)
        return wb.strings.length(wb.strings.upper(x)) * 2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(wb.constant(["ab", "c"])).numpy().tolist() == [4, 2]
        assert f(wb.constant(["abcd", "cc"])).numpy().tolist() == [8, 4]
    assert len(traces) == 1


def test_print_shows_strings_quoted(capsys):
    wb.print(wb.constant(["a", "b"]), wb.constant("x"))
    assert capsys.readouterr().err == '["a" "b"] "x"\n'


def test_string_variables():
    v = wb.Variable(["a", "b"], trainable=False, name="words")
    assert repr(v).endswith("shape=(2,) dtype=string, numpy=array([b'a', b'b'], dtype=object)>")
    v.assign(["c", "d"])
    assert v.numpy().tolist() == [b"c", b"d"]


def test_string_equality_is_elementwise():
    t = wb.constant(["a", "b"])
    assert (t == wb.constant(["a", "c"])).numpy().tolist() == [True, False]
    assert (t != "a").numpy().tolist() == [False, True]
    with pytest.raises(TypeError):
        wb.constant([1.0]) == t  # noqa: B015


def test_length_lower_upper_strip():
    t = wb.constant(["héllo", " A b "])
    assert wb.strings.length(t).numpy().tolist() == [6, 5]
    assert wb.strings.length(t, unit="UTF8_CHAR").numpy().tolist() == [5, 5]
    assert wb.strings.lower(t).numpy().tolist() == ["héllo".encode(), b" a b "]
    assert wb.strings.upper(t, encoding="utf-8").numpy().tolist() == ["HÉLLO".encode(), b" A B "]
    assert wb.strings.upper(t).numpy()[0] == "HéLLO".encode()   # ASCII only by default, as TF
    assert wb.strings.strip(t).numpy().tolist() == ["héllo".encode(), b"A b"]
    with pytest.raises(ValueError, match="unit"):
        wb.strings.length(t, unit="CHAR")


def test_split_gives_ragged_rows():
    out = wb.strings.split(wb.constant(["hello world", "a  b c", ""]))
    assert isinstance(out, ragged.RaggedTensor)
    assert out.to_list() == [[b"hello", b"world"], [b"a", b"b", b"c"], []]
    assert wb.strings.split(wb.constant("1<>2<><>3"), sep="<>").numpy().tolist() == [b"1", b"2", b"", b"3"]
    assert wb.strings.split(wb.constant([["a b"], ["c"]])).to_list() == [[[b"a", b"b"]], [[b"c"]]]
    assert wb.strings.split(wb.constant(["a,b,c"]), sep=",", maxsplit=1).to_list() == [[b"a", b"b,c"]]
    assert wb.strings.split(wb.constant(" a  b "), sep="").numpy().tolist() == [b"a", b"b"]
    assert wb.strings.split(wb.constant(["", "x"]), sep=",").to_list() == [[b""], [b"x"]]


def test_join_reduce_join_substr():
    assert wb.strings.join([wb.constant(["a", "b"]), "x"], separator="-").numpy().tolist() == [b"a-x", b"b-x"]
    t = wb.constant([["abc", "1"], ["def", "2"]])
    assert wb.strings.reduce_join(t).numpy() == b"abc1def2"
    assert wb.strings.reduce_join(t, axis=1, separator=",").numpy().tolist() == [b"abc,1", b"def,2"]
    assert wb.strings.reduce_join(t, axis=0, keepdims=True).shape == (1, 2)
    assert wb.strings.substr(wb.constant(["Hello", "World"]), 1, 3).numpy().tolist() == [b"ell", b"orl"]
    assert wb.strings.substr(wb.constant("héllo"), -4, 2, unit="UTF8_CHAR").numpy() == "él".encode()
    assert wb.strings.substr(wb.constant(["ab", "cd"]), [0, 1], [5, 5]).numpy().tolist() == [b"ab", b"d"]
    with pytest.raises(errors.InvalidArgumentError, match="same shape"):   # TF 2.21: pos and len of one shape
        wb.strings.substr(wb.constant(["ab", "cd"]), [0, 1], 5)
    with pytest.raises(errors.InvalidArgumentError):
        wb.strings.substr(wb.constant("ab"), 3, 1)


def test_regex_to_number_as_string_format():
    t = wb.constant(["hello", "world"])
    assert wb.strings.regex_replace(t, "l+", "L").numpy().tolist() == [b"heLo", b"worLd"]
    assert wb.strings.regex_replace(t, "(o)", r"[\1\0]", replace_global=False).numpy()[0] == b"hell[oo]"
    assert wb.strings.regex_full_match(t, "h.*o").numpy().tolist() == [True, False]
    np.testing.assert_array_equal(wb.strings.to_number(["1.5", "-2"]).numpy(), np.float32([1.5, -2]))
    assert wb.strings.to_number(["7"], out_type=wb.int64).dtype == wb.int64
    with pytest.raises(errors.InvalidArgumentError, match="could not correctly convert"):
        wb.strings.to_number(["x1"])
    assert wb.strings.as_string([3.5, 2.0]).numpy().tolist() == [b"3.500000", b"2.000000"]
    assert wb.strings.as_string([1.23456], precision=2, scientific=True).numpy().tolist() == [b"1.23e+00"]
    assert wb.strings.as_string([7], width=3, fill="0").numpy().tolist() == [b"007"]
    assert wb.strings.as_string([True, False]).numpy().tolist() == [b"true", b"false"]
    out = wb.strings.format("v={} s={}", [wb.constant([1, 2, 3, 4, 5, 6, 7]), wb.constant("x")])
    assert out.numpy() == b'v=[1 2 3 ... 5 6 7] s="x"'
    with pytest.raises(ValueError, match="placeholders"):
        wb.strings.format("{}", [1, 2])


def test_unicode_and_hash_buckets():
    t = wb.constant(["hé", "a"])
    cps = wb.strings.unicode_decode(t, "UTF-8")
    assert cps.to_list() == [[104, 233], [97]]
    assert wb.strings.unicode_encode(cps, "UTF-8").numpy().tolist() == ["hé".encode(), b"a"]
    assert wb.strings.unicode_encode(wb.constant([104, 105]), "UTF-8").numpy() == b"hi"
    assert wb.strings.unicode_split(t, "UTF-8").to_list() == [[b"h", "é".encode()], [b"a"]]
    assert wb.strings.unicode_decode(wb.constant(b"a\xffb"), "UTF-8").numpy().tolist() == [97, 65533, 98]
    # TF's documented example
    out = wb.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3)
    assert out.dtype == wb.int64 and out.numpy().tolist() == [0, 2, 2]
    strong = wb.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2])
    assert strong.numpy().tolist() == [2, 0]
    assert wb.strings.bytes_split(wb.constant(["ab", ""])).to_list() == [[b"a", b"b"], []]


def test_ragged_strings_map_their_flat_values():
    rt = wb.strings.split(wb.constant(["Ab c", "D"]))
    assert wb.strings.lower(rt).to_list() == [[b"ab", b"c"], [b"d"]]
    assert wb.strings.length(rt).to_list() == [[2, 1], [1]]
    assert wb.strings.reduce_join(rt, axis=-1, separator=" ").numpy().tolist() == [b"Ab c", b"D"]
    words = wb.strings.split(wb.constant([["a b", "c"], ["d e f", ""]]))
    assert wb.strings.reduce_join(words, axis=-1, separator="+").to_list() == [[b"a+b", b"c"], [b"d+e+f", b""]]
    # TF 2.21 joins a RaggedTensor along any axis, as its other reductions
    assert wb.strings.reduce_join(rt, axis=0).numpy().tolist() == [b"AbD", b"c"]


# -- keras.layers.StringLookup (Keras' documented examples) ----------------------------------------

def test_string_lookup_vocabulary_oov_and_adapt():
    StringLookup = wb.keras.layers.StringLookup
    vocab = ["a", "b", "c", "d"]
    data = wb.constant([["a", "c", "d"], ["d", "z", "b"]])
    out = StringLookup(vocabulary=vocab)(data)
    assert out.dtype == wb.int64 and out.numpy().tolist() == [[1, 3, 4], [4, 0, 2]]
    assert StringLookup(vocabulary=vocab, num_oov_indices=2)(data).numpy().tolist() == [[2, 4, 5], [5, 1, 3]]
    layer = StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer(data).numpy().tolist() == [[5, 3, 1], [1, 2, 4]]
    masked = StringLookup(vocabulary=vocab, mask_token="")
    assert masked(wb.constant(["a", "", "q"])).numpy().tolist() == [2, 0, 1]
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        StringLookup(vocabulary=vocab, num_oov_indices=0)(wb.constant(["q"]))


def test_string_lookup_modes_invert_and_config():
    StringLookup = wb.keras.layers.StringLookup
    vocab = ["a", "b", "c", "d"]
    data = wb.constant([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    counts = StringLookup(vocabulary=vocab, output_mode="count")(data).numpy()
    np.testing.assert_array_equal(counts, [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    multi = StringLookup(vocabulary=vocab, output_mode="multi_hot")(data).numpy()
    np.testing.assert_array_equal(multi, [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    inverse = StringLookup(vocabulary=vocab, invert=True)(wb.constant([[1, 3, 4], [4, 0, 2]]))
    assert inverse.dtype == wb.string
    assert inverse.numpy().tolist() == [[b"a", b"c", b"d"], [b"d", b"[UNK]", b"b"]]
    layer = StringLookup(vocabulary=vocab, output_mode="one_hot")
    again = StringLookup.from_config(layer.get_config())
    assert again.get_vocabulary() == layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    with pytest.raises(ValueError, match="output_mode"):
        StringLookup(output_mode="bogus")


def test_fingerprint64_of_every_length_matches_farmhash():
    from workbench.strings.hashes import fingerprint64  # only this test needs the raw hash
    # values of FarmHash's Fingerprint64 (the reference C++ implementation)
    assert fingerprint64(b"Hello") == 15404698994557526151
    assert fingerprint64(b"x" * 100) == 6590480085648050719
    assert fingerprint64(b"a" * 65) == 7778058094944459892
    assert fingerprint64(bytes(range(128))) == 2037963038260878803
    assert fingerprint64(("tensorflow " * 50).encode()) == 2983577492758621101
    long_text = wb.constant(["tensorflow " * 50])
    assert wb.strings.to_hash_bucket_fast(long_text, 1000).numpy().tolist() == [2983577492758621101 % 1000]


def test_ngrams_dense_and_ragged():
    tokens = wb.constant(["A", "B", "C", "D"])
    assert wb.strings.ngrams(tokens, 2).numpy().tolist() == [b"A B", b"B C", b"C D"]   # TF's example
    assert wb.strings.ngrams(tokens, [1, 3], separator="|").numpy().tolist() == [
        b"A", b"B", b"C", b"D", b"A|B|C", b"B|C|D"]
    assert wb.strings.ngrams(wb.constant(["A", "B"]), 3, pad_values="#").numpy().tolist() == [
        b"# # A", b"# A B", b"A B #", b"B # #"]
    words = wb.strings.split(wb.constant(["a b c", "d"]))
    assert wb.strings.ngrams(words, 2).to_list() == [[b"a b", b"b c"], []]
    assert wb.strings.ngrams(words, 2, preserve_short_sequences=True).to_list() == [[b"a b", b"b c"], [b"d"]]
    with pytest.raises(ValueError, match="ngram_width"):
        wb.strings.ngrams(tokens, 0)


def test_join_of_ragged_inputs():
    # TF's ragged tensor guide: word bigrams of ragged sentences
    queries = ragged.constant([["Who", "is"], ["Pause"]])
    padded = wb.concat([wb.fill([queries.nrows(), 1], "#"), queries, wb.fill([queries.nrows(), 1], "#")], axis=1)
    bigrams = wb.strings.join([padded[:, :-1], padded[:, 1:]], separator="+")
    assert bigrams.to_list() == [[b"#+Who", b"Who+is", b"is+#"], [b"#+Pause", b"Pause+#"]]
    assert wb.strings.join([queries, "!"]).to_list() == [[b"Who!", b"is!"], [b"Pause!"]]
    with pytest.raises(ValueError, match="same row partitions"):
        wb.strings.join([queries, padded])
    with pytest.raises(ValueError, match="must be scalars"):
        wb.strings.join([queries, ["a", "b"]])


def test_as_string_of_ragged_values():
    # TF 2.21: the flat values are formatted, the row partition kept
    assert wb.strings.as_string(ragged.constant([[3, 1], [], [5]])).to_list() == [[b"3", b"1"], [], [b"5"]]
    assert wb.strings.as_string(ragged.constant([[1.5], []]), precision=2).to_list() == [[b"1.50"], []]
