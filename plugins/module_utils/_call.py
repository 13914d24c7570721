# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one call path for both clouds: retries, attempts, raw replies and errors in one place.

Private to headroom.cloud: not a public API, may change without notice.

Every vendor call goes through :func:`call`. Each cloud supplies only what differs: an SDK hook
that hands each raw reply to a :class:`RawReplies` (so a reply the SDK's models cannot map can
still be validated and named field by field), and a ``classify(exc, operation, target)`` that
turns anything its SDK raises into a :class:`VendorError` saying code, status, request id and
whether another attempt is worth it. The SDKs' own retry machinery is switched off: the retry
policy, and so the number of attempts in every message, lives here.
"""

from __future__ import annotations

import random
import threading

from ansible.module_utils.api import retry_with_delays_and_condition

# Capped exponential backoff with full jitter: attempt n waits a random time up to
# min(CAP, BASE * 2 ** (n - 1)) seconds. Sub-second at first, because throttling clears quickly.
BACKOFF_BASE, BACKOFF_CAP = 0.2, 5.0


def backoff(retries):
    """The delays before each retry, in seconds (``retries`` of them)."""
    for retry in range(retries):
        yield random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** retry))


class VendorError(Exception):
    """A failed call, already translated into what the user needs to read."""

    def __init__(self, summary, code=None, message=None, request_id=None, status=None, hint=None, attempts=1,
                 retryable=False):
        super().__init__(summary)
        self.summary = summary
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.hint = hint
        self.attempts = attempts
        self.retryable = retryable  # throttling or a server-side failure: worth another attempt

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
    """The last raw reply of this thread, kept by an SDK hook (one client may serve several threads)."""

    reply = None


def call(operation, target, send, classify, retries, raw=None):
    """Run ``send()`` (one SDK call) with the retry policy; return the raw reply it received.

    ``classify(exc, operation, target)`` must return a VendorError; its ``retryable`` decides
    whether another attempt follows. After the last attempt the VendorError is raised, with the
    number of attempts made. When the SDK received a successful reply (``raw`` has it) but then
    failed to map it onto its models, the raw reply is returned, for the caller's own parser to
    name what is wrong.
    """
    attempts = []

    def attempt():
        attempts.append(1)
        if raw is None:
            return send()
        raw.reply = None
        try:
            send()
        except Exception:
            if raw.reply is None:
                raise
        return raw.reply

    def translate(exc):
        return exc if isinstance(exc, VendorError) else classify(exc, operation, target)

    try:
        return retry_with_delays_and_condition(backoff(retries), lambda exc: translate(exc).retryable)(attempt)()
    except Exception as exc:
        error = translate(exc)
        error.attempts = len(attempts)
        raise error
