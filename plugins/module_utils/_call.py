# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one call path for both clouds: retries, attempts, raw replies and errors in one place.

Private to headroom.cloud: not a public API, may change without notice.

Every vendor call goes through :func:`call`. Each cloud supplies only what differs: an SDK hook
that hands each raw reply to a :class:`RawReplies` (so a reply the SDK's models cannot map can
still be validated and named field by field), and a ``classify(exc, operation, target)`` that
turns anything its SDK raises into a :class:`VendorError` saying code, status, request id,
whether another attempt is worth it and how long the service asked to wait before it. The SDKs'
own retry machinery is switched off: the retry policy, and so the number of attempts in every
message, lives here.
"""

from __future__ import annotations

import random
import threading
import time

# Capped exponential backoff with full jitter: attempt n waits a random time up to
# min(CAP, BASE * 2 ** (n - 1)) seconds. Sub-second at first, because throttling clears quickly.
BACKOFF_BASE, BACKOFF_CAP = 0.2, 5.0
# A wait the service asks for (x-acs-retry-after, Retry-After) replaces the backoff's, up to the
# backoff's own cap: however long a reply asks for, a call never waits longer than retries x 5 s.
RETRY_AFTER_CAP = BACKOFF_CAP


def backoff(retries):
    """The delays before each retry, in seconds (``retries`` of them)."""
    for retry in range(retries):
        yield random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** retry))


class VendorError(Exception):
    """A failed call, already translated into what the user needs to read."""

    def __init__(self, summary, code=None, message=None, request_id=None, status=None, hint=None, attempts=1,
                 retryable=False, retry_after=None, details=None):
        super().__init__(summary)
        self.summary = summary
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.hint = hint
        self.attempts = attempts
        self.retryable = retryable  # throttling or a server-side failure: worth another attempt
        self.retry_after = retry_after  # seconds the service asked to wait before the next attempt, or None
        self.details = details or {}  # further keys for the result of the read that failed

    def describe(self):
        parts = [self.summary]
        if self.code:
            parts.append(": %s" % self.code)
            if self.status:
                parts.append(" (HTTP %s)" % self.status)
        if self.message:
            parts.append(": %s" % self.message.rstrip("."))
        text = "".join(parts) + "."
        if self.attempts and self.attempts > 1:
            text += " Gave up after %d attempts." % self.attempts
        if self.request_id:
            text += " Request id: %s." % self.request_id
        if self.hint:
            text += " " + self.hint
        return text

    def as_result(self):
        return dict(
            attempts=self.attempts,
            code=self.code,
            http_status=self.status,
            message=self.message,
            request_id=self.request_id,
        )


class RawReplies(threading.local):
    """What an SDK hook saw of this thread's last reply (one client may serve several threads):
    the reply itself when it succeeded, and the wait a failed reply asked for (``retry_after``,
    seconds) where the SDK's exception does not carry it."""

    reply = None
    retry_after = None


class Attempts:
    """How many requests one read sent, retries included; shared by the threads of that read."""

    def __init__(self):
        self._lock = threading.Lock()
        self.count = 0

    def add(self, attempts):
        with self._lock:
            self.count += attempts


def call(operation, target, send, classify, retries, raw=None, tally=None):
    """Run ``send()`` (one SDK call) with the retry policy; return the raw reply it received.

    ``classify(exc, operation, target)`` must return a VendorError; its ``retryable`` decides
    whether another attempt follows, after the wait the service asked for (``retry_after``,
    capped) or else the backoff's. After the last attempt the VendorError is raised, with the
    number of attempts made. When the SDK received a successful reply (``raw`` has it) but then
    failed to map it onto its models, the raw reply is returned, for the caller's own parser to
    name what is wrong. Every attempt is counted into ``tally`` (an Attempts), if given.

    (ansible.module_utils.api.retry_with_delays_and_condition takes its delays before it sees a
    failure, so it cannot wait what a reply asks for: hence this loop.)
    """
    delays = backoff(retries)
    attempts = 0
    while True:
        attempts += 1
        try:
            reply = _attempt(send, raw)
        except Exception as exc:
            error = exc if isinstance(exc, VendorError) else classify(exc, operation, target)
            if error.retry_after is None and raw is not None:
                error.retry_after = raw.retry_after
            delay = next(delays, None) if error.retryable else None
            if delay is None:
                error.attempts = attempts
                _count(tally, attempts)
                raise error
            time.sleep(delay if error.retry_after is None else min(error.retry_after, RETRY_AFTER_CAP))
            continue
        _count(tally, attempts)
        return reply


def _attempt(send, raw):
    if raw is None:
        return send()
    raw.reply = raw.retry_after = None
    try:
        send()
    except Exception:
        if raw.reply is None:
            raise
    return raw.reply


def _count(tally, attempts):
    if tally is not None:
        tally.add(attempts)
