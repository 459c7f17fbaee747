"""Independent tasks (one per stratum) in worker processes that start without importing again.

Separate estimates for hundreds of strata (districts) run in parallel
(:func:`~meam_mapping.estimate.mse.strata.estimate_by_stratum`). A fresh
Python worker spends 3.5 to 4 CPU seconds importing pandas, scipy and
statsmodels before it estimates anything: on two cores, about an eighth of
the national run. So, where it is safe, the workers are **forked** from the
calling process, which has the estimator imported already, and start in
milliseconds (:class:`concurrent.futures.ProcessPoolExecutor` with the
``'fork'`` start method). It is safe on Linux when the calling process runs
no other Python thread (those that run process pools apart, see
:data:`POOL_THREADS`, and asyncio's child watchers, :data:`WAITER_PREFIX`): forking copies only the calling thread, so a lock held
by another thread at that moment (inside a web server such as Streamlit's,
say) would stay locked for ever in the worker. Elsewhere (macOS and Windows,
where forking is unsafe or unavailable, or a process with several threads)
the workers are fresh interpreters started by joblib's loky backend, as
before. Each forked worker uses one BLAS thread (threadpoolctl), so the
workers do not compete for the cores with each other's thread pools.

The items are sent in a few large chunks (a few per worker, taken in turn so
that slow and fast items mix), and the results come back in the items' order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

from meam_mapping.processes import POOL_THREADS, WAITER_PREFIX, can_fork, frozen_for_fork
from meam_mapping.processes import other_threads as _other_threads

__all__ = [
    "CHUNKS_PER_WORKER",
    "POOL_THREADS",
    "WAITER_PREFIX",
    "WorkerStopped",
    "map_chunks",
    "start_method",
]

T = TypeVar("T")
R = TypeVar("R")
Start = Literal["auto", "fork", "loky"]

#: Chunks of items per worker: few round trips, and a slow chunk does not leave a core idle.
CHUNKS_PER_WORKER = 4
_LIMITS: Any = None  # the forked worker's BLAS thread limit, kept for its lifetime


class WorkerStopped(RuntimeError):
    """A worker process stopped (crashed or was killed) before returning its results."""


def start_method(start: Start = "auto") -> Literal["fork", "loky"]:
    """How worker processes would be started here.

    Parameters
    ----------
    start : {'auto', 'fork', 'loky'}
        ``'auto'``: ``'fork'`` on Linux when this process runs no other Python
        thread (but those of process pools), ``'loky'`` otherwise. ``'fork'`` is honoured only where the
        platform can fork (``'loky'`` is used otherwise).

    Returns
    -------
    {'fork', 'loky'}
    """
    if start not in ("auto", "fork", "loky"):
        raise ValueError(f"start must be 'auto', 'fork' or 'loky', not {start!r}")
    if start == "loky" or not can_fork():
        return "loky"
    if start == "fork" or not _other_threads():
        return "fork"
    return "loky"


def _chunks(n_items: int, n_workers: int) -> list[list[int]]:
    n_chunks = min(n_items, CHUNKS_PER_WORKER * n_workers)
    return [list(range(i, n_items, n_chunks)) for i in range(n_chunks)]


def _one_blas_thread() -> None:
    global _LIMITS
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return
    _LIMITS = threadpool_limits(limits=1, user_api="blas")


def map_chunks(
    fn: Callable[[list[T]], list[R]],
    items: Sequence[T],
    n_workers: int,
    *,
    start: Start = "auto",
    describe: Callable[[T], str] = str,
) -> list[R]:
    """Apply ``fn`` to chunks of ``items`` in ``n_workers`` processes, results in order.

    Parameters
    ----------
    fn : callable
        Takes a list of items and returns one result per item, in order. A
        module-level function (or a :func:`functools.partial` of one), so it
        can be sent to a worker.
    items : sequence
        The independent tasks.
    n_workers : int
        Worker processes (1 runs ``fn`` on all the items in this process).
    start : {'auto', 'fork', 'loky'}
        How the workers start (see :func:`start_method`).
    describe : callable, optional
        Names an item in the message when a worker stops.

    Returns
    -------
    list
        ``fn``'s results for every item, in the order of ``items``.

    Raises
    ------
    WorkerStopped
        When a worker process stops before returning (killed for lack of
        memory, or crashed); the message names the items whose results were
        lost. An exception raised by ``fn`` itself is raised again here as it is.
    """
    items = list(items)
    if n_workers <= 1 or len(items) <= 1:
        return list(fn(items))
    positions = _chunks(len(items), n_workers)
    parts = [[items[i] for i in chunk] for chunk in positions]
    if start_method(start) == "fork":
        done = _run_forked(fn, parts, positions, n_workers, items, describe)
    else:
        done = _run_loky(fn, parts, positions, n_workers, items, describe)
    results: list[Any] = [None] * len(items)
    for chunk, part in zip(positions, done, strict=True):
        if len(part) != len(chunk):
            raise RuntimeError(f"a chunk of {len(chunk)} items gave {len(part)} results")
        for i, result in zip(chunk, part, strict=True):
            results[i] = result
    return results


def _stopped(
    lost: list[int], items: list, describe: Callable[[Any], str], cause: BaseException
) -> WorkerStopped:
    names = [describe(items[i]) for i in sorted(lost)]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return WorkerStopped(
        f"a worker process stopped before it finished ({cause}); the results for "
        f"{len(names)} item(s) were lost: {shown}. It may have been killed for lack of "
        "memory. What to do: run again with n_jobs=1 (one at a time, in this process), "
        "which also shows the error if one of these items causes it"
    )


def _run_forked(
    fn: Callable,
    parts: list[list],
    positions: list[list[int]],
    n_workers: int,
    items: list,
    describe: Callable[[Any], str],
) -> list[list]:
    context = multiprocessing.get_context("fork")
    done: list[list] = []
    with ProcessPoolExecutor(n_workers, mp_context=context, initializer=_one_blas_thread) as ex:
        # All the workers are forked at the first submit (fork: none started later).
        with frozen_for_fork():
            futures = [ex.submit(fn, part) for part in parts]
        lost: list[int] = []
        cause: BaseException | None = None
        for chunk, future in zip(positions, futures, strict=True):
            try:
                done.append(future.result())
            except BrokenProcessPool as exc:
                lost += chunk
                cause = exc
            except BaseException:
                ex.shutdown(wait=True, cancel_futures=True)
                raise
    if cause is not None:
        raise _stopped(lost, items, describe, cause) from cause
    return done


def _run_loky(
    fn: Callable,
    parts: list[list],
    positions: list[list[int]],
    n_workers: int,
    items: list,
    describe: Callable[[Any], str],
) -> list[list]:
    from joblib import Parallel, delayed
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    try:
        return Parallel(n_jobs=n_workers)(delayed(fn)(part) for part in parts)
    except TerminatedWorkerError as exc:  # which chunk stopped is not known: all are lost
        raise _stopped([i for chunk in positions for i in chunk], items, describe, exc) from exc
