"""regularize_series: a pandas series on an irregular DatetimeIndex made regular, the gaps marked
missing (NaN), for the components' ``observed_time_series``."""

from __future__ import annotations

import collections
import math
import warnings

import numpy as np

__all__ = ["MissingValuesTolerance", "regularize_series"]

MissingValuesTolerance = collections.namedtuple("MissingValuesTolerance", [
    "overall_fraction", "fraction_low_missing_number", "fraction_high_missing_number", "low_missing_number",
    "high_missing_number"])
MissingValuesTolerance.__doc__ = ("Thresholds on missing values: any fraction at or above ``overall_fraction``, or a "
                                  "fraction and a count both at or above a (fraction, number) pair.")

_UNITS = ("days", "hours", "minutes", "seconds", "milliseconds", "microseconds", "nanoseconds")
_NUMPY_UNIT = {"weeks": "W", "days": "D", "hours": "h", "minutes": "m", "seconds": "s", "milliseconds": "ms",
               "microseconds": "us", "nanoseconds": "ns"}
_VALID_DTYPES = (np.float16, np.float32, np.float64, np.int32, np.int64)


def _check(series):
    import pandas as pd  # optional dependency, needed only here
    if not isinstance(series, (pd.Series, pd.DataFrame)):
        raise TypeError(f"regularize_series: expected a pandas Series or DataFrame, got {type(series).__name__}")
    if series.empty:
        raise ValueError("regularize_series: the series is empty")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ValueError(f"regularize_series: the index must be a DatetimeIndex, got {type(series.index).__name__}")
    if series.values.dtype not in _VALID_DTYPES:
        raise ValueError(f"regularize_series: invalid data type {series.values.dtype}; valid types are "
                         f"{[np.dtype(d).name for d in _VALID_DTYPES]}")
    if not series.index.is_monotonic_increasing:
        raise ValueError("regularize_series: the index is not sorted")


def _infer_frequency(index):
    """The coarsest regular step that contains every timestamp: whole years or months when the
    smallest gap is that long and such a grid holds them all, else the gcd of the gaps in the
    smallest unit the smallest gap uses (weeks for whole weeks)."""
    import pandas as pd  # optional dependency, needed only here
    gaps = pd.Series(index).diff()[1:]
    smallest = gaps.min()
    parts = pd.Series([smallest]).dt.components.iloc[0]
    unit = [u for u in _UNITS if parts[u] > 0][-1]
    days = smallest.days
    candidates = []
    if unit == "days" and days >= 365:
        candidates.append(pd.DateOffset(years=days // 365))
    if unit == "days" and days >= 28:
        candidates += [pd.DateOffset(months=days // 28), pd.offsets.MonthEnd(n=days // 28)]
    for freq in candidates:
        if set(pd.date_range(index.min(), index.max(), freq=freq)).issuperset(index):
            return freq
    if unit == "days" and days % 7 == 0:
        unit = "weeks"
    steps = (gaps / np.timedelta64(1, _NUMPY_UNIT[unit])).astype(int).tolist()
    return pd.DateOffset(**{unit: math.gcd(*steps)})


def _too_many_missing(series, tol):
    missing = int(np.sum(np.isnan(series.values)))
    total = int(np.prod(series.shape))
    fraction = missing / total
    return (fraction >= tol.overall_fraction
            or (fraction >= tol.fraction_low_missing_number and missing >= tol.low_missing_number)
            or (fraction >= tol.fraction_high_missing_number and missing >= tol.high_missing_number)), missing, total


def regularize_series(series, frequency=None, warn_missing_tolerance=None, err_missing_tolerance=None,
                      max_series_length=None):
    """``series`` (a pandas Series or DataFrame on a sorted DatetimeIndex) on a regular grid of
    ``frequency`` (inferred when None), values at repeated timestamps summed and the new steps
    NaN. ``max_series_length`` bounds the regular series' length; the tolerances warn or raise
    when too many values are missing."""
    import pandas as pd  # optional dependency, needed only here
    _check(series)
    series = series.groupby(by=lambda x: x).agg(lambda x: np.sum(x.values))
    if not frequency:
        frequency = _infer_frequency(series.index)
    kwds = getattr(frequency, "kwds", {})
    if "months" in kwds and len(kwds) == 1 and np.all(series.index.is_month_end):
        frequency = pd.offsets.MonthEnd(n=kwds["months"])
    if max_series_length is not None:
        start, end = series.index[0], series.index[-1]
        step = (start + 10 * frequency - start) / 10.
        if max_series_length < (end - start) / step:
            raise ValueError(f"Applying inferred frequency {frequency} to the time period starting at '{start}' and "
                             f"ending at '{end}' would exceed the maximum series length ({max_series_length}).")
    out = series.asfreq(frequency)
    if err_missing_tolerance:
        bad, missing, total = _too_many_missing(out, err_missing_tolerance)
        if bad:
            raise ValueError(f"Too many missing values: {missing} out of {total}.")
    if warn_missing_tolerance:
        bad, missing, total = _too_many_missing(out, warn_missing_tolerance)
        if bad:
            warnings.warn(f"Large number of missing values: Too many missing values: {missing} out of {total}.")
    return out
