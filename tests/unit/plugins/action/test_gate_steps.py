# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's three steps as action plugins, each host's step run with that host's variables.

A small batch is simulated the way the linear strategy runs it: every host runs a step, its result is
registered as __quota_gate (what the next step of every host sees in hostvars), then the next step.
Module runs are answered by a fake cloud; the steps' real module runs are covered end to end.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.utils.display import Display

from ansible_collections.headroom.cloud.plugins.action import quota_gate_judge, quota_gate_prepare, quota_gate_read
from ansible_collections.headroom.cloud.tests.unit.plugins.plugin_utils.gate_helpers import kms_result

try:  # ansible-core 2.19+ templates only strings marked as trusted, as the playbook loader marks them
    from ansible.template import trust_as_template
except ImportError:  # 2.16 to 2.18 template every string
    def trust_as_template(value):
        return value

KST1, KST2 = "kst-hzz0001demo", "kst-hzz0002demo"
SECRET = "do-not-show-this-secret"


class HostVars:
    """What hostvars.raw_get gives a step: each host's variables as registered so far."""

    def __init__(self, batch):
        self.batch = batch

    def raw_get(self, host):
        return self.batch.variables[host]


class Batch:
    """Hosts that run the gate together: the role's variables per host, and what each step registered."""

    def __init__(self, hosts, strategy="linear", play="play-1", run="run-1", module_defaults=None, connection="local"):
        self.hosts = hosts  # {host: role variables}
        self.play = SimpleNamespace(_uuid=play, strategy=strategy)
        self.block = SimpleNamespace(_uuid=run)
        # The regions as a play's module_defaults give them.
        self.module_defaults = module_defaults or [{"group/headroom.cloud.alicloud": {"region": "cn-hangzhou"},
                                                    "group/headroom.cloud.huaweicloud": {"region": "cn-north-4"}}]
        self.connection = connection
        self.run_once = False  # the role's tasks under run_once
        self.variables = dict((host, {}) for host in hosts)
        self.batch = list(hosts)
        self.modules = []  # (host, module, args) of every module run
        self.answer = lambda module, args: {"results": [kms_result(12, 8, instance=t.get("kms_instance_id") or KST1)
                                                        for t in args["targets"]]}

    def task_vars(self, host):
        return dict(self.variables[host], inventory_hostname=host, ansible_play_batch=self.batch,
                    ansible_play_hosts=list(self.hosts), hostvars=HostVars(self), omit="__omit_place_holder__x")

    def step(self, plugin, host, args=None, when=()):
        task = SimpleNamespace(
            args=args if args is not None else {}, _parent=self.block, get_play=lambda: self.play,
            module_defaults=self.module_defaults, environment=[], when=list(when), async_val=0, check_mode=False,
            run_once=self.run_once,
            action="headroom.cloud.quota_gate_step")
        connection = SimpleNamespace(transport=self.connection, _shell=SimpleNamespace(tmpdir=None))
        templar = Templar(loader=DataLoader(), variables=self.task_vars(host))
        action = plugin.ActionModule(task, connection, SimpleNamespace(become=False, become_user=None), DataLoader(),
                                     templar, None)
        batch = self

        def execute_module(module_name, module_args, task_vars):
            batch.modules.append((host, module_name, module_args))
            return batch.answer(module_name, module_args)
        action._execute_module = execute_module
        action._make_tmp_path = lambda: None
        action._remove_tmp_path = lambda path: None
        return action.run(task_vars=self.task_vars(host))

    def run_step(self, plugin, args_for=None, when=()):
        """One step on every host of the batch, then registered (as the strategy does after the step)."""
        results = dict((host, self.step(plugin, host, (args_for or {}).get(host), when)) for host in self.batch)
        for host, result in results.items():
            self.variables[host]["__quota_gate"] = result
        return results

    def gate(self, when=()):
        prepared = self.run_step(quota_gate_prepare, dict((h, dict(v)) for h, v in self.hosts.items()), when)
        self.run_step(quota_gate_read, dict((h, dict(alicloud=v.get("alicloud") or {})) for h, v in self.hosts.items()))
        judged = self.run_step(quota_gate_judge)
        for host, result in judged.items():
            if "claims" in result:  # the role's set_fact
                self.variables[host]["quota_gate_claims"] = result["claims"]
        return prepared, judged


def role_vars(need=1, instance=KST1, **kw):
    return dict(dict(requirements=[dict(name="keys", service="kms", resource_type="key", kms_instance_id=instance,
                                        need=need)]), **kw)


