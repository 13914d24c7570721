# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One thread pool for all the work of a module call.

Private to headroom.cloud: not a public API, may change without notice.

A module call reads one target or several, and one read may fan out: one call per KMS instance of
a region, per listing page, per resource type a reply left out, per flavor. A pool per level,
nested inside another pool's workers, multiplies threads and can deadlock once every worker waits
for work queued behind it. So every piece of work is a *job* on one pool:

- a job is a callable without arguments; what it returns is its result;
- a job that needs other work done first is a generator function: it ``yield``s a list of jobs
  and receives their :class:`Outcome` objects (same order) once all of them are done, then goes
  on; what it finally returns is its result.

No worker ever waits for another job: a generator's next step is submitted only when the jobs it
yielded are done. So the pool's size bounds the requests in flight, however deep the nesting.
"""

from __future__ import annotations

import types
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait


class Outcome:
    """How a job ended: its ``value``, or the exception it raised (``error``)."""

    __slots__ = ("value", "error")

    def __init__(self, value=None, error=None):
        self.value = value
        self.error = error

    def get(self):
        """The job's value; its exception, raised again, when it failed."""
        if self.error is not None:
            raise self.error
        return self.value


def run_jobs(jobs, max_workers):
    """Run ``jobs``, and every job they yield, on one pool of at most ``max_workers`` threads.

    Returns one Outcome per job of ``jobs``, in order; a job's exception never escapes.
    """
    top = _Waiting(None, None, None, len(jobs))
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        scheduler = _Scheduler(pool)
        scheduler.start(jobs, top)
        scheduler.drain()
    return top.outcomes


class _Waiting:
    """Jobs in flight for one waiter: a generator (or the caller of run_jobs, with none), and the
    slot of its own parent waiter that its result goes to."""

    def __init__(self, generator, parent, slot, count):
        self.generator = generator
        self.parent = parent
        self.slot = slot
        self.outcomes = [None] * count
        self.left = count


class _Scheduler:
    """Submits steps and routes results; runs in the caller's thread only, so it needs no lock."""

    def __init__(self, pool):
        self.pool = pool
        self.running = {}  # future -> (waiter, slot) its result goes to

    def start(self, jobs, waiting):
        for slot, job in enumerate(jobs):
            self.running[self.pool.submit(_first_step, job)] = (waiting, slot)

    def drain(self):
        while self.running:
            done = wait(self.running, return_when=FIRST_COMPLETED)[0]
            for future in done:
                waiting, slot = self.running.pop(future)
                self.settle(future, waiting, slot)

    def settle(self, future, waiting, slot):
        """A step ended: its job finished (or failed), or its generator yielded more jobs."""
        try:
            generator, jobs, value = future.result()
        except Exception as exc:  # the job failed: its outcome says how
            self.deliver(waiting, slot, Outcome(error=exc))
            return
        if generator is None:
            self.deliver(waiting, slot, Outcome(value))
            return
        child = _Waiting(generator, waiting, slot, len(jobs))
        if jobs:
            self.start(jobs, child)
        else:
            self.resume(child)

    def deliver(self, waiting, slot, outcome):
        waiting.outcomes[slot] = outcome
        waiting.left -= 1
        if waiting.left == 0 and waiting.generator is not None:
            self.resume(waiting)

    def resume(self, waiting):
        """Send a generator its outcomes, in a worker: its next step may well call the network."""
        future = self.pool.submit(_next_step, waiting.generator, waiting.outcomes)
        self.running[future] = (waiting.parent, waiting.slot)


def _first_step(job):
    """(generator, jobs it yielded, None) while a job waits for more; (None, None, result) when done."""
    value = job()
    if isinstance(value, types.GeneratorType):
        return _next_step(value, None)
    return None, None, value


def _next_step(generator, outcomes):
    try:
        jobs = generator.send(outcomes)
    except StopIteration as stop:
        return None, None, stop.value
    return generator, list(jobs), None
