"""``wb.distribute.experimental``: TF's names for the collectives' options and the multi-worker
and central-storage strategies."""

from .strategy import (CentralStorageStrategy, CollectiveCommunication, CommunicationImplementation,
                       CommunicationOptions, MultiWorkerMirroredStrategy, ValueContext)

__all__ = ["CentralStorageStrategy", "CollectiveCommunication", "CommunicationImplementation",
           "CommunicationOptions", "MultiWorkerMirroredStrategy", "ValueContext"]
