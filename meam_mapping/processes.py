"""Work in a child process forked from this one, where that is safe.

Python runs one thread's Python code at a time. A command that reads a large
indicator table in a second thread while the main thread draws still shares
that one interpreter: the table's checks and the map's preparation take
turns. A process **forked** from the command has an interpreter of its own,
starts in milliseconds with everything already imported, and sends back
only its result. :func:`start_in_fork` starts one call that way.

Forking copies only the calling thread: a lock held by another thread at that
moment (inside a web server such as Streamlit's, say) would stay locked for
ever in the child. So a fork happens only on Linux, in a process running no
other Python thread (but those that run process pools, :data:`POOL_THREADS`,
and asyncio's child watchers, :data:`WAITER_PREFIX`, which hold no lock the
child could need); elsewhere the caller runs the work as before.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

__all__ = [
    "POOL_THREADS",
    "WAITER_PREFIX",
    "can_fork",
    "frozen_for_fork",
    "other_threads",
    "start_in_fork",
]

#: Names of the threads that run process pools (joblib's loky and concurrent.futures).
POOL_THREADS = frozenset({"ExecutorManagerThread", "QueueFeederThread"})
#: Name of asyncio's child watcher threads (one per child process it started, for example a
#: browser driver): each only waits in ``os.waitpid`` and holds no lock a worker could need.
WAITER_PREFIX = "asyncio-waitpid-"
#: Classes of the threads that run concurrent.futures' process pools.
_POOL_THREAD_CLASSES = frozenset({"_ExecutorManagerThread"})


def other_threads() -> list[threading.Thread]:
    """The Python threads of this process that rule forking out (see the module notes).

    A process pool's own threads do not: loky's are named in
    :data:`POOL_THREADS`; concurrent.futures' manager thread (of this
    module's earlier children, say) is known by its class, as Python 3.11
    leaves it the default name ``Thread-N``.
    """
    me = threading.current_thread()
    return [
        t
        for t in threading.enumerate()
        if t is not me
        and t.name not in POOL_THREADS
        and type(t).__name__ not in _POOL_THREAD_CLASSES
        and not t.name.startswith(WAITER_PREFIX)
    ]


def can_fork() -> bool:
    """Whether this platform forks processes (Linux) at all."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def start_in_fork(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future | None:
    """Start ``fn(*args, **kwargs)`` in a forked child process; None where that is not safe.

    Parameters
    ----------
    fn : callable
        A module-level function (sent by name, as pickle does).
    *args, **kwargs
        Its arguments; they and the result are pickled.

    Returns
    -------
    concurrent.futures.Future or None
        The result (or the exception ``fn`` raised) comes back through it.
        None when the platform cannot fork, another thread runs here, or
        the call cannot be pickled: the caller then does the work itself.
        A child that dies before answering gives a
        :class:`concurrent.futures.process.BrokenProcessPool`.
    """
    if not can_fork() or other_threads():
        return None
    try:
        pickle.dumps((fn, args, kwargs))
    except Exception:  # noqa: BLE001 - any object pickle refuses: run it here instead
        return None
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    with frozen_for_fork():  # the child is forked at the submit
        future = pool.submit(fn, *args, **kwargs)
    pool.shutdown(wait=False)  # the child ends once it has answered
    return future


@contextlib.contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Fork children inside the block: this process's objects are left out of their garbage collection.

    A forked child's collector would otherwise touch, and so copy, every page
    of the parent's objects (its boundaries, say): about 8 of the 40 CPU
    seconds of the national MSE workers.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
