"""String ops (TF's ``tf.strings``) on string tensors: host NumPy object arrays of ``bytes``.

>>> wb.strings.length(wb.constant(["ab", "c"])).numpy()
array([2, 1], dtype=int32)

Ops work element by element in Python (text preprocessing, not hot loops). A RaggedTensor of
strings goes through the elementwise ops by its flat values. ``regex_replace`` and
``regex_full_match`` use Python's ``re`` on bytes, not RE2: patterns are RE2's syntax where the
two agree (most of it), ``.`` and character classes match one byte rather than one UTF-8
character, and RE2's ``\\0`` in a rewrite (the whole match) is accepted; Python-only syntax
(lookarounds, backreferences in patterns) is accepted here where RE2 would refuse it.
"""

from __future__ import annotations

import codecs
import math
import importlib
import re

import numpy as np

from .. import core, errors
from ..core import Tensor, convert_to_tensor, string_array, wrap, wrap_constant
from ..ops.printing import format_tensor
from . import scripts
from .hashes import fingerprint64, hash64, siphash24

__all__ = ["as_string", "bytes_split", "format", "join", "length", "lower", "ngrams", "reduce_join", "regex_full_match",
           "regex_replace", "split", "strip", "substr", "to_hash_bucket", "to_hash_bucket_fast",
           "to_hash_bucket_strong", "to_number",
           "unicode_decode", "unicode_decode_with_offsets", "unicode_encode", "unicode_script", "unicode_split",
           "unicode_split_with_offsets", "unicode_transcode", "unsorted_segment_join", "upper", "register_ragged"]

# RaggedTensors are made by the ragged package, which this core module does not import: the
# ragged package registers its ``from_nested_row_splits`` here when it is imported
_ragged_factory: list = []


def register_ragged(from_nested_row_splits):
    """Register ``from_nested_row_splits(values, splits_list)`` for ops that return ragged rows."""
    _ragged_factory[:] = [from_nested_row_splits]


def _ragged(values, splits_list, where, like=None):
    """A RaggedTensor of ``values`` split by ``splits_list``. Inside a ``wb.function`` trace its
    static shape is TF's: the values' count unknown, the row count ``like``'s (a ragged input
    whose outer rows it keeps) or unknown."""
    if not _ragged_factory:
        # the ragged package sits above this core module (layering): imported when first needed,
        # it registers its factory (wb.strings may have been imported before it, by the ops)
        importlib.import_module("ragged")
    if not _ragged_factory:
        raise RuntimeError(f"{where} returns a RaggedTensor and the ragged package did not register "
                           "its factory")
    out = _ragged_factory[0](wrap(values), [wrap(np.asarray(s, np.int64)) for s in splits_list])
    if core.tracing():
        out._partition.set_static_nrows(None if like is None else like._partition._static_nrows)
        core.static_result(out.flat_values, (None,) + tuple(out.flat_values._data.shape[1:]))
    return out


def _is_ragged(x) -> bool:
    return hasattr(x, "flat_values") and hasattr(x, "with_flat_values")


def _strings(x, arg, fn):
    """The host object array of bytes behind ``x`` (a string tensor, str/bytes or lists)."""
    if isinstance(x, Tensor):
        arr = x._data
        if arr.dtype.kind != "O":
            raise TypeError(f"{fn}: {arg} must be a string tensor, got a tensor of dtype {x.dtype}")
        return arr
    try:
        return string_array(x)
    except TypeError as exc:
        raise TypeError(f"{fn}: {arg} must be strings, got {type(x).__name__}: {exc}") from None


def _bytes(value, arg, fn) -> bytes:
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError(f"{fn}: {arg} must be a str or bytes, got {value!r} ({type(value).__name__})")


def _map_fwd(xp, arr, func, dtype):
    out = np.empty(arr.shape, dtype=dtype)
    flat = out.reshape(-1)
    for i, s in enumerate(arr.flat):
        flat[i] = func(s)
    return out


# one op for every elementwise string function (the function is its parameter), so that a
# wb.function trace records and replays string steps like any other op
_MAP_OP = core.defop("strings_map", _map_fwd)


def _map(x, arg, fn, func, dtype=object):
    """Apply ``func`` to each string of ``x`` (a ragged input maps its flat values)."""
    if _is_ragged(x):
        return x.with_flat_values(_map(x.flat_values, arg, fn, func, dtype))
    if not isinstance(x, Tensor):
        x = wrap_constant(_strings(x, arg, fn))
    else:
        _strings(x, arg, fn)
    return core.apply(_MAP_OP, (x,), {"func": func, "dtype": dtype})


def _unit(unit, fn):
    if unit not in ("BYTE", "UTF8_CHAR"):   # TF 2.21: the op's attribute check (InvalidArgumentError)
        raise errors.InvalidArgumentError(None, None, f"{fn}: unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")
    return unit


def _decode(s: bytes, fn, errors_="strict") -> str:
    try:
        return s.decode("utf-8", errors_)
    except UnicodeDecodeError as exc:
        raise errors.InvalidArgumentError(None, None, f"{fn}: {s!r} is not valid UTF-8 ({exc})") from None


# ---------------------------------------------------------------------------
# elementwise

def length(input, unit="BYTE", name=None):  # noqa: A002 - TF's name
    """The length of each string in bytes (``unit="BYTE"``) or UTF-8 characters (``"UTF8_CHAR"``:
    as TF, the bytes that do not continue a sequence, 0x80-0xBF), int32."""
    if _unit(unit, "length") == "BYTE":
        return _map(input, "input", "length", len, np.int32)
    return _map(input, "input", "length", lambda s: sum(1 for b in s if b & 0xC0 != 0x80), np.int32)


def lower(input, encoding="", name=None):  # noqa: A002
    """Lowercase: ASCII letters only with ``encoding=""`` (TF's default), every letter with ``"utf-8"``."""
    if encoding == "":
        return _map(input, "input", "lower", bytes.lower)
    _encoding(encoding, "lower")
    return _map(input, "input", "lower", lambda s: _decode(s, "lower").lower().encode("utf-8"))


