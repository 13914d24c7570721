# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requirements that share a quota, across requirements and across hosts, and a gate that --tags cannot skip.

Real ansible-playbook runs against the emulator; the request log proves how often each target is read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ALI_KEY, ALI_SECRET, ali_env, playbook
from test_quota_gate_role import KST1, run_gate, statuses

PLAYBOOKS = Path(__file__).parent / "playbooks"


def four_keys_left(scenario):
    """kst-hzz0001demo: 8 of 12 keys used, 4 available."""
    scenario["alicloud"]["instances"][0]["quotas"][0].update(ResourceQuota=12, UsedQuantity=8)


def kms_reads(emulator):
    return sorted((c["operation"], c["target"]) for c in emulator.requests()
                  if c["operation"] == "GetKmsInstanceQuotaInfos")


def keys(name, need, **kw):
    return dict(dict(name=name, service="kms", resource_type="key", kms_instance_id=KST1, need=need), **kw)


def test_two_requirements_that_fit_alone_fail_together(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [keys("rollout-a", 3), keys("rollout-b", 3)])
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "PROVISIONING STARTED" not in output
    assert statuses(report) == [("rollout-a", "insufficient"), ("rollout-b", "insufficient")]
    assert "Quota gate failed: 2 of 2 requirements cannot be met:" in output
    assert ("- rollout-a: kms key on kst-hzz0001demo in cn-hangzhou — need 3 (6 with rollout-b), used 8 of 12, "
            "4 available (short by 2)") in output
    assert "- rollout-b: kms key on kst-hzz0001demo in cn-hangzhou — need 3 (6 with rollout-a)" in output
    assert [(c["need_total"], c["shared_with"]) for c in report["checks"]] == [(6, ["rollout-b"]), (6, ["rollout-a"])]
    assert kms_reads(emulator) == [("GetKmsInstanceQuotaInfos", KST1)]  # one read for both


def test_two_requirements_that_fit_together_pass_with_the_low_warning(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [keys("a", 2), keys("b", 2)])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert statuses(report) == [("a", "low"), ("b", "low")]
    assert "[WARNING]: quota low: a: kms key on kst-hzz0001demo in cn-hangzhou — need 2 (4 with b), used 8 of 12, " \
        "4 available (leaves 0.0% free, under 20%)" in " ".join(output.split())  # 2.16 to 2.18 wrap warnings
    assert "PROVISIONING STARTED" in output


def test_an_implicit_and_an_explicit_reference_to_the_only_instance_are_summed(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    del scenario["alicloud"]["instances"][1]  # cn-hangzhou now has one instance, kst-hzz0001demo
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        keys("named", 3), dict(name="implicit", service="kms", resource_type="key", need=3)])
    assert proc.returncode != 0
    assert statuses(report) == [("named", "insufficient"), ("implicit", "insufficient")]
    assert "need 3 (6 with implicit), used 8 of 12, 4 available (short by 2)" in report["checks"][0]["message"]


