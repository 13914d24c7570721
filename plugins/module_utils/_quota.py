# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalised quota record shared by every module and by the quota_gate role.

Private to headroom.cloud: not a public API, may change without notice.
"""

from __future__ import annotations

import re

UNLIMITED = -1
# The resource types each service reports, in the order the modules return them. The modules'
# resource_types choices, the gate's checks and the role's argument spec all agree with this.
RESOURCE_TYPES = {"kms": ("key", "secret", "qps", "vpc"), "taurusdb": ("instance", "vcpus", "ram")}


class MalformedReply(Exception):
    """A vendor reply that cannot be trusted; a gate must never pass on it."""

    def __init__(self, field, raw, problem, request_id=None):
        self.field = field
        self.raw = raw
        self.problem = problem
        self.request_id = request_id
        super().__init__(self.describe())

    def describe(self):
        msg = "malformed reply: field %s %s (raw value: %s)" % (self.field, self.problem, _short(self.raw))
        if self.request_id:
            msg += "; request id %s" % self.request_id
        return msg


# ASCII digits only, one optional sign: str.isdigit() also takes "²" and "٣", which int() refuses or misreads.
WHOLE_NUMBER = re.compile(r"-?[0-9]+\Z")


def _short(raw, limit=200):
    text = repr(raw)
    return text if len(text) <= limit else text[:limit] + "...[%d chars]" % len(text)


def parse_count(field, raw, request_id=None, allow_unlimited=False):
    """Read a non-negative whole number the way a service means it.

    JSON numbers and digit-only strings are accepted (some gateways quote numbers); booleans,
    fractions, negative numbers and anything else are refused rather than guessed at.
    """
    value = raw
    if isinstance(raw, str) and WHOLE_NUMBER.match(raw.strip()):
        value = int(raw.strip())
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedReply(field, raw, "is not a whole number", request_id)
    if value == UNLIMITED and allow_unlimited:
        return value
    if value < 0:
        raise MalformedReply(field, raw, "is negative", request_id)
    return value


def quota_record(resource_type, quota, used, **identity):
    """Build one record: ``available`` never negative, ``-1`` means unlimited."""
    unlimited = quota == UNLIMITED
    if unlimited:
        available = usage_percent = None
    else:
        available = max(quota - used, 0)
        usage_percent = 100.0 if quota == 0 else round(100.0 * used / quota, 1)
    record = dict(identity)
    record.update(
        available=available,
        quota=quota,
        resource_type=resource_type,
        unlimited=unlimited,
        usage_percent=usage_percent,
        used=used,
    )
    return record


def records_from_items(items, type_key, quota_key, used_key, wanted, request_id=None, field="", **identity):
    """Turn a vendor's list of quota items into records for the wanted resource types.

    Every item is validated, wanted or not: one unreadable item means the reply cannot be trusted.
    A wanted type the service does not report is left out, never invented; a well-formed type that
    is not wanted (or not known yet) is skipped.
    """
    if not isinstance(items, list):
        raise MalformedReply(field, items, "is not a list", request_id)
    records = {}
    for index, item in enumerate(items):
        where = "%s[%d]" % (field, index)
        if not isinstance(item, dict):
            raise MalformedReply(where, item, "is not an object", request_id)
        resource_type = item.get(type_key)
        if not isinstance(resource_type, str) or not resource_type.isidentifier():
            raise MalformedReply("%s.%s" % (where, type_key), resource_type, "is not a resource type name", request_id)
        quota = parse_count("%s.%s" % (where, quota_key), item.get(quota_key), request_id, allow_unlimited=True)
        used = parse_count("%s.%s" % (where, used_key), item.get(used_key), request_id)
        if resource_type in records:
            raise MalformedReply("%s.%s" % (where, type_key), resource_type, "is reported twice", request_id)
        records[resource_type] = quota_record(resource_type, quota, used, **identity)
    return [records[name] for name in wanted if name in records]