def upper(input, encoding="", name=None):  # noqa: A002
    """Uppercase: ASCII letters only with ``encoding=""`` (TF's default), every letter with ``"utf-8"``."""
    if encoding == "":
        return _map(input, "input", "upper", bytes.upper)
    _encoding(encoding, "upper")
    return _map(input, "input", "upper", lambda s: _decode(s, "upper").upper().encode("utf-8"))


def _encoding(encoding, fn):
    if encoding.lower().replace("-", "") != "utf8":   # TF 2.21: its kernel's InvalidArgumentError
        raise errors.InvalidArgumentError(None, None, f"{fn}: encoding must be '' or 'utf-8', got {encoding!r}")


def strip(input, name=None):  # noqa: A002
    """Remove leading and trailing ASCII whitespace."""
    return _map(input, "input", "strip", bytes.strip)


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether each string matches ``pattern`` (RE2 syntax, as TF) entirely (bool)."""
    rx = _compile(pattern, "regex_full_match")
    return _map(input, "input", "regex_full_match", lambda s: rx.fullmatch(_text(s)) is not None, np.bool_)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replace the matches of ``pattern`` (RE2 syntax, as TF) with ``rewrite`` (``\\1`` for a
    group, ``\\0`` for the whole match, ``\\\\`` for a backslash); only the first match when
    ``replace_global=False``. As RE2: an empty match right after a match is skipped, and a
    rewrite naming a group the pattern lacks leaves the strings as they are."""
    rx = _compile(pattern, "regex_replace")
    parts = _rewrite_parts(_bytes(rewrite, "rewrite", "regex_replace").decode("utf-8", "surrogateescape"))
    if any(isinstance(p, int) and p > rx.groups for p in parts):
        return _map(input, "input", "regex_replace", lambda s: s)   # RE2 refuses the rewrite: no change

    def expand(m):
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)

    def replace(s):
        text = _text(s)
        out, pos, last_end, count, size = [], 0, -1, 0, builtin_len(text)
        while pos <= size:
            m = rx.search(text, pos)
            if m is None:
                break
            start, end = m.span()
            out.append(text[pos:start])
            if start == end == last_end:   # RE2: no empty match where the last match ended
                if start < size:
                    out.append(text[start])
                pos = start + 1
                continue
            out.append(expand(m))
            pos = last_end = end
            count += 1
            if not replace_global:
                break
        if not count:
            return s
        out.append(text[pos:])
        return "".join(out).encode("utf-8", "surrogateescape")
    return _map(input, "input", "regex_replace", replace)


def _text(s: bytes) -> str:
    """A string's bytes as text for matching (an invalid byte is one character, as in RE2)."""
    return s.decode("utf-8", "surrogateescape")


def _rewrite_parts(rewrite: str) -> list:
    """RE2's rewrite string as literal pieces and group numbers (``\\0``-``\\9``); ``\\\\`` is a
    backslash, and another escape ends the rewrite (RE2 stops there)."""
    parts, i = [], 0
    while i < builtin_len(rewrite):
        j = rewrite.find("\\", i)
        if j < 0:
            parts.append(rewrite[i:])
            break
        parts.append(rewrite[i:j])
        nxt = rewrite[j + 1:j + 2]
        if nxt.isdigit() and nxt.isascii():
            parts.append(int(nxt))
        elif nxt == "\\":
            parts.append("\\")
        else:
            break
        i = j + 2
    return parts


# RE2's POSIX classes (ASCII), as the contents of a Python character class
_POSIX = {"alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
          "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
          "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\x0b\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_",
          "xdigit": "0-9A-Fa-f"}
_UNICODE_CLASSES = {"L": "[^\\W\\d_]", "Letter": "[^\\W\\d_]", "N": "\\d", "Nd": "\\d"}


_WORD = "0-9A-Za-z_"
_ASCII_ESCAPES = {"d": "[0-9]", "D": "[^0-9]", "w": f"[{_WORD}]", "W": f"[^{_WORD}]", "s": "[\\t\\n\\f\\r ]",
                  "S": "[^\\t\\n\\f\\r ]", "C": "(?s:.)", "z": "\\Z",
                  "b": f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))",
                  "B": f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))"}
_IN_CLASS_ESCAPES = {"d": "0-9", "w": _WORD, "s": "\\t\\n\\f\\r "}
_INVALID_BYTES = "\\udc80-\\udcff"   # how _text holds bytes that are not UTF-8: RE2 matches none of them


def _re2_to_python(p: str) -> str:
    """An RE2 pattern as a Python one: ``\\Q...\\E``, ``\\C``, ``\\z``, POSIX classes,
    ``\\pL``/``\\pN``, RE2's ASCII ``\\d \\w \\s \\b`` (Unicode case folding stays), ``.`` and
    negated classes that match no invalid byte; what RE2 lacks (lookaround, backreferences,
    ``(?<name>``) raises ``re.error`` with RE2's words."""
    out, i, n, in_class = [], 0, builtin_len(p), False
    while i < n:
        c = p[i]
        if c == "\\":
            d = p[i + 1:i + 2]
            if not d:
                raise re.error("trailing \\")
            if d == "Q":
                j = p.find("\\E", i + 2)
                literal = p[i + 2:] if j < 0 else p[i + 2:j]
                out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in literal))
                i = n if j < 0 else j + 2
                continue
            if d == "E":
                i += 2
                continue
            if d in "pP":
                if p[i + 2:i + 3] == "{":
                    j = p.find("}", i + 3)
                    key, i = p[i + 3:j], j + 1
                else:
                    key, i = p[i + 2:i + 3], i + 3
                if key not in _UNICODE_CLASSES or in_class:
                    raise re.error(f"unsupported Unicode class: \\{d}{key}")
                inner = _UNICODE_CLASSES[key]
                out.append(f"(?u:{inner})" if d == "p" else f"(?u:(?!{inner})(?s:.))")
                continue
            if d.isdigit() and d != "0":
                raise re.error(f"invalid escape sequence: \\{d}")
            if d == "Z":
                raise re.error("invalid escape sequence: \\Z")
            mapped = _IN_CLASS_ESCAPES.get(d) if in_class else _ASCII_ESCAPES.get(d)
            out.append(c + d if mapped is None else mapped)
            i += 2
            continue
        if in_class:
            if p.startswith("[:", i):
                j = p.find(":]", i + 2)
                name = p[i + 2:j] if j > 0 else ""
                if name not in _POSIX:
                    raise re.error(f"invalid character class range: [:{name}:]")
                out.append(_POSIX[name])
                i = j + 2
                continue
            if c == "[":
                out.append("\\[")
            elif c == "]":
                in_class = False
                out.append(c)
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if p[i:i + 1] == "^":
                out.append("^" + _INVALID_BYTES)
                i += 1
            if p[i:i + 1] == "]":
                out.append("\\]")
                i += 1
            continue
        if p.startswith("(?", i):
            for bad in ("(?=", "(?!", "(?<=", "(?<!", "(?P=", "(?<"):
                if p.startswith(bad, i):
                    raise re.error(f"invalid perl operator: {bad}" if bad != "(?<" else "invalid named capture group")
        out.append(f"(?:(?![{_INVALID_BYTES}]).)" if c == "." else c)
        i += 1
    return "".join(out)


