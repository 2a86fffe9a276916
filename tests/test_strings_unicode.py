"""``wb.strings.unicode_*`` against TF's documented examples (the API pages and the "Unicode
strings" guide): decode / encode / split (with offsets) / transcode, the ``errors`` modes,
``replacement_char``, ``replace_control_characters`` and the encodings TF names."""

import numpy as np
import pytest

import ragged  # noqa: F401  (registers the RaggedTensor factory the splitting ops return)
import workbench as wb

S = wb.strings
WORDS = [s.encode("utf8") for s in ("G\xf6\xf6dnight", "\U0001f60a")]
WORD_POINTS = [[71, 246, 246, 100, 110, 105, 103, 104, 116], [128522]]


def test_decode_split_and_encode_match_the_api_pages():
    cps = S.unicode_decode(WORDS, "UTF-8")
    assert cps.to_list() == WORD_POINTS and cps.dtype == np.int32
    assert S.unicode_split(WORDS, "UTF-8").to_list() == [
        [b"G", b"\xc3\xb6", b"\xc3\xb6", b"d", b"n", b"i", b"g", b"h", b"t"], [b"\xf0\x9f\x98\x8a"]]
    encoded = S.unicode_encode(ragged.constant(WORD_POINTS), "UTF-8")
    assert encoded.numpy().tolist() == [b"G\xc3\xb6\xc3\xb6dnight", b"\xf0\x9f\x98\x8a"]
    chars, offsets = S.unicode_split_with_offsets(WORDS, "UTF-8")
    assert chars.to_list()[1] == [b"\xf0\x9f\x98\x8a"]
    assert offsets.to_list() == [[0, 1, 3, 5, 6, 7, 8, 9, 10], [0]] and offsets.dtype == np.int64
    points, offsets = S.unicode_decode_with_offsets(WORDS, "UTF-8")
    assert points.to_list() == WORD_POINTS and offsets.to_list() == [[0, 1, 3, 5, 6, 7, 8, 9, 10], [0]]


def test_the_unicode_guide():
    text_utf8 = wb.constant("语言处理")
    chars = S.unicode_decode(text_utf8, input_encoding="UTF-8")
    assert isinstance(chars, wb.Tensor) and chars.numpy().tolist() == [35821, 35328, 22788, 29702]
    assert S.unicode_encode(chars, output_encoding="UTF-8").numpy() == b"\xe8\xaf\xad\xe8\xa8\x80\xe5\xa4\x84\xe7\x90\x86"
    assert S.unicode_transcode(text_utf8, input_encoding="UTF8", output_encoding="UTF-16-BE").numpy() == \
        b"\x8b\xed\x8a\x00Y\x04t\x06"
    batch = [s.encode("UTF-8") for s in ["hÃllo", "What is the weather tomorrow", "Göödnight", "😊"]]
    ragged_chars = S.unicode_decode(batch, input_encoding="UTF-8")
    assert ragged_chars.to_list()[0] == [104, 195, 108, 108, 111]
    assert S.unicode_encode(ragged_chars, output_encoding="UTF-8").numpy().tolist() == batch
    padded = ragged_chars.to_tensor(default_value=-1)
    again = ragged.RaggedTensor.from_tensor(padded, padding=-1)
    assert S.unicode_encode(again, output_encoding="UTF-8").numpy().tolist() == batch
    points, offsets = S.unicode_decode_with_offsets("🎈🎉🎊", "UTF-8")
    assert points.numpy().tolist() == [127880, 127881, 127882] and offsets.numpy().tolist() == [0, 4, 8]


def test_transcode_matches_the_api_page():
    out = S.unicode_transcode([b"Hello", b"Hello World!"], "UTF-8", "UTF-16-BE")
    assert out.numpy().tolist() == [b"\x00H\x00e\x00l\x00l\x00o",
                                    b"\x00H\x00e\x00l\x00l\x00o\x00 \x00W\x00o\x00r\x00l\x00d\x00!"]
    assert S.unicode_transcode(["A", "B", "C"], "US ASCII", "UTF-8").numpy().tolist() == [b"A", b"B", b"C"]
    grid = wb.constant([["é", "x"], ["😊", ""]])
    back = S.unicode_transcode(S.unicode_transcode(grid, "UTF-8", "UTF-32-BE"), "UTF-32-BE", "UTF-8")
    assert back.shape == (2, 2) and back.numpy().tolist() == grid.numpy().tolist()
    assert S.unicode_transcode(wb.constant([b"a\xffb"]), "UTF-8", "UTF-8").numpy()[0] == "a\ufffdb".encode()
    assert S.unicode_transcode(wb.constant([b"a\xffb"]), "UTF-8", "UTF-8", errors="ignore").numpy()[0] == b"ab"
    assert S.unicode_transcode(wb.constant([b"a\x01"]), "UTF-8", "UTF-8", replacement_char=63,
                               replace_control_characters=True).numpy()[0] == b"a?"
    assert S.unicode_transcode(wb.constant([b"\xe9"]), "ISO-8859-1", "UTF-8").numpy()[0] == "é".encode()


