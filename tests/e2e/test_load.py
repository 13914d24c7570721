# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""50 inventory hosts, each its own account and region, gated with forks 50 against one emulator
that throttles some of the calls: every host finishes with the right verdict, nothing is lost."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import playbook

HOSTS = 50


def test_fifty_hosts_with_throttling(scenario, emulator, run_env, tmp_path):
    scenario["huaweicloud"]["credentials"] = {}
    scenario["huaweicloud"]["projects"] = []
    scenario["huaweicloud"]["iam_faults"] = {}
    inventory = ["[fleet]"]
    expected = {}
    for index in range(HOSTS):
        account, region = "acct-%02d" % index, "xx-load-%d" % index
        access_key = "HWLOADAK%013d" % index
        project = "%032x" % (0xABC000 + index)
        used, quota, need = index, 55, 10
        scenario["huaweicloud"]["credentials"][access_key] = {"secret": "load-secret-%02d" % index, "account": account}
        fault = {"throttle_first": 1} if index % 5 == 0 else {}  # every fifth host is throttled once
        if index % 7 == 0:
            scenario["huaweicloud"]["iam_faults"]["%s/%s" % (account, region)] = {"server_error_first": 1}
        scenario["huaweicloud"]["projects"].append(dict(account=account, region=region, id=project, fault=fault,
                                                        resources=[dict(type="instance", used=used, quota=quota)]))
        available = quota - used
        free_after = 100.0 * (available - need) / quota
        expected["host%02d" % index] = "insufficient" if available < need else "low" if free_after < 20 else "ok"
        inventory.append("host%02d ansible_connection=local ansible_python_interpreter=%s fleet_access_key=%s "
                         "fleet_secret_key=load-secret-%02d fleet_region=%s fleet_need=%d" % (
                             index, sys.executable, access_key, index, region, need))
    scenario.install()
    (tmp_path / "inventory.ini").write_text("\n".join(inventory) + "\n")
    reports = tmp_path / "reports"
    reports.mkdir()
    proc = playbook(Path(__file__).parent / "playbooks" / "fleet.yml", run_env, [
        "--forks", str(HOSTS), "-e", json.dumps(dict(taurusdb_endpoint=emulator.url, report_dir=str(reports)))],
        inventory=str(tmp_path / "inventory.ini"))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    verdicts = {path.stem: json.loads(path.read_text())["checks"][0]["status"] for path in reports.glob("*.json")}
    assert verdicts == expected
    assert sorted(set(verdicts.values())) == ["insufficient", "low", "ok"]
    calls = emulator.requests()
    quota_calls = [c for c in calls if c["operation"] == "ShowGaussMySqlProjectQuotas"]
    throttled = [c for c in quota_calls if c["status"] == 429]
    assert len(throttled) == len(range(0, HOSTS, 5))  # each throttled once, then retried to success
    assert len([c for c in quota_calls if c["status"] == 200]) == HOSTS
    assert len([c for c in calls if c["operation"] == "IAM.ListProjects" and c["status"] == 200]) == HOSTS
