"""``wb.distribute.experimental``: TF's names for the collectives' options and the multi-worker
strategy."""

from .strategy import CommunicationOptions, MultiWorkerMirroredStrategy, ValueContext

__all__ = ["CommunicationOptions", "MultiWorkerMirroredStrategy", "ValueContext"]
