"""``wb.print`` and ``wb.strings.format`` share one printer with TF 2.21's rules (values pinned from
TF): float digits judged at float32 precision for float16, subnormals shown as 0, complex as ``?``,
strings C-escaped, empty inner dimensions as TF's ``[\\n ...]``, a lone string scalar printed as
its text."""

import io

import numpy as np
import pytest

import workbench as wb

CASES = [
    (lambda: wb.constant([0.1, 1 / 3, 1e-8, 123456789.0, float("nan"), -float("inf")]),
     "[0.1 0.333333343 ... nan -inf]"),
    (lambda: wb.constant([0.1, 1 / 3], wb.float64), "[0.1 0.33333333333333331]"),
    (lambda: wb.constant([True, False]), "[1 0]"),
    (lambda: wb.constant(["a\nb", "q\"'", "\x01z", "é"]), '["a\\nb" "q\\"\\\'" "\\001z" "é"]'),
    (lambda: wb.constant([1 + 2j], wb.complex64), "[?]"),
    (lambda: wb.constant(np.float16(0.1)), "0.0999755859"),
    (lambda: wb.zeros([2, 0]), "[\n ...]"),
    (lambda: wb.zeros([3, 1, 0]), "[\n\n ...]"),
    (lambda: wb.zeros([0, 2]), "[]"),
    (lambda: wb.range(10), "[0 1 ... 8 9]"),
    (lambda: wb.constant([1e20, 1.5e-45]), "[1e+20 0]"),
    (lambda: wb.constant(7, wb.uint8), "7"),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_print_and_format_agree_with_tf(i):
    make, expected = CASES[i]
    out = io.StringIO()
    wb.print(make(), summarize=2, output_stream=out)
    assert out.getvalue() == expected + "\n"
    assert wb.strings.format("{}", make(), summarize=2).numpy().decode() == expected


def test_lone_string_scalar_prints_as_its_text():
    out = io.StringIO()
    wb.print(wb.constant("hi"), output_stream=out)
    wb.print("x", wb.constant("hi"), [wb.constant("a")], output_stream=out)
    wb.print(wb.strings.format("{}", wb.zeros([2])), output_stream=out)
    assert out.getvalue() == 'hi\nx "hi" ["a"]\n[0 0]\n'