def test_other_resource_types_and_other_targets_are_never_summed(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    proc, report = run_gate(emulator, run_env, tmp_path, [
        keys("keys", 3),
        dict(name="vpcs", service="kms", resource_type="vpc", kms_instance_id=KST1, need=3),  # 4 of 5 left
        dict(name="other instance", service="kms", resource_type="key", kms_instance_id="kst-hzz0002demo", need=3),
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [(c["name"], c["need_total"], c["shared_with"]) for c in report["checks"]] == [
        ("keys", 3, []), ("vpcs", 3, []), ("other instance", 3, [])]


# --- tags: the gate runs whatever tags the play is run with ---------------------------------------------------

@pytest.mark.parametrize("form", ["roles", "import_role", "include_role"])
def test_tags_never_skip_the_gate_and_skip_tags_quota_gate_does(scenario, emulator, run_env, tmp_path, form):
    four_keys_left(scenario)
    scenario.install()
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps(dict(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"),
                                         quota_gate_requirements=[keys("keys", 5)])))
    env = ali_env(run_env, emulator)
    gated = playbook(PLAYBOOKS / ("tags_%s.yml" % form), env, ["-e", "@%s" % variables, "--tags", "provision"])
    output = gated.stdout + gated.stderr
    assert gated.returncode != 0, output
    assert "Quota gate failed: 1 of 1 requirements cannot be met" in output
    assert "PROVISIONING STARTED" not in output
    assert kms_reads(emulator) == [("GetKmsInstanceQuotaInfos", KST1)]

    skipped = playbook(PLAYBOOKS / ("tags_%s.yml" % form), env, ["-e", "@%s" % variables, "--skip-tags", "quota_gate"])
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "PROVISIONING STARTED" in skipped.stdout
    assert kms_reads(emulator) == [("GetKmsInstanceQuotaInfos", KST1)]  # no read the second time


# --- play scope: hosts that provision into one quota ------------------------------------------------------------

def run_play(emulator, run_env, tmp_path, scope, hosts, **extra_vars):
    """Run play_scope.yml on ``hosts`` ({name: host variables}); return the run and each host's report."""
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    variables = tmp_path / "vars.json"
    if scope is not None:  # None: each host's own quota_gate_scope (extra vars would override it)
        extra_vars["quota_gate_scope"] = scope
    variables.write_text(json.dumps(dict(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"),
                                         report_dir=str(report_dir), **extra_vars)))
    proc = playbook(PLAYBOOKS / "play_scope.yml", ali_env(run_env, emulator), ["-e", "@%s" % variables, "-f", "5"],
                    inventory=str(inventory))
    reports = dict((path.stem, json.loads(path.read_text())) for path in report_dir.glob("*.json"))
    return proc, reports


APP_SERVERS = dict((host, {"quota_gate_requirements": [keys("app key", 2)]}) for host in ("web1", "web2", "web3"))


def test_play_scope_sums_every_hosts_need_and_reads_once(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    proc, reports = run_play(emulator, run_env, tmp_path, "play", APP_SERVERS)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "PROVISIONING STARTED" not in output
    assert sorted(reports) == ["web1", "web2", "web3"]
    assert reports["web1"] == reports["web2"] == reports["web3"]  # one verdict for the play
    report = reports["web1"]
    assert [(c["host"], c["status"], c["need_total"]) for c in report["checks"]] == [
        ("web1", "insufficient", 6), ("web2", "insufficient", 6), ("web3", "insufficient", 6)]
    assert ("- web1: app key: kms key on kst-hzz0001demo in cn-hangzhou — need 2 (6 with web2: app key, "
            "web3: app key), used 8 of 12, 4 available (short by 2)") in output
    assert kms_reads(emulator) == [("GetKmsInstanceQuotaInfos", KST1)]  # one read for the whole play


def test_host_scope_judges_each_host_alone(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    proc, reports = run_play(emulator, run_env, tmp_path, "host", APP_SERVERS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Each host alone fits (2 of 4), so each passes: the per-host behaviour that play scope exists to fix.
    assert [reports[h]["checks"][0]["status"] for h in ("web1", "web2", "web3")] == ["low"] * 3
    assert [reports[h]["passed"] for h in ("web1", "web2", "web3")] == [True] * 3
    assert proc.stdout.count("PROVISIONING STARTED") == 3
    assert kms_reads(emulator) == [("GetKmsInstanceQuotaInfos", KST1)]  # one read serves the three hosts


def test_play_scope_never_sums_hosts_of_other_accounts(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    other = "LTAI5tOtherAccount02"
    scenario["alicloud"]["credentials"][other] = {"secret": "other-secret-do-not-use", "account": "2222222222222222"}
    scenario["alicloud"]["instances"].append(dict(
        scenario["alicloud"]["instances"][0], account="2222222222222222", id="kst-hzz0009other"))
    scenario.install()
    hosts = dict(APP_SERVERS, db1={"quota_gate_requirements": [keys("app key", 2, kms_instance_id="kst-hzz0009other")],
                                   "host_access_key_id": other, "host_access_key_secret": "other-secret-do-not-use"})
    hosts.pop("web3")
    proc, reports = run_play(emulator, run_env, tmp_path, "play", hosts)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert [(c["host"], c["need_total"]) for c in reports["web1"]["checks"]] == [("web1", 4), ("web2", 4), ("db1", 2)]
    reads = [(c["operation"], c.get("access_key_id")) for c in emulator.requests()
             if c["operation"] == "GetKmsInstanceQuotaInfos"]
    assert len(reads) == 2, reads  # one per account
    for secret in ("other-secret-do-not-use", ALI_SECRET):
        assert secret not in output
    assert ALI_KEY not in json.dumps(reports)


def test_a_later_gate_run_counts_the_claims_of_a_host_that_left_it(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": APP_SERVERS}}))
    (tmp_path / "reports").mkdir()
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps(dict(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"),
                                         report_dir=str(tmp_path / "reports"))))
    proc = playbook(PLAYBOOKS / "play_scope_twice.yml", ali_env(run_env, emulator), ["-e", "@%s" % variables],
                    inventory=str(inventory))
    output = proc.stdout + proc.stderr
    # The first run (3 hosts × 2 keys, 4 available) fails every host; rerun with needs that fit.
    assert proc.returncode != 0 and "need 2 (6 with web2: app key, web3: app key)" in output
    hosts = dict((h, {"quota_gate_requirements": [keys("app key", 1)]}) for h in ("web1", "web2", "web3"))
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    proc = playbook(PLAYBOOKS / "play_scope_twice.yml", ali_env(run_env, emulator), ["-e", "@%s" % variables],
                    inventory=str(inventory))
    output = (proc.stdout + proc.stderr).replace("\\n", "\n")
    # The first run passes (3 of 4). web1 leaves the second run, but the key it passed for is still to be created:
    # its claim counts there, as web2's and web3's do (none was released), so the second run refuses.
    assert proc.returncode != 0, output
    assert ("- web2: app key: kms key on kst-hzz0001demo in cn-hangzhou — need 1 (5 with web3: app key, web2: app key "
            "claimed by an earlier gate run, web3: app key claimed by an earlier gate run, web1: app key claimed by an "
            "earlier gate run), used 8 of 12, 4 available (short by 1)") in output
    assert "release them with ansible.builtin.set_fact: {quota_gate_claims: []}" in output


def test_host_scope_writes_one_report_file_with_every_hosts_lines(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    hosts = {"web1": {"quota_gate_requirements": [keys("big", 5)]},
             "web2": {"quota_gate_requirements": [keys("small", 1)]}}
    report_file = tmp_path / "gate.xml"
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    (tmp_path / "reports").mkdir()
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps(dict(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"), quota_gate_scope="host",
                                         report_dir=str(tmp_path / "reports"), quota_gate_report_path=[str(report_file)])))
    proc = playbook(PLAYBOOKS / "play_scope.yml", ali_env(run_env, emulator), ["-e", "@%s" % variables, "-f", "5"],
                    inventory=str(inventory))
    assert proc.returncode != 0  # web1 is short
    from xml.etree import ElementTree
    suite = ElementTree.parse(report_file).getroot()
    cases = [(c.get("classname"), c.get("name"), c.find("failure") is not None) for c in suite.iter("testcase")]
    assert cases == [("quota_gate.web1.kms", "big", True), ("quota_gate.web2.kms", "small", False)]


@pytest.mark.parametrize("scope", ["host", "play"])
def test_a_host_with_the_gate_disabled_is_left_out_wherever_it_stands(scenario, emulator, run_env, tmp_path, scope):
    # The first host of the batch has the gate off: run_once steps must still run for the others.
    four_keys_left(scenario)
    scenario.install()
    hosts = {"bastion": {"quota_gate_enabled": False, "quota_gate_requirements": [keys("not mine", 9)]},
             "web1": {"quota_gate_requirements": [keys("app key", 3)]},
             "web2": {"quota_gate_requirements": [keys("app key", 3)]}}
    proc, reports = run_play(emulator, run_env, tmp_path, scope, hosts)
    output = proc.stdout + proc.stderr
    assert "is undefined" not in output, output
    assert "PROVISIONING STARTED on bastion" in output  # not gated, on purpose
    assert reports["bastion"] == {}
    if scope == "host":  # each web host alone fits: 3 of 4 (low: 1 of 12 left free)
        assert proc.returncode == 0, output
        assert [(reports[h]["checks"][0]["status"], reports[h]["checks"][0]["need_total"])
                for h in ("web1", "web2")] == [("low", 3)] * 2
    else:  # together they need 6 of 4; the bastion's 9 is never counted
        assert proc.returncode != 0, output
        assert "PROVISIONING STARTED on web" not in output
        assert [(c["host"], c["need_total"]) for c in reports["web1"]["checks"]] == [("web1", 6), ("web2", 6)]
    assert kms_reads(emulator) == [("GetKmsInstanceQuotaInfos", KST1)]


def test_a_host_left_out_never_overwrites_the_gated_hosts_report_file(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    report_file = tmp_path / "gate.json"
    hosts = {"web1": {"quota_gate_requirements": [keys("app key", 5)]},
             "bastion": {"quota_gate_enabled": False, "quota_gate_requirements": []}}
    proc, reports = run_play(emulator, run_env, tmp_path, "host", hosts, quota_gate_report_path=str(report_file))
    assert proc.returncode != 0  # web1 is short
    assert "PROVISIONING STARTED on bastion" in proc.stdout, proc.stdout[-4000:]
    written = json.loads(report_file.read_text())
    assert written["passed"] is False, written
    assert [(c["name"], c["status"]) for c in written["checks"]] == [("app key", "insufficient")]  # web1's report


def test_a_gate_disabled_on_every_host_records_that_it_was_skipped(scenario, emulator, run_env, tmp_path):
    scenario.install()
    report_file = tmp_path / "gate.json"
    hosts = dict((host, {"quota_gate_enabled": False, "quota_gate_requirements": [keys("app key", 1)]})
                 for host in ("web1", "web2"))
    proc, reports = run_play(emulator, run_env, tmp_path, "play", hosts, quota_gate_report_path=str(report_file))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PROVISIONING STARTED") == 2
    written = json.loads(report_file.read_text())
    assert [c["status"] for c in written["checks"]] == ["skipped"]
    assert kms_reads(emulator) == []


def test_the_batch_settings_come_from_a_host_that_takes_part(scenario, emulator, run_env, tmp_path):
    # The first host is left out and has other settings: they must not decide for the gated host.
    scenario.install()
    report_file = tmp_path / "gate.json"
    hosts = {"bastion": {"quota_gate_enabled": False, "quota_gate_requirements": [], "quota_gate_on_unknown": "warn"},
             "web1": {"quota_gate_report_path": str(report_file),
                      "quota_gate_requirements": [keys("app key", 1, kms_instance_id="kst-hzz0404gone")]}}
    proc, reports = run_play(emulator, run_env, tmp_path, "host", hosts)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output  # web1's on_unknown is fail: an unreadable quota stops it
    assert "PROVISIONING STARTED on web1" not in output
    assert reports["web1"]["checks"][0]["status"] == "unknown"
    written = json.loads(report_file.read_text())  # web1's path, although the bastion has none
    assert written["passed"] is False


def test_the_scope_comes_from_a_host_that_takes_part(scenario, emulator, run_env, tmp_path):
    four_keys_left(scenario)
    scenario.install()
    hosts = {"bastion": {"quota_gate_enabled": False, "quota_gate_requirements": [], "quota_gate_scope": "play"},
             "web1": {"quota_gate_requirements": [keys("app key", 3)]},
             "web2": {"quota_gate_requirements": [keys("app key", 3)]}}
    proc, reports = run_play(emulator, run_env, tmp_path, None, hosts)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # host scope, as web1 and web2 say: 3 of 4 each
    assert [(reports[h]["checks"][0]["status"], reports[h]["checks"][0]["need_total"])
            for h in ("web1", "web2")] == [("low", 3)] * 2
