"""TensorBoard summaries without TensorFlow, with TF 2's ``tf.summary`` API.

Event files are framed and checksummed here and filled with the ``tensorboard``
package's protos and plugin metadata, so the real TensorBoard reads them.
``tensorboard`` is imported on first use (``pip install 'research-workbench[tracking]'``).

>>> import workbench as wb
>>> writer = wb.summary.create_file_writer("logs/run1")            # doctest: +SKIP
>>> with writer.as_default():                                      # doctest: +SKIP
...     for step in range(100):
...         wb.summary.scalar("loss", 1.0 / (step + 1), step=step)
...     wb.summary.histogram("weights", wb.random.normal([1000]), step=99)
>>> writer.close()                                                 # doctest: +SKIP

``trace_on``/``trace_export`` write the graphs of the ``wb.function`` traces made in between
(the steps a trace recorded, see ``workbench.summary.trace``). Not provided: name-scope
prefixes on tags.
"""

from . import experimental, hparams  # noqa: F401
from .custom_scalars import custom_scalar_layout
from .ops import audio, histogram, image, pr_curve, scalar, text
from .trace import trace_export, trace_off, trace_on
from .writer import (
    SummaryWriter, create_file_writer, create_noop_writer, flush, record_if, should_record_summaries, write,
)

__all__ = [
    "SummaryWriter", "create_file_writer", "create_noop_writer", "flush", "record_if",
    "should_record_summaries", "write", "scalar", "histogram", "image", "text", "audio", "pr_curve",
    "custom_scalar_layout", "experimental", "hparams", "trace_on", "trace_off", "trace_export",
]
