# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalised quota record: arithmetic, unlimited quotas, and refusal of unreadable numbers."""

from __future__ import annotations

import pytest

from ansible_collections.headroom.cloud.plugins.module_utils._quota import (
    MalformedReply,
    parse_count,
    quota_record,
    records_from_items,
)


@pytest.mark.parametrize(
    "quota, used, available, usage_percent",
    [
        (12, 10, 2, 83.3),
        (3, 1, 2, 33.3),
        (50, 4, 46, 8.0),
        (10, 10, 0, 100.0),
        (5, 9, 0, 180.0),  # a quota lowered below usage: available is clamped, usage shows the overrun
        (0, 0, 0, 100.0),  # a zero quota leaves no room at all
        (0, 3, 0, 100.0),
        (3, 2, 1, 66.7),  # one decimal place, rounded
    ],
)
def test_record_arithmetic(quota, used, available, usage_percent):
    record = quota_record("key", quota, used, kms_instance_id="kst-abcd1")
    assert record == dict(
        available=available,
        kms_instance_id="kst-abcd1",
        quota=quota,
        resource_type="key",
        unlimited=False,
        usage_percent=usage_percent,
        used=used,
    )


def test_unlimited_quota_has_no_available_or_percentage():
    record = quota_record("instance", -1, 40)
    assert record["unlimited"] is True
    assert record["available"] is None
    assert record["usage_percent"] is None
    assert record["quota"] == -1
    assert record["used"] == 40


@pytest.mark.parametrize("raw, expected", [(0, 0), (7, 7), ("12", 12), (" 3 ", 3), (4.0, 4)])
def test_parse_count_accepts_whole_numbers(raw, expected):
    assert parse_count("f", raw) == expected


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("4,", "is not a whole number"),
        ("--5", "is not a whole number"),  # raised a bare ValueError once
        ("²", "is not a whole number"),    # a digit to str.isdigit(), not to int()
        ("٣", "is not a whole number"),    # an Arabic-Indic three: int() would read it as 3
        ("+4", "is not a whole number"),
        ("instance,", "is not a whole number"),
        ("", "is not a whole number"),
        (None, "is not a whole number"),
        (True, "is not a whole number"),
        (2.5, "is not a whole number"),
        ([1], "is not a whole number"),
        (-2, "is negative"),
        ("-5", "is negative"),
        (-1, "is negative"),  # -1 means unlimited only where a quota is read
    ],
)
def test_parse_count_refuses_what_it_cannot_read(raw, problem):
    with pytest.raises(MalformedReply) as caught:
        parse_count("quotas.resources[0].used", raw, request_id="req-1")
    message = str(caught.value)
    assert problem in message
    assert "quotas.resources[0].used" in message
    assert repr(raw) in message
    assert "request id req-1" in message


def test_minus_one_is_unlimited_where_allowed():
    assert parse_count("ResourceQuota", -1, allow_unlimited=True) == -1
    with pytest.raises(MalformedReply):
        parse_count("ResourceQuota", -2, allow_unlimited=True)


def test_records_filter_and_order_by_wanted_types():
    items = [
        {"ResourceType": "vpc", "ResourceQuota": 5, "UsedQuantity": 1},
        {"ResourceType": "key", "ResourceQuota": 12, "UsedQuantity": 10},
        {"ResourceType": "future_type", "ResourceQuota": 1, "UsedQuantity": 0},
    ]
    records = records_from_items(items, "ResourceType", "ResourceQuota", "UsedQuantity", ["key", "secret", "vpc"],
                                 kms_instance_id="kst-x1234")
    assert [r["resource_type"] for r in records] == ["key", "vpc"]  # secret not reported: left out, not invented
    assert records[0]["available"] == 2
    assert all(r["kms_instance_id"] == "kst-x1234" for r in records)


def test_an_unwanted_but_unreadable_item_still_fails_the_reply():
    items = [
        {"type": "instance", "used": 1, "quota": 10},
        {"type": "other", "used": "many", "quota": 10},
    ]
    with pytest.raises(MalformedReply) as caught:
        records_from_items(items, "type", "quota", "used", ["instance"], "rid", field="quotas.resources")
    assert "quotas.resources[1].used" in str(caught.value)


def test_the_vendor_page_example_is_refused_with_the_field_named():
    # The TaurusDB API page's own example response, verbatim.
    items = [{"type": "instance,", "used": "4,", "quota": 50}]
    with pytest.raises(MalformedReply) as caught:
        records_from_items(items, "type", "quota", "used", ["instance"], "rid-9", field="quotas.resources")
    assert "quotas.resources[0].type" in str(caught.value)
    assert "'instance,'" in str(caught.value)


@pytest.mark.parametrize(
    "items, field",
    [
        ("not a list", "quotas.resources"),
        ({"type": "instance"}, "quotas.resources"),
        (["instance"], "quotas.resources[0]"),
        ([{"used": 1, "quota": 2}], "quotas.resources[0].type"),
        ([{"type": "instance", "quota": 2}], "quotas.resources[0].used"),
        ([{"type": "instance", "used": 1}], "quotas.resources[0].quota"),
        ([{"type": "instance", "used": 1, "quota": 2}, {"type": "instance", "used": 1, "quota": 2}],
         "quotas.resources[1].type"),
    ],
)
def test_malformed_lists_name_the_field(items, field):
    with pytest.raises(MalformedReply) as caught:
        records_from_items(items, "type", "quota", "used", ["instance"], field="quotas.resources")
    assert caught.value.field == field