def _compile(pattern, fn):
    try:
        source = _bytes(pattern, "pattern", fn).decode("utf-8", "surrogateescape")
        return re.compile(_re2_to_python(source))
    except re.error as exc:
        raise errors.InvalidArgumentError(None, None, f"{fn}: invalid pattern {pattern!r}: {exc}") from None


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002
    """``input[pos:pos + len]`` per string (``pos`` < 0 counts from the end; ``pos`` past the
    end is an error, as in TF); ``pos`` and ``len`` have one shape, which broadcasts against
    ``input``. As TF 2.21: a negative ``len`` takes the rest of the string in bytes and nothing
    in UTF-8 characters; a UTF-8 character is a byte that does not continue a sequence
    (0x80-0xBF) with the continuation bytes after it, so invalid bytes count one each."""
    unit = _unit(unit, "substr")
    arr = _strings(input.flat_values if _is_ragged(input) else input, "input", "substr")
    p = np.asarray(pos.numpy() if isinstance(pos, Tensor) else pos)
    n = np.asarray(len.numpy() if isinstance(len, Tensor) else len)
    if p.dtype.kind not in "iu" or n.dtype.kind not in "iu":
        raise TypeError(f"substr: pos and len must be integers, got {p.dtype} and {n.dtype}")
    if p.shape != n.shape:   # TF 2.21: its Substr kernel's error
        raise errors.InvalidArgumentError(None, None, f"substr: pos and len should have the same shape, got: "
                                          f"{list(p.shape)} vs. {list(n.shape)}")
    try:
        arr_b, p_b, n_b = np.broadcast_arrays(arr, p, n)
    except ValueError:
        raise ValueError(f"substr: pos (shape {p.shape}) and len (shape {n.shape}) do not "
                         f"broadcast with input (shape {arr.shape})") from None
    out = np.empty(arr_b.shape, dtype=object)
    for idx in np.ndindex(arr_b.shape):
        s = arr_b[idx]
        i, k = int(p_b[idx]), int(n_b[idx])
        starts = None if unit == "BYTE" else _char_starts(s)
        size = builtin_len(s) if starts is None else builtin_len(starts) - 1
        if i < -size or i > size:
            raise errors.InvalidArgumentError(None, None, f"substr: pos {i} is out of range for "
                                              f"{s!r} of length {size} ({unit})")
        if i < 0:
            i += size
        if starts is None:
            out[idx] = s[i:] if k < 0 else s[i:i + k]
        else:
            out[idx] = s[starts[i]:starts[min(i + max(k, 0), size)]]
    if _is_ragged(input):
        return input.with_flat_values(wrap(out))
    return _static_of(wrap(out), input, lambda dims: dims) if p.ndim == 0 else wrap(out)


builtin_len = len


def _char_starts(s: bytes) -> list:
    """The byte offsets where TF's UTF-8 characters of ``s`` start, then ``len(s)``: offset 0
    and every byte that is not a continuation byte (0x80-0xBF)."""
    return [0] + [i for i in range(1, builtin_len(s)) if s[i] & 0xC0 != 0x80] + [builtin_len(s)] if s else [0]


def to_number(input, out_type="float32", name=None):  # noqa: A002 - TF's name
    """Parse each string as a number of ``out_type`` (float32, float64, int32 or int64)."""
    dt = np.dtype(out_type) if not isinstance(out_type, str) else np.dtype(out_type.removeprefix("tf."))
    if dt.kind not in "fi" or dt.itemsize < 4:   # TF 2.21: the op's attribute check
        raise errors.InvalidArgumentError(
            None, None, f"to_number: out_type must be float32, float64, int32 or int64, got "
            f"{'string' if dt.kind == 'O' else dt}")
    low, high = (np.iinfo(dt).min, np.iinfo(dt).max) if dt.kind == "i" else (None, None)

    def number(text):
        # C's strtod/strtol forms: ASCII digits only (no '_' or other scripts' digits, which
        # Python reads); floats also in hexadecimal ("0x10" is 16.0)
        if not text.isascii() or "_" in text:
            raise ValueError(text)
        if dt.kind == "i":
            return int(text)
        try:
            return float(text)
        except ValueError:
            if "0x" not in text.lower():
                raise
            return float.fromhex(text)

    def parse(s):
        text = s.decode("utf-8", "replace").strip(" \t\n\v\f\r")
        try:
            if dt.kind == "f":
                return dt.type(number(text))
            value = number(text)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"to_number: StringToNumberOp could not correctly convert string: "
                f"{s.decode('utf-8', 'replace')}") from None
        if not low <= value <= high:
            raise errors.InvalidArgumentError(None, None, f"to_number: {text} does not fit in {dt}")
        return value
    return _map(input, "input", "to_number", parse, dt)


