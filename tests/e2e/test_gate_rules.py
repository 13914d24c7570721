# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's rules in the forms real playbooks take: each test is a playbook as users write it, run by
ansible-playbook against the emulator, asserting each host's verdict and what was read.

Each case is one way a "yes" could be wrong: per-host settings, a condition on the role, every
strategy, several gate runs in one play, strings from -e and INI inventories, default(omit),
serial, a bad target beside a good one.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import ALI_KEY, ALI_SECRET, HW_PROJECT, ali_env, hw_env
from test_quota_gate_role import KST1, KST2

import subprocess
import sys

ROOT_PLAY = """
- name: Provision
  hosts: all
  connection: local
  gather_facts: false
  module_defaults:
    group/headroom.cloud.alicloud:
      region: cn-hangzhou
      endpoint: "{{{{ kms_endpoint }}}}"
      access_key_id: "{{{{ key_id | default(omit) }}}}"
      access_key_secret: "{{{{ key_secret | default(omit) }}}}"
    group/headroom.cloud.huaweicloud:
      region: cn-north-4
      endpoint: "{{{{ taurusdb_endpoint }}}}"
{play}
"""
# Tasks to append to a play body whose tasks are indented as in the tests below.
PROVISION = """
          - name: Provision
            ansible.builtin.debug:
              msg: PROVISIONED {{ inventory_hostname }}
"""


class Run:
    def __init__(self, proc, report_dir):
        self.proc = proc
        self.output = proc.stdout + proc.stderr
        self.report_dir = report_dir

    @property
    def flat(self):
        """The output with whitespace collapsed: ansible-core 2.16 to 2.18 wrap warnings at the terminal's width."""
        return " ".join(self.output.split())

    def provisioned(self):
        return sorted(line.split("PROVISIONED ")[1].strip().rstrip('"') for line in self.output.splitlines()
                      if '"msg": "PROVISIONED ' in line)

    def report(self, host):
        path = self.report_dir / ("%s.json" % host)
        return json.loads(path.read_text()) if path.exists() else None

    def __repr__(self):
        return self.output[-6000:]


def run_play(emulator, run_env, tmp_path, play, inventory, extra_args=(), stdin=None):
    """``play`` is the play's body below its module_defaults (YAML, indented two spaces); ``inventory`` an INI
    text. Every host saves the quota_gate_report it ends with in report_dir/<host>.json."""
    playbook = tmp_path / "site.yml"
    playbook.write_text(ROOT_PLAY.format(play=textwrap.indent(textwrap.dedent(play), "  ")))
    (tmp_path / "inventory.ini").write_text(textwrap.dedent(inventory))
    report_dir = tmp_path / "reports"
    report_dir.mkdir(exist_ok=True)
    variables = dict(kms_endpoint=emulator.kms_endpoint("cn-hangzhou"), taurusdb_endpoint=emulator.url,
                     report_dir=str(report_dir), ansible_python_interpreter=sys.executable)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = hw_env(ali_env(run_env, emulator), emulator)
    command = ["ansible-playbook", "-i", str(tmp_path / "inventory.ini"), str(playbook), "-e",
               "@%s" % (tmp_path / "vars.json")] + list(extra_args)
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, input=stdin, check=False)
    return Run(proc, report_dir)


# A play body whose gate (GATE: tasks indented as block items) is followed by provisioning, every host saving its
# report whether it passed or not.
GATED = """
        tasks:
          - name: Gate, then provision
            block:
GATE
              - name: Provision
                ansible.builtin.debug:
                  msg: PROVISIONED {{ inventory_hostname }}
            always:
              - name: Save the report
                ansible.builtin.copy:
                  content: "{{ quota_gate_report | default({}) | to_json }}"
                  dest: "{{ report_dir }}/{{ inventory_hostname }}.json"
                  mode: "0600"
"""


def gated(tasks):
    return GATED.replace("GATE\n", textwrap.indent(textwrap.dedent(tasks).strip("\n"), " " * 14) + "\n")


