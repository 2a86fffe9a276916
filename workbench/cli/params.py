"""``-p key=value``: a parameter's value parsed as a Python literal and checked against the type of
its default in the script's ``PARAMS``."""

import ast
import re

from .common import CLIError

_BARE_WORD = re.compile(r"[A-Za-z_][\w.\-/:+]*")


def _split_assignment(text):
    if "=" not in text:
        raise CLIError(f"-p {text!r}: expected key=value, e.g. -p learning_rate=0.01")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key.isidentifier():
        raise CLIError(f"-p {text!r}: {key!r} is not a parameter name (letters, digits and _)")
    if raw == "":
        raise CLIError(f"-p {key}=: the value for {key!r} is empty")
    return key, raw


def parse_value(key, raw):
    """A ``-p`` value as a Python literal; ``true``/``false``/``none`` and bare words
    (``adam``, ``relu``) are accepted unquoted.

    >>> parse_value("lr", "1e-3"), parse_value("opt", "adam"), parse_value("sizes", "[8, 16]")
    (0.001, 'adam', [8, 16])
    """
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    if _BARE_WORD.fullmatch(raw):
        return raw
    raise CLIError(f"-p {key}={raw}: {raw!r} is not a value for {key!r}: write a Python literal "
                   f"(an int, float, bool, quoted string or list), e.g. -p {key}=0.01 or -p {key}=\"'a b'\"")


def coerce(key, value, raw, defaults, where):
    """Check ``value`` against the default's type (ints widen to floats; a str default takes the
    text as written). Scripts without ``PARAMS`` take any key."""
    if not defaults:
        return value
    if key not in defaults:
        raise CLIError(f"-p {key}={raw}: {where} has no parameter {key!r}; its parameters are: "
                       f"{', '.join(sorted(defaults))}")
    default = defaults[key]
    if default is None or value is None:
        return value

    def wrong(expected):
        return CLIError(f"-p {key}={raw}: expected {expected} for {key!r} (the default is {default!r}), "
                        f"got {type(value).__name__} {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong("an integer")
        return value
    if isinstance(default, float):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise wrong("a number")
        return float(value)
    if isinstance(default, str):
        return value if isinstance(value, str) else raw
    if isinstance(default, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            raise wrong("a list")
        return type(default)(value)
    if isinstance(default, dict) and not isinstance(value, dict):
        raise wrong("a dict")
    return value


def parse_params(assignments, target):
    """``-p`` assignments -> the script's defaults updated with the parsed values."""
    where = target.path or f"the example {target.name!r}"
    params = dict(target.defaults)
    for text in assignments or ():
        key, raw = _split_assignment(text)
        params[key] = coerce(key, parse_value(key, raw), raw, target.defaults, where)
    return params
