# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One thread pool for all the work of a module call: jobs, jobs that wait for jobs, failures."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils._jobs import Outcome, run_jobs


def value(x):
    return x


def fail(message):
    raise ValueError(message)


def test_plain_jobs_come_back_in_order_and_a_failure_is_an_outcome():
    outcomes = run_jobs([partial(value, 1), partial(fail, "no"), partial(value, 3)], max_workers=4)
    assert [o.value for o in outcomes] == [1, None, 3]
    assert isinstance(outcomes[1].error, ValueError) and str(outcomes[1].error) == "no"
    with pytest.raises(ValueError):
        outcomes[1].get()


def region(instances):
    """A job in the shape of a region read: it fans out, then combines what came back."""
    outcomes = yield [partial(instance, name) for name in instances]
    return [o.value if o.error is None else "unreadable %s" % name for name, o in zip(instances, outcomes)]


def instance(name):
    """A job that itself waits for jobs (the types a reply left out)."""
    if name == "bad":
        raise RuntimeError("state invalid")
    parts = yield [partial(value, "%s.%d" % (name, i)) for i in range(2)]
    return "+".join(part.get() for part in parts)


def test_jobs_that_wait_for_jobs_get_their_outcomes_in_order():
    outcomes = run_jobs([partial(region, ["a", "bad", "c"]), partial(value, "flat")], max_workers=2)
    assert outcomes[0].get() == ["a.0+a.1", "unreadable bad", "c.0+c.1"]
    assert outcomes[1].get() == "flat"


def test_a_job_may_yield_nothing_and_go_on():
    def empty():
        got = yield []
        return got

    assert run_jobs([empty], max_workers=1)[0].get() == []


def test_a_failure_after_waiting_is_the_jobs_outcome():
    def gives_up():
        outcomes = yield [partial(fail, "inner")]
        outcomes[0].get()

    outcome = run_jobs([gives_up], max_workers=1)[0]
    assert isinstance(outcome.error, ValueError) and str(outcome.error) == "inner"


def test_one_pool_bounds_the_work_in_flight_and_never_deadlocks():
    """Targets that each wait for many jobs, on fewer workers than targets: with a pool per level a
    worker would block waiting for work queued behind it; here every job still runs, at most
    max_workers at a time."""
    lock = threading.Lock()
    running = [0, 0]  # now, most at once

    def leaf():
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return 1

    def target():
        outcomes = yield [leaf] * 6
        return sum(o.get() for o in outcomes)

    outcomes = run_jobs([target] * 5, max_workers=3)
    assert [o.get() for o in outcomes] == [6] * 5
    assert running[1] <= 3


def test_an_outcome_without_error_gives_its_value_even_when_falsy():
    assert Outcome(0).get() == 0 and Outcome(None).get() is None
