"""The replicas of one process (a ``MirroredStrategy`` over logical CPU devices), each on a
thread of its own, taking turns.

``strategy.run`` starts one thread per replica and lets one run at a time, in replica order, up
to its next ``merge_call`` (TF's ``ReplicaContext.merge_call``: what ``optimizer.apply_gradients``
and ``ReplicaContext.all_reduce`` do) or its end. When every replica waits in ``merge_call``,
the merge function runs once, on the calling thread in the cross-replica context, with the
replicas' arguments regrouped into :class:`~.values.PerReplica` values; then the replicas go
on with its result, again in turn. Since only one thread runs at a time, a ``wb.function``
trace records the replicas' ops in that order (each thread records onto the caller's tracer),
and a replay runs them in that order on one thread.
"""

from __future__ import annotations

import threading

from .. import core, eager, nest
from .. import random as wbrandom
from .values import PerReplica, regroup


class _Abort(BaseException):
    """Ends a replica's thread when another replica failed (not an Exception: user code that
    catches ``Exception`` does not swallow it)."""


def _thread_state():
    """What a replica's thread takes from the calling thread: the trace being recorded, the name
    scope, the tf.data function depth and the random ops' graph."""
    st = core._state
    return {"tracer": st.tracer, "scope": st.scope, "dataset_fns": st.dataset_fns, "deferrals": st.deferrals,
            "graph": wbrandom._local.graph, "kernel_scope": wbrandom._local.kernel_scope,
            "bodies": getattr(eager._bodies, "depth", 0)}


def _adopt(state):
    st = core._state
    core.set_tracer(state["tracer"])
    st.scope, st.dataset_fns, st.deferrals = state["scope"], state["dataset_fns"], state["deferrals"]
    wbrandom._local.graph, wbrandom._local.kernel_scope = state["graph"], state["kernel_scope"]
    eager._bodies.depth = state["bodies"]


class _Replica:
    __slots__ = ("index", "go", "status", "payload", "reply", "thread")

    def __init__(self, index):
        self.index = index
        self.go = threading.Semaphore(0)
        self.status = "waiting"   # then "merge" (payload: merge_fn, args, kwargs), "done" or "error"
        self.payload = None
        self.reply = None
        self.thread = None


class ReplicaThreads:
    """One ``strategy.run`` over the replicas of this process (see the module's docstring).

    ``body(r)`` runs replica ``r``'s function on its thread (the strategy enters its replica
    context there); ``between(r)`` runs on the calling thread before replica ``r > 0`` takes
    its turn and ``segment_begin()``/``segment_end()`` around each round of turns (how the
    strategy keeps its mirrored variables: every replica starts a round from the same values).
    """

    _current = threading.local()   # .runner, .replica on a replica's thread

    def __init__(self, n, body, between, segment_begin, segment_end):
        self._n = n
        self._body = body
        self._between = between
        self._segment_begin = segment_begin
        self._segment_end = segment_end
        self._back = threading.Semaphore(0)
        self._aborted = False
        self._state = _thread_state()

    def run(self):
        """The replicas' results (one per replica, in order)."""
        replicas = [_Replica(r) for r in range(self._n)]
        for rep in replicas:
            rep.thread = threading.Thread(target=self._main, args=(rep,), daemon=True,
                                          name=f"wb.distribute replica {rep.index}")
            rep.thread.start()
        try:
            while True:
                self._segment_begin()
                for rep in replicas:
                    if rep.index:
                        self._between(rep.index)
                    rep.go.release()
                    self._back.acquire()
                    if rep.status == "error":
                        raise rep.payload
                self._segment_end()
                statuses = {rep.status for rep in replicas}
                if statuses == {"done"}:
                    return [rep.payload for rep in replicas]
                if statuses != {"merge"}:
                    merging = [rep.index for rep in replicas if rep.status == "merge"]
                    raise RuntimeError("Some replicas made a different number of replica_context().merge_call() "
                                       f"calls: replicas {merging} called merge_call (an all-reduce, "
                                       "optimizer.apply_gradients) where the others returned")
                self._merge(replicas)
        except BaseException:
            self._aborted = True
            for rep in replicas:
                if rep.thread.is_alive():
                    rep.go.release()
            raise
        finally:
            for rep in replicas:
                rep.thread.join()

    def _merge(self, replicas):
        fns = {rep.payload[0] for rep in replicas}
        merge_fn = replicas[0].payload[0]
        if len(fns) > 1 and len({getattr(f, "__code__", f) for f in fns}) > 1:
            raise RuntimeError(f"strategy.run: the replicas called merge_call with different functions "
                               f"({sorted(getattr(f, '__qualname__', repr(f)) for f in fns)})")
        args, kwargs = regroup([(rep.payload[1], rep.payload[2]) for rep in replicas])
        result = merge_fn(*args, **kwargs)
        for rep in replicas:
            rep.reply = nest.map_structure(
                lambda v, r=rep.index: v.values[r] if isinstance(v, PerReplica) else v, result)

    def _main(self, rep):
        rep.go.acquire()
        if self._aborted:
            return
        ReplicaThreads._current.runner = self
        ReplicaThreads._current.replica = rep
        _adopt(self._state)
        try:
            rep.payload = self._body(rep.index)
            rep.status = "done"
        except _Abort:
            return
        except BaseException as exc:  # noqa: BLE001 -- handed to the calling thread, which raises it
            rep.status, rep.payload = "error", exc
        finally:
            core.set_tracer(None)
        self._back.release()

    def merge_call(self, rep, merge_fn, args, kwargs):
        """Wait (on replica ``rep``'s thread) until every replica reached its merge call and the
        merge ran; its result (this replica's component of a per-replica one)."""
        if core._state.tracer is not self._state["tracer"]:
            raise NotImplementedError(
                "merge_call (optimizer.apply_gradients, ReplicaContext.all_reduce) inside a wb.function "
                "that strategy.run calls on several replicas of one process is not supported: wrap the "
                "strategy.run call in the wb.function instead (`@wb.function def train_step(x): "
                "strategy.run(step, (x,))`)")
        rep.status, rep.payload = "merge", (merge_fn, tuple(args), dict(kwargs))
        self._back.release()
        rep.go.acquire()
        if self._aborted:
            raise _Abort()
        rep.status = "running"
        return rep.reply


def current():
    """``(runner, replica)`` on a replica's thread of a :class:`ReplicaThreads` run, else None."""
    runner = getattr(ReplicaThreads._current, "runner", None)
    return None if runner is None else (runner, ReplicaThreads._current.replica)
