"""Plain-text tables that fit the terminal, for ``runs`` and ``compare``."""

import shutil
import textwrap

from .common import CLIError


def _cell(value, width=48):
    if isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = "" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def _elide(text, width):
    """``text`` cut to ``width`` characters in the middle, where run names differ least
    (``digits_cl…-20261206-0304``)."""
    if len(text) <= width:
        return text
    if width < 2:
        return text[:width]
    tail = (width - 1) // 2
    return text[:width - 1 - tail] + "…" + (text[-tail:] if tail else "")


def _fit_columns(natural, minimum, priority, width):
    """``(kept column indexes, their widths)`` so that the kept columns, two spaces apart, fit in
    ``width``: the widest columns are elided first (down to ``minimum``), then the columns last in
    ``priority`` are left out (the first one always stays)."""
    kept = list(range(len(natural)))
    dropping = [i for i in reversed(priority) if i != priority[0]]
    while True:
        widths = {i: natural[i] for i in kept}
        excess = sum(widths.values()) + 2 * (len(kept) - 1) - width
        slack = sum(widths[i] - min(minimum[i], natural[i]) for i in kept)
        if excess <= 0:
            return kept, widths
        if excess <= slack or not dropping:
            while excess > 0:
                i = max((i for i in kept if widths[i] > minimum[i]), key=lambda i: widths[i], default=None)
                if i is None:
                    break  # even the minimums do not fit: lines are cut at the width
                widths[i] -= 1
                excess -= 1
            return kept, widths
        kept.remove(dropping.pop(0))


def format_table(headers, rows, width=None, minimum=None, priority=None, hint=None):
    """A plain-text table with a rule under the header row.

    With ``width`` (characters; None or 0: no limit), every line fits: long cells are elided
    in the middle with ``…`` down to ``minimum[i]`` characters (default: the header's length, at least 8),
    then the columns last in ``priority`` (column indexes, most important first; default left
    to right) are left out, and a note under the table names them (with ``hint``, how to see
    them).
    """
    cells = [[_cell(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    natural = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    kept, widths = list(range(len(headers))), dict(enumerate(natural))
    if width:
        minimum = minimum or [max(len(c), 8) for c in cells[0]]
        kept, widths = _fit_columns(natural, minimum, list(priority or range(len(headers))), width)
    lines = ["  ".join(_elide(row[i], widths[i]).ljust(widths[i]) for i in kept).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * widths[i] for i in kept))
    if width:
        lines = [line[:width] for line in lines]
        left_out = [cells[0][i] for i in range(len(headers)) if i not in kept]
        if left_out:
            note = f"not shown ({len(left_out)} more columns): {', '.join(left_out)}"
            lines += textwrap.wrap(note + (f"; {hint}" if hint else ""), width)
    return "\n".join(lines)


def terminal_width(requested=None):
    """Characters per line for tables: ``requested`` if given (0: no limit), else ``COLUMNS`` or
    the terminal's width, else no limit (output to a pipe or a file keeps whole lines)."""
    if requested is not None:
        if requested < 0:
            raise CLIError(f"--width {requested}: expected a number of characters (0: no limit)")
        return requested
    return shutil.get_terminal_size(fallback=(0, 0)).columns


def _wrap(text, width):
    return "\n".join(textwrap.wrap(text, width)) if width else text
