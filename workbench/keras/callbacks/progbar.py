"""``Progbar``: Keras' progress bar, on a terminal, in Jupyter, or in a log file."""

import math
import numbers
import os
import sys
import time

__all__ = ["Progbar"]

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _live_display(stream) -> bool:
    """Whether a line can be redrawn in place (a terminal or a notebook), not a pipe or file."""
    isatty = getattr(stream, "isatty", None)
    return bool((isatty is not None and isatty()) or "ipykernel" in sys.modules
                or "PYCHARM_HOSTED" in os.environ)


def _bar_char(stream) -> str:
    try:
        "━".encode(getattr(stream, "encoding", None) or "ascii")
        return "━"
    except (LookupError, UnicodeEncodeError):
        return "="


def _clock(seconds) -> str:
    """``"7s"``, ``"2:05"`` or ``"1:02:05"``."""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


def format_time_per_unit(seconds, unit_name="step") -> str:
    """``" 3ms/step"``: a duration per unit in s, ms or us, as Keras prints it."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def format_value(value) -> str:
    if isinstance(value, str):
        return value
    value = float(value)
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


class Progbar:
    """A progress bar: ``12/32 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - loss: 0.5123``.

    Args:
        target: the number of steps, or None if unknown (the bar then shows ``12/Unknown``).
        width: the bar's width in characters.
        verbose: 0 silent, 1 a bar redrawn in place, 2 one line when the bar finishes.
        interval: at least this many seconds between redraws (verbose=1).
        stateful_metrics: names whose value is shown as given; the others are averaged over
            the steps seen (Keras' rule). None: every value is shown as given.
        unit_name: what a step is called (``"step"``, ``"sample"``).
        stream: where to write (default: ``sys.stdout`` at each write).

    Where the output is not a terminal or a notebook (a pipe, a log file), verbose=1 writes
    only finished lines, without colours, so logs stay readable.

    >>> bar = Progbar(3, verbose=2)
    >>> for step in range(1, 4):
    ...     bar.update(step, [("loss", 0.5)])                      # doctest: +SKIP
    3/3 - 0s - 1ms/step - loss: 0.5000
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", stream=None):
        if target is not None:
            if not isinstance(target, numbers.Integral) or isinstance(target, bool) or target < 0:
                raise ValueError(f"Progbar: target must be a non-negative int or None, got {target!r}")
            target = int(target)
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar: verbose must be 0, 1 or 2, got {verbose!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateful_metrics is None else set(stateful_metrics)
        self._stream = stream
        self._values = {}  # name -> [sum, count] (averaged) or [value, 1] (as given)
        self._start = time.time()
        self._last_update = 0.0
        self._first_step_done = None
        self._seen_so_far = 0
        self._prev_width = 0

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def update(self, current, values=None, finalize=None):
        """Show step ``current`` with ``values``, a list of ``(name, value)``.

        ``finalize`` (default: ``current >= target``) ends the bar's line."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            averaged = self.stateful_metrics is not None and name not in self.stateful_metrics
            if averaged and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total = self._values.setdefault(name, [0.0, 0])
                total[0] += float(value) * steps
                total[1] += steps
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_step = self._time_per_step(current, now)
        if self.verbose == 1:
            self._draw(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize:
            line = f"{self._count(current)} - {now - self._start:.0f}s -"
            line += format_time_per_unit(per_step, self.unit_name) + self._metrics()
            self._write(line + "\n")
        self._last_update = now

    def add(self, n, values=None):
        """Advance by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _draw(self, current, now, per_step, finalize):
        live = _live_display(self.stream)
        if not finalize and (not live or now - self._last_update < self.interval):
            return
        bold, reset = (_BOLD, _RESET) if live else ("", "")
        if self.target:
            done = min(int(self.width * current / self.target), self.width)
            bar = f"{bold}{self._count(current)}{reset} " + self._bar(done, live)
        else:
            bar = f"{current:7d}/Unknown"
        # before the end: the time left; at the end: the time taken
        clock = (_clock(per_step * (self.target - current)) if self.target and not finalize
                 else f"{now - self._start:.0f}s")
        line = bar + f" {bold}{clock}{reset}" + format_time_per_unit(per_step, self.unit_name)
        line += self._metrics()
        if live:
            visible = len(line) - sum(line.count(code) * len(code)
                                      for code in (_BOLD, _GREEN, _GREY, _RESET))
            pad = " " * max(self._prev_width - visible, 0)
            self._prev_width = visible
            self._write("\r" + line + pad + ("\n" if finalize else ""))
        else:
            self._write(line + "\n")

    def _bar(self, done, live):
        char = _bar_char(self.stream)
        if live:
            return f"{_GREEN}{char * done}{_GREY}{char * (self.width - done)}{_RESET}"
        # no colours in a file: the part still to come is drawn with a lighter character
        return char * done + ("·" if char == "━" else ".") * (self.width - done)

    def _count(self, current):
        digits = int(math.log10(self.target)) + 1 if self.target else 1
        return f"{current:{digits}d}/{self.target}"

    def _metrics(self):
        out = ""
        for name, (value, count) in self._values.items():
            shown = value if isinstance(value, str) else float(value) / max(count, 1)
            out += f" - {name}: {format_value(shown)}"
        return out

    def _time_per_step(self, current, now):
        # the first step (tracing, warm-up) is left out of the estimate once there are others
        if not current:
            return 0.0
        if self._first_step_done is not None and current > 1:
            per_step = (now - self._first_step_done) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._first_step_done = now
        return per_step

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()