SAVE = """
          - name: Save the report
            ansible.builtin.copy:
              content: "{{ quota_gate_report | default({}) | to_json }}"
              dest: "{{ report_dir }}/{{ inventory_hostname }}.json"
              mode: "0600"
"""


def reads(emulator, operation="GetKmsInstanceQuotaInfos"):
    return sorted(c["target"] for c in emulator.requests() if c["operation"] == operation)


# --- rule 1: a read is shared only when everything that goes into it is the same ---------------------------------

def test_per_host_role_settings_read_each_hosts_own_instance(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, gated("""
        - name: Gate
          ansible.builtin.include_role:
            name: headroom.cloud.quota_gate
          vars:
            quota_gate_alicloud: {kms_instance_id: "{{ kms_inst }}"}
            quota_gate_requirements: [{name: app secret, service: kms, resource_type: secret, need: 1}]
    """), """
        hostA kms_inst=%s
        hostB kms_inst=%s
    """ % (KST1, KST2))
    assert run.provisioned() == ["hostA"], run
    assert run.report("hostA")["checks"][0]["message"] == (
        "app secret: kms secret on %s in cn-hangzhou — need 1, used 5 of 100, 95 available" % KST1)
    assert run.report("hostB")["checks"][0]["message"] == (
        "app secret: kms secret on %s in cn-hangzhou — need 1, used 50 of 50, 0 available (short by 1)" % KST2)
    assert reads(emulator) == [KST1, KST2]


def test_per_host_credentials_from_module_defaults_never_share_a_read(scenario, emulator, run_env, tmp_path):
    # A second account with its own only instance in cn-shanghai, full; the first account's has room.
    scenario["alicloud"]["credentials"]["LTAI5tOtherKeyId002"] = dict(secret="other-secret-2", account="99")
    scenario["alicloud"]["instances"].append(dict(scenario["alicloud"]["instances"][2], id="kst-sha0099demo",
                                                  account="99", quotas=[dict(ResourceType="key", ResourceQuota=10,
                                                                             UsedQuantity=10)]))
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_fail: false
            quota_gate_requirements: [{name: key, service: kms, resource_type: key, region: cn-shanghai, need: 1}]
        tasks:
    """ + SAVE, """
        team1 key_id=%s key_secret=%s
        team2 key_id=LTAI5tOtherKeyId002 key_secret=other-secret-2
    """ % (ALI_KEY, ALI_SECRET), extra_args=["-e", "kms_endpoint=%s" % emulator.kms_endpoint("cn-shanghai")])
    assert [c["status"] for c in run.report("team1")["checks"]] == ["ok"], run
    assert run.report("team2")["checks"][0]["message"].endswith(
        "kms key on kst-sha0099demo in cn-shanghai — need 1, used 10 of 10, 0 available (short by 1)")
    assert ALI_SECRET not in run.output and "other-secret-2" not in run.output


# --- rule 3: a host acts only on a verdict of this run that names its own requirements -----------------------------

@pytest.mark.parametrize("earlier_gate", [False, True])
def test_a_condition_on_the_role_that_leaves_out_the_first_host(scenario, emulator, run_env, tmp_path, earlier_gate):
    scenario.install()
    earlier = """
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{name: base key, service: kms, resource_type: key, kms_instance_id: %s}]
    """ % KST1 if earlier_gate else ""
    run = run_play(emulator, run_env, tmp_path, """
        roles:%s
          - role: headroom.cloud.quota_gate
            when: inventory_hostname != 'bastion'
            quota_gate_requirements: [{name: app keys, service: kms, resource_type: key, kms_instance_id: %s, need: 3}]
        tasks:
    """ % (earlier.rstrip(), KST1) + SAVE + PROVISION, """
        bastion
        app1
    """)
    # 2 keys available, 3 needed: app1 stops, whatever an earlier gate said; bastion is left out.
    assert run.provisioned() == ["bastion"], run
    assert "is undefined" not in run.output
    shared = " (4 with app1: base key claimed by an earlier gate run)" if earlier_gate else ""
    assert ("- app keys: kms key on %s in cn-hangzhou — need 3%s, used 10 of 12, 2 available (short by %d)" % (
        KST1, shared, 2 if earlier_gate else 1)) in run.output.replace("\\n", "\n")
    assert run.report("bastion") == ({} if not earlier_gate else run.report("bastion"))
    if earlier_gate:
        assert [c["name"] for c in run.report("bastion")["checks"]] == ["base key"]


def test_a_condition_on_what_the_gate_itself_sets_fails_closed(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        tasks:
          - name: Gate once
            ansible.builtin.import_role:
              name: headroom.cloud.quota_gate
            when: quota_gate_report is not defined
            vars:
              quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: %s, need: 3}]
    """ % KST1 + PROVISION, "app1\n")
    assert run.provisioned() == [] and run.proc.returncode != 0
    assert ("The condition 'quota_gate_report is not defined' on the quota gate tests quota_gate_report, which the "
            "gate itself sets while it runs") in run.output
    assert reads(emulator) == []