# --- prepare ---------------------------------------------------------------------------------------------------

def test_prepare_plans_each_hosts_reads_with_its_own_settings_and_keeps_secrets_out():
    batch = Batch({"web1": dict(requirements=[dict(service="kms", resource_type="secret")],
                                alicloud=dict(kms_instance_id=KST1, access_key_secret=SECRET)),
                   "web2": dict(requirements=[dict(service="kms", resource_type="secret")],
                                alicloud=dict(kms_instance_id=KST2, access_key_secret=SECRET))})
    prepared = batch.run_step(quota_gate_prepare, batch.hosts)
    ids = [list(prepared[h]["reads"]) for h in ("web1", "web2")]
    assert ids[0] != ids[1]  # another instance from the role's per-host settings: another read
    assert SECRET not in json.dumps(prepared)
    assert prepared["web1"]["settings"] == dict(fail=True, low_percent=20.0, on_unknown="fail", report_path=[],
                                                scope="host")


def test_prepare_reads_the_plays_module_defaults_templated_for_the_host():
    defaults = [{"group/headroom.cloud.alicloud": {"region": trust_as_template("{{ my_region }}"),
                                                   "endpoint": trust_as_template("{{ nothing | default(omit) }}")}}]
    batch = Batch({"web1": role_vars()}, module_defaults=defaults)
    batch.variables["web1"]["my_region"] = "cn-shanghai"
    check = batch.run_step(quota_gate_prepare, batch.hosts)["web1"]["checks"][0]
    assert check["read_region"] == "cn-shanghai"


@pytest.mark.parametrize("value, enabled", [("false", False), ("no", False), ("0", False), (False, False),
                                            ("true", True), ("yes", True)])
def test_prepare_takes_the_switch_as_users_pass_it(value, enabled):
    batch = Batch({"web1": role_vars(enabled=value)})
    assert batch.run_step(quota_gate_prepare, batch.hosts)["web1"]["enabled"] is enabled


@pytest.mark.parametrize("args, message", [
    (role_vars(enabled="maybe"), "quota_gate_enabled must be true or false, got 'maybe'"),
    (role_vars(scope="batch"), "quota_gate_scope must be host or play, got 'batch'"),
    (role_vars(on_unknown="ignore"), "quota_gate_on_unknown must be fail or warn, got 'ignore'"),
    (role_vars(low_percent="lots"), "quota_gate_low_percent must be a number between 0 and 100, got 'lots'"),
    (role_vars(need="3.5"), "quota_gate_requirements[0] (keys): need must be a whole number, got '3.5'"),
    (role_vars(alicloud="kms.example.com"), "quota_gate_alicloud must be a mapping of"),
    (dict(requirements=[]), "The quota gate has nothing to check: give quota_gate_requirements, quota_gate_terraform_plan"),
])
def test_prepare_refuses_bad_settings_with_what_to_write(args, message):
    result = Batch({"web1": args}).step(quota_gate_prepare, "web1", args)
    assert result["failed"] is True and message in result["msg"]


@pytest.mark.parametrize("alicloud, kind", [
    ("access_key_id=LTAI5tQkx access_key_secret=TOPSECRET-91c2", "a str"),
    ({"region": "cn-hangzhou", "endpoints": {"cn-hangzhou": ["TOPSECRET-91c2"]}}, "a mapping with a value"),
])
def test_prepare_refuses_connection_settings_of_the_wrong_shape_without_showing_them(alicloud, kind):
    # A key=value string passes the role's dict check, and may carry a secret: the message names the kind only.
    args = role_vars(alicloud=alicloud)
    result = Batch({"web1": args}).step(quota_gate_prepare, "web1", args)
    assert result["failed"] is True and "got %s" % kind in result["msg"]
    assert "TOPSECRET" not in json.dumps(result)


def test_prepare_refuses_play_scope_where_hosts_do_not_wait_for_each_other():
    args = role_vars(scope="play")
    result = Batch({"web1": args}, strategy="free").step(quota_gate_prepare, "web1", args)
    assert result["failed"] and "this play's strategy (free) lets each host run ahead" in result["msg"]
    assert not Batch({"web1": args}, strategy="debug").step(quota_gate_prepare, "web1", args).get("failed")


