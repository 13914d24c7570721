# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults: latency, hangs, throttling, 5xx, dropped connections, errors and raw (malformed) replies."""
from __future__ import annotations

import json
import time

from .common import DROP, Exchange, Reply


def merged_fault(scenario: dict, target_fault) -> dict:
    """`defaults` is a fault object for every vendor reply; a target's own keys override it."""
    fault = dict(scenario.get("defaults") or {})
    fault.update(target_fault or {})
    return fault


def apply_faults(emu, ex: Exchange, fault: dict, counter_key: str, dialect):
    """Run the post-authentication faults; returns a Reply, DROP, or None for 'answer normally'."""
    if fault.get("hang_ms"):
        time.sleep(float(fault["hang_ms"]) / 1000)
    call_number = emu.count_call(counter_key)
    throttle_n = int(fault.get("throttle_first") or 0)
    server_n = int(fault.get("server_error_first") or 0)
    # One call counter per target: calls 1..T throttle, then T+1..T+S fail with 5xx.
    if call_number <= throttle_n:
        ex.log["fault"] = "throttle"
        return dialect.throttle(fault)
    if call_number <= throttle_n + server_n:
        ex.log["fault"] = "server_error"
        return dialect.server_error(fault)
    if fault.get("drop_connection"):
        ex.log["fault"] = "drop_connection"
        return DROP
    if fault.get("error"):
        err = fault["error"]
        ex.log["fault"] = "error"
        return dialect.error(int(err.get("status", 400)), err.get("code", "Error"), err.get("message", ""))
    if fault.get("raw") is not None:
        raw = fault["raw"]
        ex.log["fault"] = "raw"
        body = raw.get("body", "")
        body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return Reply(int(raw.get("status", 200)), body, raw.get("content_type", "application/json"),
                     dialect.headers())
    return None


def sleep_latency(fault: dict):
    if fault.get("latency_ms"):
        time.sleep(float(fault["latency_ms"]) / 1000)
