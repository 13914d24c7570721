# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared call layer: retries only what is worth it, counts attempts, keeps raw replies."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils import _call
from ansible_collections.headroom.cloud.plugins.module_utils._call import (
    Attempts,
    RawReplies,
    VendorError,
    backoff,
    call,
)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """No real waiting; every wait the call layer asks for is kept in the list returned."""
    monkeypatch.setattr(_call.random, "uniform", lambda low, high: high)
    waits = []
    monkeypatch.setattr(_call.time, "sleep", waits.append)
    return waits


class Flaky:
    """Fails ``failures`` times with ``exc``, then answers."""

    def __init__(self, failures, exc, answer="reply"):
        self.failures, self.exc, self.answer, self.calls = failures, exc, answer, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc
        return self.answer


def classify(exc, operation, target):
    return VendorError("%s for %s failed" % (operation, target), code=str(exc), retryable=str(exc) == "busy",
                       retry_after=getattr(exc, "retry_after", None))


class AskedToWait(RuntimeError):
    def __init__(self, seconds):
        super().__init__("busy")
        self.retry_after = seconds


def test_a_retryable_failure_is_retried_to_success():
    send = Flaky(2, RuntimeError("busy"))
    assert call("Op", "t1", send, classify, retries=3) == "reply"
    assert send.calls == 3


def test_retries_run_out_with_the_attempts_counted():
    send = Flaky(10, RuntimeError("busy"))
    with pytest.raises(VendorError) as caught:
        call("Op", "t1", send, classify, retries=2)
    assert send.calls == 3 and caught.value.attempts == 3
    assert caught.value.describe() == "Op for t1 failed: busy. Gave up after 3 attempts."


def test_a_final_failure_is_not_retried():
    send = Flaky(10, RuntimeError("denied"))
    with pytest.raises(VendorError) as caught:
        call("Op", "t1", send, classify, retries=5)
    assert send.calls == 1 and caught.value.attempts == 1
    assert "Gave up" not in caught.value.describe()


def test_zero_retries_is_one_attempt():
    send = Flaky(10, RuntimeError("busy"))
    with pytest.raises(VendorError):
        call("Op", "t1", send, classify, retries=0)
    assert send.calls == 1


def test_a_reply_the_sdk_could_not_map_is_returned_for_validation():
    raw = RawReplies()

    def send():
        raw.reply = {"body": "as received"}
        raise ValueError("the SDK's model could not map it")

    assert call("Op", "t1", send, classify, retries=3, raw=raw) == {"body": "as received"}


def test_a_failure_without_a_reply_is_classified():
    raw = RawReplies()
    raw.reply = {"stale": "reply of an earlier call"}
    with pytest.raises(VendorError):
        call("Op", "t1", Flaky(1, RuntimeError("denied")), classify, retries=0, raw=raw)


def test_backoff_is_capped_full_jitter(monkeypatch):
    monkeypatch.setattr(_call.random, "uniform", lambda low, high: high)
    assert list(backoff(7)) == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert list(backoff(0)) == []


def test_the_wait_a_reply_asks_for_replaces_the_backoff(no_sleep):
    send = Flaky(2, AskedToWait(1.5))
    assert call("Op", "t1", send, classify, retries=3) == "reply"
    assert no_sleep == [1.5, 1.5]


def test_a_wait_a_reply_asks_for_is_capped_so_the_retry_budget_holds(no_sleep):
    with pytest.raises(VendorError) as caught:
        call("Op", "t1", Flaky(10, AskedToWait(3600)), classify, retries=2)
    assert no_sleep == [_call.RETRY_AFTER_CAP] * 2 and caught.value.attempts == 3


def test_without_a_wait_asked_for_the_backoff_applies(no_sleep):
    call("Op", "t1", Flaky(2, RuntimeError("busy")), classify, retries=3)
    assert no_sleep == [0.2, 0.4]


def test_a_wait_kept_by_the_sdk_hook_is_used_when_the_exception_has_none(no_sleep):
    raw = RawReplies()
    calls = []

    def send():
        calls.append(1)
        if len(calls) == 1:
            raw.retry_after = 2.0  # what a response hook saw in the failed reply's Retry-After
            raise RuntimeError("busy")
        raw.reply = {"body": "ok"}
        return "mapped"

    assert call("Op", "t1", send, classify, retries=3, raw=raw) == {"body": "ok"}
    assert no_sleep == [2.0]


def test_every_attempt_of_every_call_is_counted_into_the_tally():
    tally = Attempts()
    call("Op", "t1", Flaky(2, RuntimeError("busy")), classify, retries=3, tally=tally)
    call("Op", "t2", Flaky(0, RuntimeError("busy")), classify, retries=3, tally=tally)
    with pytest.raises(VendorError):
        call("Op", "t3", Flaky(5, RuntimeError("denied")), classify, retries=3, tally=tally)
    assert tally.count == 3 + 1 + 1