def test_prepare_refuses_a_condition_that_tests_what_the_gate_sets():
    result = Batch({"web1": role_vars()}).step(quota_gate_prepare, "web1", role_vars(),
                                               when=["inventory_hostname != 'bastion'", "__quota_gate is undefined"])
    assert result["failed"] and "The condition '__quota_gate is undefined' on the quota gate tests __quota_gate" in \
        result["msg"]


# --- read --------------------------------------------------------------------------------------------------------

def test_read_makes_each_shared_read_once_by_the_first_host_of_the_batch_that_needs_it():
    batch = Batch({"web1": role_vars(), "web2": role_vars(), "web3": role_vars(instance=KST2)})
    batch.gate()
    assert [(host, [t["kms_instance_id"] for t in args["targets"]]) for host, unused, args in batch.modules] == [
        ("web1", [KST1]), ("web3", [KST2])]


def test_read_under_a_strategy_without_lockstep_makes_every_read_itself():
    batch = Batch({"web1": role_vars(), "web2": role_vars()}, strategy="host_pinned")
    batch.gate()
    assert [host for host, unused, unused_args in batch.modules] == ["web1", "web2"]


def test_read_passes_the_hosts_own_options_and_secrets_to_the_module_only():
    batch = Batch({"web1": role_vars(alicloud=dict(access_key_id="LTAI-1", access_key_secret=SECRET))})
    prepared, judged = batch.gate()
    unused_host, module, args = batch.modules[0]
    assert module == "headroom.cloud.kms_quota_info"
    assert args == dict(access_key_id="LTAI-1", access_key_secret=SECRET, region="cn-hangzhou",
                        targets=[dict(kms_instance_id=KST1)])
    assert SECRET not in json.dumps(batch.variables["web1"]["__quota_gate"])


def test_both_services_are_read_in_one_step_each_by_one_module_run():
    batch = Batch({"web1": role_vars(requirements=[dict(service="kms", resource_type="key", kms_instance_id=KST1),
                                                   dict(service="taurusdb", resource_type="instance")])})
    tenant = dict(region="cn-north-4", project_id="p" * 32, quotas=[dict(
        resource_type="instance", quota=50, used=4, available=46, unlimited=False)])
    batch.answer = lambda module, args: {"results": [kms_result(12, 0, instance=KST1) if "kms" in module else tenant]}
    prepared, judged = batch.gate()
    assert sorted(module for unused, module, unused_args in batch.modules) == [
        "headroom.cloud.kms_quota_info", "headroom.cloud.taurusdb_quota_info"]
    assert [c["status"] for c in judged["web1"]["report"]["checks"]] == ["ok", "ok"]


def test_a_module_that_never_answered_is_reported_with_its_interpreter_and_what_it_printed():
    batch = Batch({"web1": role_vars()})
    batch.variables["web1"]["ansible_python_interpreter"] = "/usr/bin/python3.13"
    batch.answer = lambda module, args: dict(failed=True, rc=127, module_stdout="", msg="MODULE FAILURE",
                                             module_stderr="/bin/sh: 1: /usr/bin/python3.13: not found\n\n")
    prepared, judged = batch.gate()
    message = judged["web1"]["report"]["checks"][0]["message"]
    assert ("quota could not be read: headroom.cloud.kms_quota_info did not answer: it failed before it could report "
            "a result (interpreter /usr/bin/python3.13, exit code 127): /bin/sh: 1: /usr/bin/python3.13: not found. "
            "Check that ansible_python_interpreter names a Python with the SDKs") in message


def test_a_module_run_that_failed_as_a_whole_is_every_targets_failure():
    batch = Batch({"web1": role_vars(requirements=[dict(service="kms", resource_type="key", kms_instance_id=KST1),
                                                   dict(service="kms", resource_type="key", kms_instance_id=KST2)])})
    batch.answer = lambda module, args: dict(failed=True, msg="Failed to import the required Python library "
                                                              "(alibabacloud-kms20160120)")
    prepared, judged = batch.gate()
    assert [c["status"] for c in judged["web1"]["report"]["checks"]] == ["unknown", "unknown"]
    assert all("alibabacloud-kms20160120" in c["message"] for c in judged["web1"]["report"]["checks"])


# --- judge -------------------------------------------------------------------------------------------------------