def _host(value) -> np.ndarray:
    """``value`` as a host NumPy array (a string scalar stays an object array)."""
    t = convert_to_tensor(value)
    arr = t.numpy()
    return np.asarray(arr, dtype=object) if t.dtype.kind == "O" else np.asarray(arr)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):  # noqa: A002
    """Each element as a string, by TF's printf rules: floats ``%f`` (6 digits, or ``precision``),
    ``%e`` when ``scientific``, ``%g`` when ``shortest``; integers ``%d``; bools ``true``/``false``;
    ``width`` pads to that many characters with ``fill`` (``""`` or ``" "``: spaces, ``"0"``: zeros).
    A RaggedTensor maps its flat values."""
    if _is_ragged(input):
        return input.with_flat_values(as_string(input.flat_values, precision, scientific, shortest, width, fill))
    arr = _host(input)
    if arr.dtype.name == "bfloat16":   # formatted as the float32 values they are, as TF
        arr = arr.astype(np.float32)
    kind = arr.dtype.kind
    if kind not in "biufcO":
        raise TypeError(f"as_string: input has dtype {arr.dtype}, expected a number, bool or string")
    # TF 2.21's checks and their order (its kernel's InvalidArgumentError)
    if fill not in ("", " ", "0"):
        raise errors.InvalidArgumentError(None, None, f"as_string: Fill argument not supported: {fill!r}")
    if kind in "biu" and (scientific or shortest):
        raise errors.InvalidArgumentError(
            None, None, f"as_string: scientific and shortest format not supported for datatype {arr.dtype}")
    if kind in "biu" and precision > -1:
        raise errors.InvalidArgumentError(None, None, f"as_string: precision not supported for datatype {arr.dtype}")
    if scientific and shortest:
        raise errors.InvalidArgumentError(None, None, "as_string: Cannot select both scientific and shortest notation")
    flags = fill   # a printf flag, as TF: "0" pads with zeros, " " leaves a space for the sign
    wid = str(width) if width > -1 else ""
    prec = f".{precision}" if precision > -1 else ""
    conv = "e" if scientific else "g" if shortest else "f"
    spec = {"f": f"%{flags}{wid}{prec}{conv}", "i": f"%{flags}{wid}d", "u": f"%{flags}{wid}d",
            "b": "%s", "O": f"%{wid}s"}.get(kind)   # TF: bools take no width; strings no fill
    spec_c = f"%{flags}{wid}{prec}{conv}"
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        v = arr[idx]
        if kind == "b":
            text = spec % ("true" if v else "false")
        elif kind == "O":
            text = spec % v.decode("utf-8", "replace")
        elif kind == "c":   # each part formatted as a float
            text = "(" + _printf(spec_c, float(v.real)) + "," + _printf(spec_c, float(v.imag)) + ")"
        elif kind == "f":
            text = _printf(spec, float(v))
        else:
            text = spec % int(v)
        out[idx] = text.encode("utf-8")
    return _static_of(wrap(out), input, lambda dims: dims)


def _static_of(out, x, rule):
    """``out`` with TF's static shape in a trace: ``rule`` of ``x``'s static dims (a list, or
    None for an unknown rank)."""
    if core.tracing() and isinstance(x, Tensor):
        s = x._static_shape()
        dims = rule(None if s.rank is None else s.as_list())
        if dims is None or tuple(dims) != out._data.shape:
            core.static_result(out, None if dims is None else tuple(dims))
    return out


def _printf(spec, x):
    """C's printf of a double: the 0 flag does not pad NaN or infinities with zeros."""
    if not math.isfinite(x):
        spec = spec.replace("%0", "%", 1).replace("% 0", "% ", 1)
    return spec % x


def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    """Each string's bucket: FarmHash ``Fingerprint64`` modulo ``num_buckets`` (int64), as TF."""
    if not isinstance(num_buckets, (int, np.integer)) or isinstance(num_buckets, bool) or num_buckets < 1:
        raise errors.InvalidArgumentError(   # TF 2.21: the op's attribute check
            None, None, f"to_hash_bucket_fast: num_buckets must be a positive integer, got {num_buckets!r}")
    n = int(num_buckets)
    return _map(input, "input", "to_hash_bucket_fast", lambda s: fingerprint64(s) % n, np.int64)


def to_hash_bucket(input, num_buckets, name=None):  # noqa: A002 - TF's name
    """Each string's bucket: TF's legacy ``Hash64`` modulo ``num_buckets`` (int64), as
    ``tf.strings.to_hash_bucket`` (TF recommends ``to_hash_bucket_fast`` for new code)."""
    if not isinstance(num_buckets, (int, np.integer)) or isinstance(num_buckets, bool) or num_buckets < 1:
        raise errors.InvalidArgumentError(   # TF 2.21: the op's attribute check
            None, None, f"to_hash_bucket: num_buckets must be a positive integer, got {num_buckets!r}")
    n = int(num_buckets)
    return _map(input, "input", "to_hash_bucket", lambda s: hash64(s) % n, np.int64)


def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """Each string's bucket: SipHash-2-4 keyed by ``key`` (two integers) modulo ``num_buckets`` (int64), as TF."""
    if not isinstance(num_buckets, (int, np.integer)) or isinstance(num_buckets, bool) or num_buckets < 1:
        raise errors.InvalidArgumentError(   # TF 2.21: the op's attribute check
            None, None, f"to_hash_bucket_strong: num_buckets must be a positive integer, got {num_buckets!r}")
    if not isinstance(key, (list, tuple)) or builtin_len(key) != 2 or not all(
            isinstance(k, (int, np.integer)) for k in key):
        raise errors.InvalidArgumentError(   # TF 2.21: its kernel's "Key must have 2 elements"
            None, None, f"to_hash_bucket_strong: key must be a list of two integers, got {key!r}")
    n, k = int(num_buckets), (int(key[0]), int(key[1]))
    return _map(input, "input", "to_hash_bucket_strong", lambda s: siphash24(k, s) % n, np.int64)