def test_the_role_under_run_once_stops_every_host_before_any_read(scenario, emulator, run_env, tmp_path):
    # run_once registers the first host's result for every host: app2 would go on with app1's verdict.
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        tasks:
          - name: Gate
            ansible.builtin.import_role:
              name: headroom.cloud.quota_gate
            run_once: true
            vars:
              quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: "{{ kms_inst }}",
                                         need: 1}]
    """ + PROVISION, """
        app1 kms_inst=%s
        app2 kms_inst=%s
    """ % (KST1, KST2))
    assert run.provisioned() == [] and run.proc.returncode != 0, run
    assert "The quota gate cannot run with run_once: every host would take the first host's" in run.output
    assert reads(emulator) == []


@pytest.mark.parametrize("scope", ["play", "host"])
def test_a_host_whose_errors_were_cleared_never_goes_on_the_others_needs(scenario, emulator, run_env, tmp_path, scope):
    # After meta: clear_host_errors, ansible-core runs app2's tasks but leaves it out of ansible_play_batch.
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        tasks:
          - name: Something app2 fails and recovers from
            block:
              - name: Fail on app2
                ansible.builtin.fail:
                  msg: transient
                when: inventory_hostname == 'app2'
            always:
              - name: Clear the errors
                ansible.builtin.meta: clear_host_errors
          - name: Gate
            ansible.builtin.import_role:
              name: headroom.cloud.quota_gate
            vars:
              quota_gate_scope: %s
              quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: %s, need: "{{ need }}"}]
    """ % (scope, KST1) + PROVISION, """
        app1 need=1
        app2 need=100
    """)
    assert run.provisioned() == ["app1"], run
    if scope == "play":
        assert "This host is not in the play's current batch (ansible_play_batch)" in run.output
    else:
        assert "need 100, used 10 of 12, 2 available (short by 98)" in run.output


# --- rule 4: strategies ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["linear", "free", "host_pinned", "debug"])
@pytest.mark.parametrize("forks", ["1", "5"])
def test_host_scope_judges_every_host_right_under_every_strategy(scenario, emulator, run_env, tmp_path, strategy,
                                                                 forks):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        strategy: %s
        tasks:
          - name: Gate
            ansible.builtin.include_role:
              name: headroom.cloud.quota_gate
            vars:
              quota_gate_fail: false
              quota_gate_requirements: [{service: kms, resource_type: secret, kms_instance_id: %s, need: "{{ needed }}"}]
    """ % (strategy, KST1) + SAVE, """
        web1 needed=1
        web2 needed=200
        web3 needed=90
    """, extra_args=["-f", forks])
    assert run.proc.returncode == 0, run
    statuses = dict((host, run.report(host)["checks"][0]["status"]) for host in ("web1", "web2", "web3"))
    assert statuses == dict(web1="ok", web2="insufficient", web3="low")
    expected_reads = [KST1] if strategy in ("linear", "debug") else [KST1] * 3  # shared only where hosts wait
    assert reads(emulator) == expected_reads


@pytest.mark.parametrize("strategy", ["free", "host_pinned"])
def test_play_scope_under_a_strategy_without_lockstep_fails_closed_before_any_read(scenario, emulator, run_env,
                                                                                   tmp_path, strategy):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        strategy: %s
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_scope: play
            quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: %s, need: 1}]
        tasks:
    """ % (strategy, KST1) + PROVISION, "web1\nweb2\nweb3\n", extra_args=["-f", "1"])
    assert run.provisioned() == [] and run.proc.returncode != 0
    assert "this play's strategy (%s) lets each host run ahead on its own" % strategy in run.output
    assert reads(emulator) == []