def test_error_modes_replacement_and_offsets_of_bad_bytes():
    bad = wb.constant([b"a\xffb\xe2\x82c"])          # a stray byte, then a truncated 3-byte sequence
    cps, offsets = S.unicode_decode_with_offsets(bad, "UTF-8")
    assert cps.to_list() == [[97, 65533, 98, 65533, 99]] and offsets.to_list() == [[0, 1, 2, 3, 5]]
    cps, offsets = S.unicode_decode_with_offsets(bad, "UTF-8", errors="ignore")
    assert cps.to_list() == [[97, 98, 99]] and offsets.to_list() == [[0, 2, 5]]
    assert S.unicode_decode(bad, "UTF-8", replacement_char=0x2A).to_list() == [[97, 42, 98, 42, 99]]
    assert S.unicode_split(bad, "UTF-8", replacement_char=0x2A).to_list() == [[b"a", b"*", b"b", b"*", b"c"]]
    with pytest.raises(wb.errors.InvalidArgumentError, match="not valid UTF-8 at byte 1"):
        S.unicode_decode(bad, "UTF-8", errors="strict")
    controls = S.unicode_decode(wb.constant([b"\x00a\x7f\xc2\x85"]), "UTF-8", replace_control_characters=True)
    assert controls.to_list() == [[65533, 97, 127, 133]]   # TF 2.21: the C0 controls only
    assert S.unicode_decode(wb.constant([b"\x00a"]), "UTF-8").to_list() == [[0, 97]]


def test_encode_invalid_code_points_and_encodings():
    cps = wb.constant([[104, -1, 0xD800, 105]])
    assert S.unicode_encode(cps, "UTF-8").numpy().tolist() == ["h\ufffd\ufffdi".encode()]
    assert S.unicode_encode(cps, "UTF-8", errors="ignore").numpy().tolist() == [b"hi"]
    assert S.unicode_encode(cps, "UTF-8", replacement_char=63).numpy().tolist() == [b"h??i"]
    with pytest.raises(wb.errors.InvalidArgumentError, match="not a valid code point"):
        S.unicode_encode(cps, "UTF-8", errors="strict")
    assert S.unicode_encode(wb.constant([0x1F60A]), "UTF-16-BE").numpy() == b"\xd8\x3d\xde\x0a"
    assert S.unicode_encode(wb.constant([72, 105]), "UTF-32-BE").numpy() == b"\x00\x00\x00H\x00\x00\x00i"
    utf16 = "\U0001f60aa".encode("utf-16-be")
    cps, offsets = S.unicode_decode_with_offsets(wb.constant([utf16]), "UTF-16-BE")
    assert cps.to_list() == [[128522, 97]] and offsets.to_list() == [[0, 4]]


def test_rank_and_ragged_inputs_keep_their_structure():
    nested = S.unicode_decode(wb.constant([[b"ab"], [b"c"]]), "UTF-8")
    assert nested.to_list() == [[[97, 98]], [[99]]]
    words = ragged.constant([[b"h\xc3\xa9", b"x"], []])
    assert S.unicode_decode(words, "UTF-8").to_list() == [[[104, 233], [120]], []]
    points, offsets = S.unicode_decode_with_offsets(words, "UTF-8")
    assert offsets.to_list() == [[[0, 1], [0]], []]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="errors must be"):
        S.unicode_decode(WORDS, "UTF-8", errors="bogus")
    with pytest.raises(ValueError, match="output encoding must be"):
        S.unicode_encode(wb.constant([65]), "latin-1")
    with pytest.raises(ValueError, match="output encoding must be"):
        S.unicode_transcode(WORDS, "UTF-8", "UTF-16-LE")
    with pytest.raises(ValueError, match="input encoding"):
        S.unicode_decode(WORDS, "no-such-codec")
    with pytest.raises(ValueError, match="byte-order"):
        S.unicode_decode(WORDS, "UTF-16")
    with pytest.raises(ValueError, match="replacement_char"):
        S.unicode_decode(WORDS, "UTF-8", replacement_char=-5)
    with pytest.raises(TypeError, match="input must be a string tensor"):
        S.unicode_decode(wb.constant([1.0]), "UTF-8")


def test_unicode_script_and_the_guides_word_segmentation():
    assert S.unicode_script([33464, 1041]).numpy().tolist() == [17, 8]          # 芸 Han, Б Cyrillic
    odd = S.unicode_script(wb.constant([-1, 0x110000, 0x0301, 0xD800, 0x10FFFF, 65, 0x30FC, 0x3053]))
    assert odd.dtype == np.int32 and odd.numpy().tolist() == [-1, -1, 1, 103, 103, 25, 0, 20]
    assert int(S.unicode_script(wb.constant(0x0905))) == 10                       # Devanagari
    for bad in (wb.constant([1.5]), wb.constant([65], wb.int64)):   # TF 2.21: int32 only
        with pytest.raises(wb.errors.InvalidArgumentError, match="int32 code points"):
            S.unicode_script(bad)
    # the guide: split sentences into words where the script changes
    codepoints = S.unicode_decode(["Hello, world.", "世界こんにちは"], "UTF-8")
    script = S.unicode_script(codepoints)
    assert script.to_list() == [[25, 25, 25, 25, 25, 0, 0, 25, 25, 25, 25, 25, 0], [17, 17, 20, 20, 20, 20, 20]]
    starts_word = wb.concat([wb.fill([script.nrows(), 1], True), wb.not_equal(script[:, 1:], script[:, :-1])], axis=1)
    word_starts = wb.squeeze(wb.where(starts_word.values), axis=1)
    words = ragged.RaggedTensor.from_row_starts(values=codepoints.values, row_starts=word_starts)
    per_sentence = wb.reduce_sum(wb.cast(starts_word, wb.int64), axis=1)
    nested = ragged.RaggedTensor.from_row_lengths(values=words, row_lengths=per_sentence)
    assert S.unicode_encode(nested, "UTF-8").to_list() == [
        [b"Hello", b", ", b"world", b"."],
        [b"\xe4\xb8\x96\xe7\x95\x8c", b"\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf"]]
