"""``wb.distribute``: TF 2's distribution strategies on MPI (``mpi4py``) and NCCL (CuPy).

>>> strategy = wb.distribute.MultiWorkerMirroredStrategy()   # under `mpiexec -n 2` or alone
>>> with strategy.scope():
...     model = make_model(); optimizer = wb.optimizers.SGD(0.1)
>>> dist = strategy.experimental_distribute_dataset(dataset.batch(GLOBAL_BATCH))
>>> @wb.function
... def step(x, y):
...     def replica_step(x, y):
...         with wb.GradientTape() as tape:
...             loss = wb.nn.compute_average_loss(loss_fn(y, model(x)))
...         grads = tape.gradient(loss, model.trainable_variables)
...         optimizer.apply_gradients(zip(grads, model.trainable_variables))  # summed over replicas
...         return loss
...     return strategy.reduce("SUM", strategy.run(replica_step, (x, y)), axis=None)
"""

from . import experimental
from .collectives import Collectives, LocalCollectives
from .cross_device_ops import CrossDeviceOps, HierarchicalCopyAllReduce, NcclAllReduce, ReductionToOneDevice
from .input import InputContext
from .strategy import (ClusterResolver, MirroredStrategy, MultiWorkerMirroredStrategy, OneDeviceStrategy,
                       ReplicaContext, Strategy, StrategyExtended, get_replica_context, get_strategy,
                       has_strategy, in_cross_replica_context)
from .values import PerReplica, PerReplicaSpec, ReduceOp

__all__ = ["ClusterResolver", "Collectives", "CrossDeviceOps", "HierarchicalCopyAllReduce", "InputContext",
           "LocalCollectives", "MirroredStrategy", "MultiWorkerMirroredStrategy", "NcclAllReduce",
           "OneDeviceStrategy", "PerReplica", "PerReplicaSpec", "ReduceOp", "ReductionToOneDevice",
           "ReplicaContext", "Strategy", "StrategyExtended", "experimental", "get_replica_context",
           "get_strategy", "has_strategy", "in_cross_replica_context"]