# --- rule 5: one target's failure never hides another's shortfall -------------------------------------------------

def test_a_mistyped_enterprise_project_beside_a_short_one_still_fails_under_warn(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, gated("""
        - name: Gate
          ansible.builtin.include_role:
            name: headroom.cloud.quota_gate
          vars:
            quota_gate_on_unknown: warn
            quota_gate_requirements:
              - {name: typo, service: taurusdb, flavor: gaussdb.mysql.4xlarge.x86.4, nodes: 1, enterprise_project: paymnts}
              - {name: pay, service: taurusdb, flavor: gaussdb.mysql.4xlarge.x86.4, nodes: 2, need: 2,
                 enterprise_project: payments}
    """), "db1\n")
    assert run.provisioned() == [], run
    statuses = [(c["name"], c["resource_type"], c["status"]) for c in run.report("db1")["checks"]]
    assert statuses == [("typo", "instance", "unknown"), ("typo", "vcpus", "unknown"), ("typo", "ram", "unknown"),
                        ("typo", "instance", "ok"), ("pay", "instance", "ok"), ("pay", "vcpus", "insufficient"),
                        ("pay", "ram", "low"), ("pay", "instance", "ok")]
    assert reads(emulator, "ShowGaussMySqlFlavors") == [HW_PROJECT]  # one lookup for both


def test_two_hosts_gating_one_flavor_in_different_enterprise_projects_are_both_judged_on_its_size(
        scenario, emulator, run_env, tmp_path):
    project = scenario["huaweicloud"]["projects"][0]
    project["enterprise_projects"].append(dict(project["enterprise_projects"][1], enterprise_project_name="analytics",
                                               enterprise_project_id="9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"))
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_fail: false
            quota_gate_requirements:
              - {name: db, service: taurusdb, flavor: gaussdb.mysql.4xlarge.x86.4, nodes: 1, enterprise_project: "{{ ep }}"}
        tasks:
    """ + SAVE, """
        db1 ep=payments
        db2 ep=analytics
    """)
    for host in ("db1", "db2"):
        vcpus = [c for c in run.report(host)["checks"] if c["resource_type"] == "vcpus"][0]
        assert (vcpus["status"], vcpus["need"]) == ("ok", 16), run


# --- rule 6: several gate runs in one play -----------------------------------------------------------------------

def test_a_gate_per_tier_counts_the_claims_of_the_tiers_before_it(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        vars:
          tiers:
            web: [{name: web keys, service: kms, resource_type: key, kms_instance_id: %s, need: 1}]
            db: [{name: db keys, service: kms, resource_type: key, kms_instance_id: %s, need: 2}]
    """ % (KST1, KST1) + gated("""
        - name: Gate each tier
          ansible.builtin.include_role:
            name: headroom.cloud.quota_gate
          vars:
            quota_gate_requirements: "{{ tiers[item] }}"
          loop: [web, db]
    """), "app1\n")
    # 2 keys available: web's 1 fits, then db's 2 do not fit beside web's unreleased 1.
    assert run.provisioned() == [], run
    report = run.report("app1")
    assert report["checks"][0]["message"] == (
        "db keys: kms key on %s in cn-hangzhou — need 2 (3 with app1: web keys claimed by an earlier gate run), used 10 of "
        "12, 2 available (short by 1)" % KST1)
    assert "release them with ansible.builtin.set_fact: {quota_gate_claims: []}" in run.output