# ---------------------------------------------------------------------------
# joins and splits

def join(inputs, separator="", name=None):
    """Join the strings of ``inputs`` (a list of string tensors of one shape, or scalars)
    elementwise; no inputs give ``b""`` (as TF 2.21)."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"join: inputs must be a list of string tensors, got {type(inputs).__name__}")
    if not inputs:
        return wrap(np.array(b"", dtype=object))
    sep = _bytes(separator, "separator", "join")
    ragged = [x for x in inputs if _is_ragged(x)]
    if ragged:
        # ragged inputs of one row partition (and scalars) join their flat values, as TF
        splits = [[np.asarray(s.numpy()) for s in x.nested_row_splits] for x in ragged]
        if any(len(s) != len(splits[0]) or any(not np.array_equal(a, b) for a, b in zip(s, splits[0]))
               for s in splits[1:]):
            raise ValueError("join: ragged inputs must have the same row partitions, got shapes "
                             f"{[tuple(x.shape) for x in ragged]} with different row lengths")
        flat = [x.flat_values if _is_ragged(x) else x for x in inputs]
        if any(np.ndim(_strings(x, f"inputs[{i}]", "join")) for i, x in enumerate(flat)
               if not _is_ragged(inputs[i])):
            raise ValueError("join: beside ragged inputs, the other inputs must be scalars")
        return ragged[0].with_flat_values(join(flat, separator))
    arrays = [_strings(x, f"inputs[{i}]", "join") for i, x in enumerate(inputs)]
    shapes = {a.shape for a in arrays if a.ndim}
    if builtin_len(shapes) > 1:   # TF 2.21: its StringJoin kernel's error (scalars broadcast, nothing else)
        raise errors.InvalidArgumentError(None, None, f"join: Input shapes do not match: "
                                          f"{[list(a.shape) for a in arrays]}")
    parts = np.broadcast_arrays(*arrays)
    out = np.empty(parts[0].shape, dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = sep.join(p[idx] for p in parts)
    return _joined_static(wrap(out), inputs)


def _joined_static(out, inputs):
    """``out`` with TF's static shape in a trace: the inputs' of rank above 0, merged (a scalar
    broadcasts; one of unknown rank is taken to agree)."""
    if not core.tracing():
        return out
    shapes = [x._static_shape() if isinstance(x, Tensor) else None for x in inputs]
    known = [s.as_list() for s in shapes if s is not None and s.rank]
    if not known:
        return out if all(s is None or s.rank == 0 for s in shapes) else core.static_result(out, None)
    return core.static_result(out, tuple(next((d for d in col if d is not None), None) for col in zip(*known)))


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """Join the strings of ``inputs`` by ``segment_ids`` (shape a prefix of ``inputs.shape``) into
    ``[num_segments] + inputs.shape[segment_ids.ndim:]``, in the order they appear, with
    ``separator`` between them; a segment with no strings is empty (TF's
    ``tf.strings.unsorted_segment_join``).

    >>> wb.strings.unsorted_segment_join(["this", "a", "test", "is"], [0, 1, 1, 0], 2, " ").numpy()
    array([b'this is', b'a test'], dtype=object)
    """
    fn = "unsorted_segment_join"
    arr = _strings(inputs, "inputs", fn)
    ids_t = convert_to_tensor(segment_ids)
    if ids_t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: segment_ids must be integers, got dtype {ids_t.dtype}")
    ids = np.asarray(ids_t.numpy())
    n = int(convert_to_tensor(num_segments).numpy())
    sep = _bytes(separator, "separator", fn)
    if arr.shape[:ids.ndim] != ids.shape:
        raise ValueError(f"{fn}: segment_ids shape {ids.shape} must be a prefix of inputs shape {arr.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise errors.InvalidArgumentError(None, None, "segment_ids are not allowed to exceed num_segments "
                                          "or to have negative values.")
    inner = arr.shape[ids.ndim:]
    parts = [[[] for _ in range(int(np.prod(inner, dtype=np.int64)))] for _ in range(n)]
    rows = arr.reshape((ids.size, -1))
    for seg, row in zip(ids.reshape(-1), rows):
        for k, v in enumerate(row):
            parts[int(seg)][k].append(v)
    out = np.empty((n, len(parts[0]) if n else 0), dtype=object)
    for i in range(n):
        for k, vals in enumerate(parts[i]):
            out[i, k] = sep.join(vals)
    return wrap(out.reshape((n,) + inner))


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Join the strings along ``axis`` (all axes when None) with ``separator`` between them."""
    sep = _bytes(separator, "separator", "reduce_join")
    arr = _strings(inputs, "inputs", "reduce_join")
    ndim = arr.ndim
    if axis is None:   # every axis, in row-major order (the last varies fastest)
        axes = tuple(reversed(range(ndim)))
    else:
        axes = tuple(int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
        for a in axes:
            if not -ndim <= a < max(ndim, 1):
                raise ValueError(f"reduce_join: axis {a} is out of range for inputs of rank {ndim}")
        axes = tuple(dict.fromkeys(a % ndim for a in axes)) if ndim else ()
    keep = [a for a in range(ndim) if a not in axes]
    # TF 2.21: the strings join with the first axis listed varying fastest
    moved = np.transpose(arr, keep + list(axes)[::-1])
    lead = moved.shape[:builtin_len(keep)]
    flat = moved.reshape(lead + (-1,)) if moved.size else np.empty(lead + (0,), dtype=object)
    out = np.empty(lead, dtype=object)
    for idx in np.ndindex(lead):
        out[idx] = sep.join(flat[idx])
    if keepdims:
        out = out.reshape([1 if a in axes else arr.shape[a] for a in range(ndim)])
    return _static_of(wrap(out), inputs, lambda dims: None if dims is None else [
        1 if a in axes else d for a, d in enumerate(dims)] if keepdims else [d for a, d in enumerate(dims)
                                                                            if a not in axes])


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """The n-grams of each innermost row of tokens (a dense tensor or a RaggedTensor): each run
    of ``ngram_width`` consecutive tokens (an int or a list of widths, in that order) joined by
    ``separator``. ``pad_values`` (a string or a pair (left, right)) pads each row with
    ``padding_width`` tokens on each side (``ngram_width - 1`` by default);
    ``preserve_short_sequences`` gives a row shorter than the width (unpadded) as one n-gram."""
    widths = [ngram_width] if isinstance(ngram_width, (int, np.integer)) else list(ngram_width)
    if not widths or any(not isinstance(w, (int, np.integer)) or w < 1 for w in widths):
        raise ValueError(f"ngrams: ngram_width must be a positive integer or a list of them, got {ngram_width!r}")
    sep = _bytes(separator, "separator", "ngrams")
    if pad_values is None:
        left = right = None
    elif isinstance(pad_values, (list, tuple)):
        if builtin_len(pad_values) != 2:
            raise ValueError(f"ngrams: pad_values must be a string or a pair of strings, got {pad_values!r}")
        left, right = (_bytes(v, "pad_values", "ngrams") for v in pad_values)
    else:
        left = right = _bytes(pad_values, "pad_values", "ngrams")
    if padding_width is not None and (pad_values is None or padding_width < 1):
        raise ValueError(f"ngrams: padding_width must be a positive integer used with pad_values, "
                         f"got {padding_width!r}")

    def grams(row):
        out = []
        for n in widths:
            pad = 0 if left is None else (n - 1 if padding_width is None else min(padding_width, n - 1))
            seq = [left] * pad + list(row) + [right] * pad
            if builtin_len(seq) >= n:
                out.extend(sep.join(seq[i:i + n]) for i in range(builtin_len(seq) - n + 1))
            elif preserve_short_sequences and pad == 0 and builtin_len(row):
                out.append(sep.join(row))
        return out

    if _is_ragged(data):
        if data.flat_values.ndim != 1:
            raise ValueError("ngrams: a RaggedTensor's flat values must be a vector of tokens")
        splits = [np.asarray(t.numpy()) for t in data.nested_row_splits]
        values = _strings(data.flat_values, "data", "ngrams")
        last = splits[-1]
        rows = [grams(values[last[i]:last[i + 1]]) for i in range(builtin_len(last) - 1)]
        flat = np.empty(sum(builtin_len(r) for r in rows), dtype=object)
        flat[:] = [g for r in rows for g in r]
        lengths = np.concatenate([[0], np.cumsum([builtin_len(r) for r in rows])]).astype(np.int64)
        return _ragged(flat, splits[:-1] + [lengths], "ngrams", data if builtin_len(splits) > 1 else None)
    arr = _strings(data, "data", "ngrams")
    if arr.ndim == 0:
        raise ValueError("ngrams: data must have at least one dimension (a row of tokens)")
    # TF 2.21: rows of no tokens give no n-grams (no padding) in a dense tensor
    rows = [grams(arr[idx]) if arr.shape[-1] else [] for idx in np.ndindex(arr.shape[:-1])]
    counts = {builtin_len(r) for r in rows}
    width = counts.pop() if builtin_len(counts) == 1 else None
    if width is None:
        raise ValueError("ngrams: the rows give different numbers of n-grams; pass a RaggedTensor")
    out = np.empty(arr.shape[:-1] + (width,), dtype=object)
    for k, idx in enumerate(np.ndindex(arr.shape[:-1])):
        out[idx] = rows[k] if width else out[idx]
    # TF's static shape: the outer sizes of data's, the number of n-grams the data's
    outer = tuple(data._static_shape())[:-1] if isinstance(data, Tensor) else arr.shape[:-1]
    return core.static_result(wrap(out), outer + (None,))


def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002
    """Split each string at ``sep`` (runs of whitespace, dropping empty pieces, when None or
    empty); a scalar gives a 1-D tensor, a tensor of rank N a RaggedTensor of rank N + 1."""
    sep_b = None if sep is None else _bytes(sep, "sep", "split") or None

    def cut(s):
        if maxsplit == 0:   # TF's SplitV2: the string as it is
            return [s]
        if sep_b is None:
            pieces = s.split(None, maxsplit)
            # TF: after maxsplit pieces the rest (leading whitespace removed) follows, empty or not
            if maxsplit > 0 and builtin_len(pieces) == maxsplit:
                pieces.append(b"")
            return pieces
        return s.split(sep_b, maxsplit)     # an empty string gives [b""], as TF's SplitV2
    return _split_by(input, "split", cut)


def bytes_split(input, name=None):  # noqa: A002
    """Split each string into its bytes (each a 1-byte string); ragged as ``split``."""
    return _split_by(input, "bytes_split", lambda s: [s[i:i + 1] for i in range(builtin_len(s))])


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """Split each string into its characters, each encoded in ``input_encoding`` (an invalid
    sequence gives ``replacement_char``, or nothing with ``errors="ignore"``); ragged as ``split``.

    >>> wb.strings.unicode_split(wb.constant(["hé"]), "UTF-8").to_list()
    [[b'h', b'\\xc3\\xa9']]
    """
    out_codec = _codec(input_encoding, "unicode_split", output=True)
    decode = _units(input_encoding, errors, replacement_char, False, "unicode_split")
    return _split_by(input, "unicode_split", lambda s: [_encode_char(c, out_codec) for c, _ in decode(s)])


def unicode_split_with_offsets(input, input_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """``(chars, offsets)``: :func:`unicode_split`'s characters and the byte offset (int64) in
    its string where each starts."""
    chars = unicode_split(input, input_encoding, errors, replacement_char)
    decode = _units(input_encoding, errors, replacement_char, False, "unicode_split_with_offsets")
    offsets = _split_by(input, "unicode_split_with_offsets", lambda s: [o for _, o in decode(s)], np.int64)
    return chars, offsets


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                   replace_control_characters=False, name=None):
    """Each string's code points (int32); ragged as ``split``. ``errors``: ``"replace"`` (each
    invalid sequence gives ``replacement_char``), ``"ignore"`` (skipped) or ``"strict"``
    (``InvalidArgumentError``); ``replace_control_characters`` replaces the C0 controls (U+0000-U+001F) too, as TF."""
    decode = _units(input_encoding, errors, replacement_char, replace_control_characters, "unicode_decode")
    return _split_by(input, "unicode_decode", lambda s: [c for c, _ in decode(s)], np.int32)


def unicode_decode_with_offsets(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                                replace_control_characters=False, name=None):
    """``(codepoints, offsets)``: :func:`unicode_decode`'s code points and the byte offset
    (int64) in its string where each character starts.

    >>> cps, offsets = wb.strings.unicode_decode_with_offsets(wb.constant(["Gö"]), "UTF-8")
    >>> cps.to_list(), offsets.to_list()
    ([[71, 246]], [[0, 1]])
    """
    fn = "unicode_decode_with_offsets"
    decode = _units(input_encoding, errors, replacement_char, replace_control_characters, fn)
    return (_split_by(input, fn, lambda s: [c for c, _ in decode(s)], np.int32),
            _split_by(input, fn, lambda s: [o for _, o in decode(s)], np.int64))


def unicode_transcode(input, input_encoding, output_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                      replace_control_characters=False, name=None):
    """Each string decoded from ``input_encoding`` and encoded in ``output_encoding`` (``"UTF-8"``,
    ``"UTF-16-BE"`` or ``"UTF-32-BE"``); same shape. ``errors`` and ``replacement_char`` as in
    :func:`unicode_decode` (``replacement_char`` is also what replaces a character the output
    encoding cannot hold).

    >>> wb.strings.unicode_transcode(wb.constant(["Hi"]), "UTF-8", "UTF-16-BE").numpy()
    array([b'\\x00H\\x00i'], dtype=object)
    """
    out_codec = _codec(output_encoding, "unicode_transcode", output=True)
    decode = _units(input_encoding, errors, replacement_char, replace_control_characters, "unicode_transcode")
    return _map(input, "input", "unicode_transcode",
                lambda s: "".join(chr(c) for c, _ in decode(s)).encode(out_codec, "surrogatepass"))


def _script_fwd(xp, arr):
    starts, codes = _script_table(xp)
    at = xp.clip(xp.searchsorted(starts, arr, side="right") - 1, 0, None)
    valid = (arr >= 0) & (arr <= 0x10FFFF)
    return xp.where(valid, codes[at], -1).astype(np.int32)


def _script_table(xp):
    key = xp.__name__
    if key not in _SCRIPT_TABLES:
        _SCRIPT_TABLES[key] = (xp.asarray(np.asarray(scripts.STARTS, np.int64)),
                               xp.asarray(np.asarray(scripts.CODES, np.int32)))
    return _SCRIPT_TABLES[key]


_SCRIPT_TABLES: dict = {}
_SCRIPT_OP = core.defop("unicode_script", _script_fwd)


def unicode_script(input, name=None):  # noqa: A002
    """Each code point's script as ICU's ``UScriptCode`` (int32; same shape, a RaggedTensor maps
    its flat values): 25 Latin, 17 Han, 20 Hiragana, 8 Cyrillic, 0 Common (punctuation,
    digits, spaces), 1 Inherited (combining marks), 103 Unknown (unassigned), and -1 for values
    that are not code points. Unicode 18.0's assignments (see :mod:`.scripts`).

    >>> wb.strings.unicode_script(wb.constant([33464, 1041])).numpy()
    array([17,  8], dtype=int32)
    """
    if _is_ragged(input):
        return input.with_flat_values(unicode_script(input.flat_values))
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    if x.dtype != np.int32:   # TF 2.21: its kernel takes int32 only (InvalidArgumentError)
        raise errors.InvalidArgumentError(
            None, None, f"unicode_script: input must be int32 code points, got a tensor of dtype {x.dtype}")
    return core.apply(_SCRIPT_OP, (x,), {})


# TF's output encodings; inputs may be in any encoding Python's codecs know (ICU's names work
# where Python shares them: "US ASCII", "ISO-8859-1"). BOM-detecting codecs ("UTF-16") are
# refused: ICU reads them big-endian, Python in the machine's order.
_OUTPUT_CODECS = ("utf-8", "utf-16-be", "utf-32-be")


def _codec(encoding, fn, output=False):
    if not isinstance(encoding, str):
        raise TypeError(f"{fn}: the encoding must be a str, got {encoding!r} ({type(encoding).__name__})")
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = None
    if output and name not in _OUTPUT_CODECS:   # TF 2.21: the op's attribute check
        raise errors.InvalidArgumentError(
            None, None, f"{fn}: the output encoding must be 'UTF-8', 'UTF-16-BE' or 'UTF-32-BE', got {encoding!r}")
    if name is None or name in ("utf-16", "utf-32"):
        raise errors.InvalidArgumentError(   # TF 2.21: "Could not create converter for input encoding"
            None, None, f"{fn}: unknown or byte-order-ambiguous input encoding {encoding!r}; use e.g. 'UTF-8', "
            "'UTF-16-BE', 'UTF-16-LE', 'UTF-32-BE' or 'US-ASCII'")
    return name


def _encode_char(cp, codec):
    return chr(cp).encode(codec, "surrogatepass")


def _units(encoding, errors_, replacement_char, replace_control_characters, fn):
    """``decode(s) -> [(code point, byte offset)]`` for strings in ``encoding``."""
    codec = _codec(encoding, fn)
    if errors_ not in ("strict", "replace", "ignore"):
        raise errors.InvalidArgumentError(None, None, f"{fn}: errors must be 'strict', 'replace' or 'ignore', got "
                                          f"{errors_!r}")   # TF 2.21: the op's attribute check
    if (not isinstance(replacement_char, (int, np.integer)) or isinstance(replacement_char, bool)
            or not 0 <= replacement_char <= 0x10FFFF):
        raise errors.InvalidArgumentError(   # TF 2.21: its kernel's check
            None, None, f"{fn}: replacement_char must be a code point in [0, 0x10FFFF], got {replacement_char!r}")
    repl = int(replacement_char)

    def decode(s):
        out, pos = [], 0
        while True:
            try:
                text = s[pos:].decode(codec)
                stop = None
            except UnicodeDecodeError as exc:
                if errors_ == "strict":
                    raise errors.InvalidArgumentError(
                        None, None, f"{fn}: {s!r} is not valid {encoding} at byte {pos + exc.start} "
                        f"({exc.reason})") from None
                text = s[pos:pos + exc.start].decode(codec)
                stop = pos + exc.start, pos + exc.end
            at = pos
            for ch in text:
                cp = ord(ch)
                if replace_control_characters and cp < 32:   # TF 2.21: the C0 controls only
                    cp = repl
                out.append((cp, at))
                at += builtin_len(ch.encode(codec, "surrogatepass"))
            if stop is None:
                return out
            if errors_ == "replace":
                out.append((repl, stop[0]))
            pos = stop[1]
    return decode


def _split_by(input, fn, cut, dtype=object):  # noqa: A002
    if _is_ragged(input):
        inner = _split_by(input.flat_values, fn, cut, dtype)
        return input.with_flat_values(inner)
    arr = _strings(input, "input", fn)
    pieces = [cut(s) for s in arr.flat]
    values = np.empty(sum(builtin_len(p) for p in pieces), dtype=dtype)
    pos = 0
    for p in pieces:
        values[pos:pos + builtin_len(p)] = p
        pos += builtin_len(p)
    if arr.ndim == 0:   # TF's static shape: the number of pieces is the data's
        return core.static_result(wrap(values), (None,))
    splits = np.concatenate([[0], np.cumsum([builtin_len(p) for p in pieces])]).astype(np.int64)
    out = _ragged(values, [splits], fn)
    # a rank-N input: its outer dimensions stay uniform (TF's shape [d0, d1, ..., None])
    dims = arr.shape
    for k in range(builtin_len(dims) - 1, 0, -1):
        out = type(out).from_uniform_row_length(out, dims[k], nrows=int(np.prod(dims[:k])))
    # TF's static row count: the input's, except where a vector splits into a sparse result
    # (split, bytes_split: unknown)
    if core.tracing() and (builtin_len(dims) > 1 or fn.startswith("unicode")):
        static = tuple(input._static_shape()) if isinstance(input, Tensor) else dims
        out._partition.set_static_nrows(static[0])
        for part, d in zip(out.partitions, static[1:]):   # the uniform outer dimensions
            part.set_static_uniform(d)
    return out


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """The string each row of code points (the innermost dimension, dense or ragged) encodes in
    ``output_encoding`` (``"UTF-8"``, ``"UTF-16-BE"`` or ``"UTF-32-BE"``); an invalid code point
    gives ``replacement_char`` (``errors="replace"``), nothing (``"ignore"``) or an
    ``InvalidArgumentError`` (``"strict"``)."""
    codec = _codec(output_encoding, "unicode_encode", output=True)
    if errors not in ("strict", "replace", "ignore"):
        raise errors_mod.InvalidArgumentError(   # TF 2.21: the op's attribute check
            None, None, f"unicode_encode: errors must be 'strict', 'replace' or 'ignore', got {errors!r}")

    def enc(cps):
        chars = []
        for c in cps:
            c = int(c)
            if not 0 <= c <= 0x10FFFF or 0xD800 <= c <= 0xDFFF:
                if errors == "strict":
                    raise errors_mod.InvalidArgumentError(None, None, f"unicode_encode: {c} is not a valid code point")
                if errors == "ignore":
                    continue
                c = replacement_char
            chars.append(chr(c))
        return "".join(chars).encode(codec)

    if _is_ragged(input):
        splits = [np.asarray(s.numpy()) for s in input.nested_row_splits]
        values = np.asarray(input.flat_values.numpy())
        last = splits[-1]
        strings = np.empty(builtin_len(last) - 1, dtype=object)
        for i in range(builtin_len(last) - 1):
            strings[i] = enc(values[last[i]:last[i + 1]])
        if builtin_len(splits) == 1:
            return wrap(strings)
        return _ragged(strings, splits[:-1], "unicode_encode", input)
    arr = np.asarray(convert_to_tensor(input).numpy())
    if arr.ndim == 0 and arr.dtype.kind in "iu":   # TF 2.21's class and words
        raise ValueError("unicode_encode: input_tensor's rank must be at least 1.")
    if arr.dtype.kind not in "iu" or arr.ndim == 0:
        raise TypeError(f"unicode_encode: input must be an integer tensor of rank >= 1 or a "
                        f"RaggedTensor, got dtype {arr.dtype} and rank {arr.ndim}")
    out = np.empty(arr.shape[:-1], dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = enc(arr[idx])
    return _static_of(wrap(out), input, lambda dims: None if dims is None else dims[:-1])


errors_mod = errors


# ---------------------------------------------------------------------------
# format

def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """``template`` with each ``placeholder`` replaced by the next of ``inputs`` (a tensor or a
    list of them) printed as ``wb.print`` prints it (``summarize`` elements per dimension at
    each end)."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    text = template.decode("utf-8") if isinstance(template, bytes) else template
    if not isinstance(text, str):
        raise TypeError(f"format: template must be a str, got {type(template).__name__}")
    pieces = text.split(placeholder)
    if builtin_len(pieces) - 1 != builtin_len(inputs):
        raise ValueError(f"format: the template has {builtin_len(pieces) - 1} placeholders "
                         f"{placeholder!r} but {builtin_len(inputs)} inputs were given")
    out = [pieces[0]]
    for value, rest in zip(inputs, pieces[1:]):
        out.append(value.__wb_format__(summarize) if hasattr(type(value), "__wb_format__") else format_tensor(convert_to_tensor(value), summarize))
        out.append(rest)
    result = np.empty((), dtype=object)
    result[()] = "".join(out).encode("utf-8", "surrogateescape")
    return wrap(result)


