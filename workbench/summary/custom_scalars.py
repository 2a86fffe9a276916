"""The layout of TensorBoard's Custom Scalars dashboard: several tags on one chart.

A layout is a ``tensorboard.plugins.custom_scalar.layout_pb2.Layout`` proto or a
dict ``{category: {chart title: chart}}`` where a chart is

- a list of tag regexes, or ``("Multiline", [regex, ...])``: one line per matching tag;
- ``("Margin", [value_tag, lower_tag, upper_tag])`` (or a list of such triples):
  a line with a shaded band between the lower and upper tags.

>>> wb.summary.custom_scalar_layout({                                   # doctest: +SKIP
...     "losses": {"train vs val": ["loss/train", "loss/val"]},
...     "bounds": {"mean ± std": ("Margin", ["acc/mean", "acc/low", "acc/high"])},
... })
"""

from __future__ import annotations

from ._tb import tb
from .ops import _string_tensor
from .writer import _recording_writer, _resolve_step

__all__ = ["custom_scalar_layout", "layout_proto"]


def _chart(layout_pb2, title, spec):
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and spec[0] in ("Multiline", "Margin"):
        kind, tags = spec
    else:
        kind, tags = "Multiline", spec
    if isinstance(tags, str):
        tags = [tags]
    if kind == "Multiline":
        return layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=list(tags)))
    triples = [tags] if tags and isinstance(tags[0], str) else tags
    series = []
    for triple in triples:
        if len(triple) != 3:
            raise ValueError(f"custom_scalar_layout: a Margin chart needs [value, lower, upper] tags, "
                             f"got {triple!r} in chart {title!r}")
        series.append(layout_pb2.MarginChartContent.Series(value=triple[0], lower=triple[1], upper=triple[2]))
    return layout_pb2.Chart(title=title, margin=layout_pb2.MarginChartContent(series=series))


def layout_proto(layout):
    """A ``Layout`` proto from a dict (see the module docstring); a ``Layout`` is returned as it is."""
    layout_pb2 = tb().layout_pb2
    if isinstance(layout, layout_pb2.Layout):
        return layout
    if not isinstance(layout, dict):
        raise TypeError(f"custom_scalar_layout: layout must be a dict or a Layout proto, got {type(layout).__name__}")
    categories = [
        layout_pb2.Category(title=category, chart=[_chart(layout_pb2, title, spec) for title, spec in charts.items()])
        for category, charts in layout.items()
    ]
    return layout_pb2.Layout(category=categories)


def custom_scalar_layout(layout, step=0):
    """Write the Custom Scalars dashboard layout to the default writer (once per run is enough).

    Returns True when written, False when no writer is set or recording is off.
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    pb = tb()
    tensor = _string_tensor([layout_proto(layout).SerializeToString()], [])
    writer.write_value(pb.custom_scalar_metadata.CONFIG_SUMMARY_TAG, step, tensor,
                       pb.custom_scalar_metadata.create_summary_metadata)
    return True
