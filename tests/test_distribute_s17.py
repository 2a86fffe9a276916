"""Session 17 of wb.distribute: a lone worker's cluster resolver, several logical-CPU replicas
training in one process (TF 2.21's values pinned), dtensor."""

import numpy as np
import pytest

import workbench as wb


def test_lone_worker_cluster_resolver_is_tfs():
    # TF 2.21, no TF_CONFIG: TFConfigClusterResolver with task_type/task_id None, ClusterSpec({})
    resolver = wb.distribute.MultiWorkerMirroredStrategy(
        collectives=wb.distribute.LocalCollectives()).cluster_resolver
    assert resolver.task_type is None and resolver.task_id is None and resolver.rpc_layer is None
    assert resolver.cluster_spec() == wb.train.ClusterSpec({}) and not resolver.cluster_spec()
    # MirroredStrategy, OneDeviceStrategy and the default strategy have none
    assert wb.distribute.MirroredStrategy().cluster_resolver is None
    assert wb.distribute.OneDeviceStrategy("/cpu:0").cluster_resolver is None
    assert wb.distribute.get_strategy().cluster_resolver is None