def test_in_play_scope_a_gate_per_host_in_a_loop_counts_the_other_hosts_claims(scenario, emulator, run_env, tmp_path):
    # Items that differ per host make one run of the gate per host, one after the other: app2's run must count
    # what app1's run claimed on the same instance (2 + 2 keys, 2 left).
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        tasks:
          - name: Gate per tier
            ansible.builtin.include_role:
              name: headroom.cloud.quota_gate
            loop: "{{ tiers }}"
            vars:
              quota_gate_scope: play
              quota_gate_requirements: [{name: "{{ item }} keys", service: kms, resource_type: key,
                                         kms_instance_id: %s, need: 2}]
    """ % KST1 + PROVISION, """
        app1 tiers='["web"]'
        app2 tiers='["db"]'
    """)
    assert run.provisioned() == ["app1"], run  # its 2 keys fit; app2's do not once app1's are counted
    assert "need 2 (4 with app1: web keys claimed by an earlier gate run)" in run.output


def test_a_released_claim_no_longer_counts(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        tasks:
          - name: Gate the web tier
            ansible.builtin.include_role:
              name: headroom.cloud.quota_gate
            vars:
              quota_gate_requirements: [{name: web keys, service: kms, resource_type: key, kms_instance_id: %s}]
          - name: Provision the web tier (its keys now count as used)
            ansible.builtin.debug:
              msg: web tier created
          - name: Release the web tier's claims
            ansible.builtin.set_fact:
              quota_gate_claims: []
          - name: Gate the db tier
            ansible.builtin.include_role:
              name: headroom.cloud.quota_gate
            vars:
              quota_gate_requirements: [{name: db keys, service: kms, resource_type: key, kms_instance_id: %s, need: 2}]
    """ % (KST1, KST1) + PROVISION + SAVE, "app1\n")
    assert run.provisioned() == ["app1"], run
    assert run.report("app1")["checks"][0]["shared_with"] == []


def test_the_role_listed_twice_counts_the_first_runs_claim_in_play_scope(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        vars:
          quota_gate_scope: play
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{name: first, service: kms, resource_type: key, kms_instance_id: %s}]
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{name: second, service: kms, resource_type: key, kms_instance_id: %s}]
        tasks:
    """ % (KST1, KST1) + SAVE + PROVISION, "web1\nweb2\n")
    # First run: 2 hosts × 1 key of 2 available fit. Second run: 2 more, with the first's 2 unreleased: short by 2.
    assert run.provisioned() == [], run
    assert ("web1: second: kms key on %s in cn-hangzhou — need 1 (4 with web2: second, web1: first claimed by an "
            "earlier gate run, web2: first claimed by an earlier gate run), used 10 of 12, 2 available (short by 2)"
            % KST1) in run.output


# --- rule 7: inputs as users write them -----------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["extra_vars", "ini"])
def test_switches_given_as_strings_mean_what_they_say(scenario, emulator, run_env, tmp_path, how):
    scenario.install()
    inventory = "app1 quota_gate_enabled=false\n" if how == "ini" else "app1\n"
    extra = ["-e", "quota_gate_enabled=false"] if how == "extra_vars" else []
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: %s, need: 30}]
        tasks:
    """ % KST1 + PROVISION, inventory, extra_args=extra)
    assert run.provisioned() == ["app1"], run
    assert reads(emulator) == []


def test_in_play_scope_a_hosts_own_quota_gate_fail_from_an_ini_inventory_decides_only_for_it(
        scenario, emulator, run_env, tmp_path):
    # 2 + 2 keys, 2 left: one verdict for both; app1 (first, "false" as an INI string) goes on, app2 stops.
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_scope: play
            quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: %s, need: 2}]
        tasks:
    """ % KST1 + PROVISION, """
        app1 quota_gate_fail=false
        app2
    """)
    assert run.provisioned() == ["app1"], run
    assert "fatal: [app2]" in run.output and "need 2 (4 with app2: requirement 1)" in run.output


def test_omitted_fields_and_numeric_strings_from_an_ini_inventory(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_fail: false
            quota_gate_requirements:
              - name: keys
                service: kms
                resource_type: key
                kms_instance_id: "{{ instance | default(omit) }}"
                need: "{{ keys_needed }}"
        tasks:
    """ + SAVE, """
        named instance=%s keys_needed="2.0"
        only keys_needed="1e3"
    """ % KST1)
    named, only = run.report("named"), run.report("only")
    assert (named["checks"][0]["need"], named["checks"][0]["status"]) == (2, "low"), run
    # No instance: the region's instances are listed; cn-hangzhou has two, so it asks for one instead of guessing.
    assert only["checks"][0]["need"] == 1000
    assert "the region has 2 KMS instances" in only["checks"][0]["message"]


