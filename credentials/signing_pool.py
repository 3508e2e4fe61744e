"""Sign many credentials at once: forked worker processes, results in order.

`parallel_map(function, items)` is `[function(item) for item in items]`, run in a pool
of forked processes (one per CPU) when there are enough items to pay for it. The
function and the items are never pickled: they are set here before the pool forks,
so every worker has them as its copy of this process's memory; a task is an index
and only results travel back, through the pool's pipe. So an issuer key in the
function's closure reaches the workers without being written to a file or a pipe.

The first item is done here before forking, so what it warms up (the canonical proof
options, the inline contexts, the shapes pyld has confirmed; credentials/signing.py,
credentials/rdfc_fast.py) is shared by every worker.

Sequential where forking is not possible or not worth it: fewer than MIN_ITEMS items,
one CPU, no `fork` start method (Windows), or already inside a worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 24  # below this, starting the workers costs more than they save
_TASK: dict[str, Any] = {}


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def workers_for(count: int, processes: int | None = None) -> int:
    """How many worker processes `parallel_map` uses for `count` items (1: none, it runs here)."""
    wanted = cpu_count() if processes is None else processes
    if (
        wanted <= 1
        or count < MIN_ITEMS
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon
        or _TASK
    ):
        return 1
    return min(wanted, count - 1)


def parallel_map(function: Callable[[T], R], items: Iterable[T], *, processes: int | None = None) -> list[R]:
    """[function(item) for item in items], in forked workers when it pays; the first exception is raised here."""
    items = list(items)
    workers = workers_for(len(items), processes)
    if workers <= 1:
        return [function(item) for item in items]
    first = function(items[0])
    rest = len(items) - 1
    _TASK.update(function=function, items=items)
    # The workers' garbage collector leaves what they inherit alone: it would copy every page it touches.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_run, range(1, len(items)), chunksize=max(1, min(32, rest // (workers * 4))))
    finally:
        gc.unfreeze()
        _TASK.clear()
    return [first, *results]


def _run(index: int) -> Any:
    return _TASK["function"](_TASK["items"][index])