def test_host_scope_judges_each_host_on_its_own_and_shows_only_its_own_lines():
    batch = Batch({"web1": role_vars(need=5), "web2": role_vars(need=1)})  # 4 keys left
    prepared, judged = batch.gate()
    assert [c["status"] for c in judged["web1"]["report"]["checks"]] == ["insufficient"]
    assert [c["status"] for c in judged["web2"]["report"]["checks"]] == ["ok"]
    assert judged["web1"]["stop"].startswith("Quota gate failed: 1 of 1 requirements cannot be met:")
    assert judged["web2"]["stop"] == "" and len(judged["web2"]["lines"]) == 1


def test_play_scope_gives_every_host_the_one_verdict_and_the_lead_shows_it():
    batch = Batch(dict((h, role_vars(need=2, scope="play")) for h in ("web1", "web2", "web3")))  # 4 keys left
    prepared, judged = batch.gate()
    assert all(judged[h]["report"] == judged["web1"]["report"] for h in ("web2", "web3"))
    assert [c["need_total"] for c in judged["web1"]["report"]["checks"]] == [6, 6, 6]
    assert all(judged[h]["stop"] for h in ("web1", "web2", "web3"))
    assert "lines" in judged["web1"] and "lines" not in judged["web2"]
    assert [[c["host"] for c in judged[h]["claims"]] for h in ("web1", "web2")] == [["web1"], ["web2"]]


def test_play_scope_judges_only_the_hosts_that_take_part():
    hosts = {"bastion": role_vars(enabled=False, scope="play"), "web1": role_vars(need=2, scope="play")}
    prepared, judged = Batch(hosts).gate()
    assert judged["bastion"]["stop"] == "" and "report" not in judged["bastion"]
    assert [c["host"] for c in judged["web1"]["report"]["checks"]] == ["web1"]


def test_play_scope_with_a_host_in_host_scope_first_fails_closed_rather_than_judge_alone():
    # web1 (host scope) leads: play scope would take its settings and judge web2 and web3 each alone.
    hosts = {"web1": role_vars(need=2), "web2": role_vars(need=2, scope="play"), "web3": role_vars(need=2, scope="play")}
    prepared, judged = Batch(hosts).gate()
    assert judged["web1"]["stop"] == ""  # host scope: its own 2 of the 4 left fit
    for host in ("web2", "web3"):
        assert judged[host]["failed"] is True
        assert judged[host]["msg"].startswith("quota_gate_scope differs between the hosts of this batch (web1: host, "
                                              "web2: play, web3: play): play scope judges them together")


def test_a_host_outside_the_batch_is_stopped_rather_than_gated_alone():
    # ansible-core leaves a host whose errors were cleared out of ansible_play_batch, yet runs its tasks.
    hosts = {"web1": role_vars(need=1, scope="play"), "web2": role_vars(need=100, scope="play")}
    batch = Batch(hosts)
    batch.run_step(quota_gate_prepare, dict((h, dict(v)) for h, v in hosts.items()))
    batch.batch = ["web1"]
    for step in (quota_gate_read, quota_gate_judge):
        result = batch.step(step, "web2", {} if step is quota_gate_judge else dict(alicloud={}))
        assert result["failed"] is True
        assert result["msg"].startswith("This host is not in the play's current batch (ansible_play_batch)")


def test_a_host_outside_the_batch_in_host_scope_reads_and_judges_alone():
    hosts = {"web1": role_vars(need=1), "web2": role_vars(need=100)}
    batch = Batch(hosts)
    batch.run_step(quota_gate_prepare, dict((h, dict(v)) for h, v in hosts.items()))
    batch.batch = ["web1"]
    read = batch.step(quota_gate_read, "web2", dict(alicloud={}))
    assert list(read["results"]) == list(read["reads"])  # its own read, made by itself
    batch.variables["web2"]["__quota_gate"] = read
    judged = batch.step(quota_gate_judge, "web2")
    assert [c["status"] for c in judged["report"]["checks"]] == ["insufficient"] and judged["stop"]


def test_the_role_under_run_once_is_refused_and_a_share_made_for_another_host_is_never_taken():
    batch = Batch({"web1": role_vars(), "web2": role_vars(need=100)})
    batch.run_once = True
    result = batch.step(quota_gate_prepare, "web1", role_vars())
    assert result["failed"] is True and result["msg"].startswith("The quota gate cannot run with run_once")
    batch.run_once = False
    prepared, judged = batch.gate()
    batch.variables["web2"]["__quota_gate"] = dict(judged["web1"])  # run_once registers web1's result for all
    taken = batch.step(quota_gate_judge, "web2")
    assert taken["failed"] is True and "This host has no verdict from this run of the quota gate" in taken["msg"]


