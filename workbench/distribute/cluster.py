"""TF's ``tf.train.ClusterSpec``: the jobs of a cluster and the addresses of their tasks."""

from __future__ import annotations

from ..errors import argcheck


class ClusterSpec:
    """The tasks of a cluster by job name (TF's ``tf.train.ClusterSpec``): from a dict of job
    name to a list of addresses (task ``i`` at ``list[i]``) or to a dict ``{task_index:
    address}``, or from another ClusterSpec.

    >>> spec = wb.train.ClusterSpec({"worker": ["localhost:12345", "localhost:23456"]})
    >>> spec.num_tasks("worker"), spec.task_address("worker", 1)
    (2, 'localhost:23456')
    """

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        if not isinstance(cluster, dict):
            raise TypeError("`cluster` must be a dictionary mapping one or more job names to lists of network "
                            f"addresses, or a `ClusterDef` protocol buffer; got {argcheck.describe(cluster)}")
        self._jobs = {}
        for job, tasks in cluster.items():
            if not isinstance(job, str):
                raise TypeError(f"ClusterSpec: a job name must be a string, got {argcheck.describe(job)}")
            if isinstance(tasks, (list, tuple)):
                tasks = dict(enumerate(tasks))
            elif not isinstance(tasks, dict):
                raise TypeError(f"ClusterSpec: the tasks of job {job!r} must be a list or a dict of task index "
                                f"to address, got {argcheck.describe(tasks)}")
            for index, address in tasks.items():
                if not isinstance(index, int) or not isinstance(address, str):
                    raise TypeError(f"ClusterSpec: job {job!r} maps task {index!r} to {address!r}; expected an "
                                    "integer index and a string address")
            self._jobs[job] = dict(sorted(tasks.items()))

    @property
    def jobs(self) -> list:
        """The job names."""
        return list(self._jobs)

    def as_dict(self) -> dict:
        """Each job's addresses (jobs by name): a list where its task indices run 0, 1, ..., else
        a dict."""
        out = {}
        for job, tasks in sorted(self._jobs.items()):
            out[job] = list(tasks.values()) if list(tasks) == list(range(len(tasks))) else dict(tasks)
        return out

    def num_tasks(self, job_name) -> int:
        """How many tasks job ``job_name`` has; ValueError for an unknown job."""
        return len(self._job(job_name))

    def task_indices(self, job_name) -> list:
        """The task indices of job ``job_name``."""
        return list(self._job(job_name))

    def task_address(self, job_name, task_index) -> str:
        """The address of task ``task_index`` of job ``job_name``."""
        tasks = self._job(job_name)
        if task_index not in tasks:
            raise ValueError(f"No task with index {task_index!r} in job {job_name!r}")
        return tasks[task_index]

    def job_tasks(self, job_name) -> list:
        """Job ``job_name``'s addresses, by task index (None where an index has no task)."""
        tasks = self._job(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []

    def _job(self, job_name):
        if job_name not in self._jobs:
            raise ValueError(f"No such job in cluster: {job_name!r}")
        return self._jobs[job_name]

    def __bool__(self):
        return bool(self._jobs)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self._jobs == other._jobs

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return f"ClusterSpec({self.as_dict()!r})"