def test_need_true_is_refused_naming_the_requirement(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{name: keys, service: kms, resource_type: key, kms_instance_id: %s, need: true}]
        tasks:
    """ % KST1 + PROVISION, "app1\n")
    assert run.provisioned() == []
    assert "quota_gate_requirements[0] (keys): need must be a whole number, got true" in run.output, run
    assert "Traceback" not in run.output and reads(emulator) == []


# --- rule 8: serial with play scope ----------------------------------------------------------------------------------

def test_play_scope_with_serial_judges_each_batch_and_warns(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        serial: 2
        vars:
          quota_gate_scope: play
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: %s, need: 1}]
        tasks:
    """ % KST1 + PROVISION, "web1\nweb2\nweb3\n")
    assert "quota_gate_scope: play judged the 2 hosts of this batch together, not the 3 hosts of the play" in run.flat
    # The emulator does not count what the play provisions: each batch of 2 fits in the 2 keys left.
    assert run.provisioned() == ["web1", "web2", "web3"], run


# --- a bad target beside a good one, and --limit ------------------------------------------------------------------

def test_a_host_with_a_bad_target_fails_alone_and_limit_gates_only_the_limited_hosts(scenario, emulator, run_env,
                                                                                     tmp_path):
    scenario.install()
    play = """
        vars:
          quota_gate_scope: play
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_requirements: [{service: kms, resource_type: key, kms_instance_id: "{{ inst }}", need: 1}]
        tasks:
    """ + PROVISION
    inventory = "good1 inst=%s\ngood2 inst=%s\nbad inst=kst-nothere1\n" % (KST1, KST1)
    run = run_play(emulator, run_env, tmp_path, play, inventory)
    assert run.provisioned() == [], run  # play scope: one verdict, and one line is unknown
    assert "bad: requirement 1: kms key on kst-nothere1 in cn-hangzhou — quota could not be read" in run.output
    limited = run_play(emulator, run_env, tmp_path, play, inventory, extra_args=["--limit", "good1,good2"])
    assert limited.provisioned() == ["good1", "good2"], limited


# --- connection settings per region -----------------------------------------------------------------------------

def test_a_gate_over_two_regions_reads_each_from_its_own_endpoint(scenario, emulator, run_env, tmp_path):
    scenario.install()
    run = run_play(emulator, run_env, tmp_path, """
        roles:
          - role: headroom.cloud.quota_gate
            quota_gate_alicloud:
              endpoints: {cn-hangzhou: "{{ hangzhou }}", cn-shanghai: "{{ shanghai }}"}
            quota_gate_requirements:
              - {name: hz, service: kms, resource_type: key, kms_instance_id: %s}
              - {name: sh, service: kms, resource_type: key, region: cn-shanghai}
        tasks:
    """ % KST1 + SAVE + PROVISION, "app1\n", extra_args=[
        "-e", "hangzhou=%s" % emulator.kms_endpoint("cn-hangzhou"), "-e", "shanghai=%s" % emulator.kms_endpoint("cn-shanghai"),
        "-e", "kms_endpoint=http://127.0.0.1:9"])  # the play's own endpoint is never used for these regions
    assert run.provisioned() == ["app1"], run
    assert [c["message"].split(" — ")[0] for c in run.report("app1")["checks"]] == [
        "hz: kms key on %s in cn-hangzhou" % KST1, "sh: kms key on kst-sha0001demo in cn-shanghai"]
    assert sorted((c["region"], c["operation"]) for c in emulator.requests()) == [
        ("cn-hangzhou", "GetKmsInstanceQuotaInfos"), ("cn-shanghai", "GetKmsInstanceQuotaInfos"),
        ("cn-shanghai", "ListKmsInstances")]