def test_in_play_scope_each_host_stops_by_its_own_quota_gate_fail():
    hosts = {"web1": role_vars(need=3, scope="play", fail=False), "web2": role_vars(need=3, scope="play")}
    prepared, judged = Batch(hosts).gate()  # 6 keys, 4 left
    assert judged["web1"]["report"]["passed"] is False and judged["web1"]["stop"] == ""
    assert judged["web2"]["stop"].startswith("Quota gate failed: 2 of 2 requirements cannot be met:")


@pytest.mark.parametrize("settings", [{"region": ["cn-hangzhou", "cn-shanghai"]}, {"endpoint": {"a": "b"}}])
def test_a_region_or_endpoint_that_is_not_one_string_is_refused_by_name(settings):
    args = role_vars(alicloud=settings)
    result = Batch({"web1": args}).step(quota_gate_prepare, "web1", args)
    assert result["failed"] is True
    assert "for headroom.cloud.kms_quota_info must be one string, got a " in result["msg"]


def test_a_module_run_that_raises_is_that_runs_failure_never_the_steps_crash():
    batch = Batch({"web1": role_vars()})

    def raising(module, args):
        raise RuntimeError("connection plugin fell over")
    batch.answer = raising
    prepared, judged = batch.gate()
    check = judged["web1"]["report"]["checks"][0]
    assert check["status"] == "unknown"
    assert ("headroom.cloud.kms_quota_info could not run: RuntimeError: connection plugin fell over"
            in check["message"])


def test_a_host_without_a_share_of_this_run_fails_closed():
    batch = Batch({"web1": role_vars()})
    batch.gate()
    batch.block = SimpleNamespace(_uuid="run-2")  # a second run of the role whose first steps did not run here
    result = batch.step(quota_gate_judge, "web1")
    assert result["failed"] and "This host has no verdict from this run of the quota gate" in result["msg"]


def test_a_later_run_counts_this_plays_unreleased_claims_and_drops_other_plays():
    batch = Batch({"web1": role_vars(need=1)})
    batch.gate()
    batch.block = SimpleNamespace(_uuid="run-2")
    prepared, judged = batch.gate()
    check = judged["web1"]["report"]["checks"][0]
    assert check["need_total"] == 2 and check["shared_with"] == ["web1: keys claimed by an earlier gate run"]
    assert [c["run"] for c in judged["web1"]["claims"]] == ["run-1", "run-2"]
    batch.play = SimpleNamespace(_uuid="play-2", strategy="linear")
    batch.block = SimpleNamespace(_uuid="run-3")
    prepared, judged = batch.gate()
    assert judged["web1"]["report"]["checks"][0]["need_total"] == 1
    assert [c["run"] for c in judged["web1"]["claims"]] == ["run-3"]


def test_the_lead_writes_the_files_and_every_host_stops_on_a_path_that_cannot_be_written(tmp_path):
    good = str(tmp_path / "gate.json")
    prepared, judged = Batch(dict((h, role_vars(report_path=good)) for h in ("web1", "web2"))).gate()
    written = json.loads(open(good).read())
    assert [c["host"] for c in written["checks"]] == ["web1", "web2"]  # host scope: every host's lines in one file
    bad = str(tmp_path / "gate.txt")
    prepared, judged = Batch(dict((h, role_vars(report_path=bad)) for h in ("web1", "web2"))).gate()
    for host in ("web1", "web2"):
        assert judged[host]["stop"].startswith("Quota gate passed, but:\nThe quota report could not be written: ")


def test_a_batch_with_every_host_left_out_records_that_the_gate_was_skipped(tmp_path):
    path = str(tmp_path / "gate.json")
    Batch(dict((h, role_vars(enabled="false", report_path=path)) for h in ("web1", "web2"))).gate()
    assert json.loads(open(path).read())["summary"] == "Quota gate skipped: quota_gate_enabled is false."


def test_the_lead_warns_once_when_play_scope_meets_a_serial_batch(monkeypatch):
    shown = []
    monkeypatch.setattr(Display, "warning", lambda self, msg, *a, **kw: shown.append(msg))
    batch = Batch(dict((h, role_vars(need=0, scope="play")) for h in ("web1", "web2", "web3")))
    batch.batch = ["web1", "web2"]  # serial: 2
    batch.gate()
    serial = [m for m in shown if "judged the 2 hosts of this batch together, not the 3 hosts of the play" in m]
    assert len(serial) == 1
