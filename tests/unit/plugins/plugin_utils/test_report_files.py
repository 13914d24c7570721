# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report files that CI systems read: JSON, a Markdown job summary and JUnit XML."""

from __future__ import annotations

import json
import os
from xml.etree import ElementTree

import pytest

from ansible_collections.headroom.cloud.plugins.plugin_utils._report_files import (
    combine,
    path_problems,
    render,
    skipped_report,
    write,
)
from ansible_collections.headroom.cloud.tests.unit.plugins.plugin_utils.gate_helpers import gate


def report(requirements, by_instance):
    """The gate's report when each KMS instance answers with ``by_instance[id]`` (anything else: not read)."""
    return gate(requirements, lambda service, target: by_instance.get(target.get("kms_instance_id")))


def kms_result(quota, used):
    return dict(region="cn-hangzhou", kms_instance_ids=["kst-abcd1"], quotas=[dict(
        kms_instance_id="kst-abcd1", resource_type="key", quota=quota, used=used, unlimited=False,
        available=max(quota - used, 0))])


REQUIREMENTS = [dict(name="a", service="kms", resource_type="key", kms_instance_id="kst-abcd1", need=3),
                dict(name="b", service="kms", resource_type="key", kms_instance_id="kst-abcd1", need=3),
                dict(name="ghost", service="kms", resource_type="key", kms_instance_id="kst-ghost1"),
                dict(name="fine", service="kms", resource_type="secret", kms_instance_id="kst-abcd1", need=0)]


@pytest.fixture
def failing():
    result = kms_result(12, 8)
    result["quotas"].append(dict(result["quotas"][0], resource_type="secret", quota=100, used=1, available=99))
    return report(REQUIREMENTS, {"kst-abcd1": result,
                                 "kst-ghost1": {"failed": True, "msg": "Forbidden.DKMSInstanceNotFound"}})


def test_junit_has_one_testcase_per_requirement_and_a_failure_per_shortfall(failing):
    suite = ElementTree.fromstring(render(failing, "r.xml").split("\n", 1)[1])
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["a", "b", "ghost", "fine"]
    assert [c.find("failure") is not None for c in cases] == [True, True, False, False]
    assert cases[2].find("error").get("message").endswith("Forbidden.DKMSInstanceNotFound")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("4", "2", "1", "0")
    assert "need 3 (6 with b)" in cases[0].find("failure").text


def test_junit_under_warn_an_unknown_is_not_an_error(failing):
    suite = ElementTree.fromstring(render(failing, "r.xml", on_unknown="warn").split("\n", 1)[1])
    assert suite.get("errors") == "0" and suite.findall("testcase")[2].find("system-out") is not None


def test_a_disabled_gate_is_skipped_testcases():
    suite = ElementTree.fromstring(render(skipped_report(REQUIREMENTS[:2], "quota_gate_enabled is false"),
                                          "r.xml").split("\n", 1)[1])
    assert suite.get("skipped") == "2" and all(c.find("skipped") is not None for c in suite.findall("testcase"))


def test_markdown_has_the_verdict_and_one_row_per_requirement(failing):
    text = render(failing, "summary.md")
    lines = text.splitlines()
    assert lines[0] == "**Quota gate failed: 3 of 4 requirements cannot be met**"
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| requirement")]
    assert len(rows) == 4
    assert rows[0] == "| a | kms key kst-abcd1 cn-hangzhou | 3 (6 shared) | 8 / 12 | 4 | `██████████` 117% | INSUFFICIENT |"
    assert rows[2].endswith("| - | - | - | UNKNOWN |")


def test_json_is_the_report_itself(failing):
    assert json.loads(render(failing, "r.json")) == failing


def test_an_unknown_extension_and_an_unwritable_path_are_named(failing, tmp_path):
    problems = write(failing, [str(tmp_path / "ok.json"), str(tmp_path / "r.txt"), str(tmp_path / "no" / "r.md")])
    assert (tmp_path / "ok.json").exists()
    assert problems[0] == "%s: the file name must end in .json, .md, .xml, which names the format" % (tmp_path / "r.txt")
    assert problems[1] == "%s: No such file or directory" % (tmp_path / "no" / "r.md")


def test_a_name_that_is_not_a_string_and_characters_xml_cannot_hold_still_give_files_a_parser_reads(tmp_path):
    # The role's argument spec hands the role names as written (name: 123), and messages carry vendor text.
    result = kms_result(12, 8)
    result["quotas"][0]["kms_instance_id"] = "kst-abcd1"
    the_report = report([dict(REQUIREMENTS[0], name=123), dict(REQUIREMENTS[1], name="b\x07ell")],
                        {"kst-abcd1": result})
    assert write(the_report, [str(tmp_path / "r.xml"), str(tmp_path / "r.md")]) == []
    cases = ElementTree.parse(str(tmp_path / "r.xml")).getroot().findall("testcase")
    assert [c.get("name") for c in cases] == ["123", "b\ufffdell"]


def test_the_checks_of_one_requirement_are_told_apart_in_junit():
    flavor = dict(name="db", service="taurusdb", flavor="gaussdb.mysql.4xlarge.x86.4", nodes=1, need=1,
                  enterprise_project="payments")
    the_report = report([flavor], {})  # nothing read: every check unknown, each its own test case
    names = [c.get("name") for c in ElementTree.fromstring(render(the_report, "r.xml").split("\n", 1)[1])]
    assert names == ["db (instance in payments)", "db (vcpus in payments)", "db (ram in payments)", "db (instance)"]


def test_a_path_that_cannot_be_replaced_leaves_no_temporary_file(failing, tmp_path):
    (tmp_path / "r.json").mkdir()  # a directory where the file should go
    problems = write(failing, [str(tmp_path / "r.json")])
    assert problems and problems[0].startswith(str(tmp_path / "r.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_host_scope_file_names_each_host_on_its_lines_and_the_hosts_that_failed(failing):
    fits = report([dict(name="small", service="kms", resource_type="key", kms_instance_id="kst-abcd1", need=1)],
                  {"kst-abcd1": kms_result(12, 8)})
    combined = combine({"web1": failing, "web2": fits})
    assert combined["passed"] is False
    assert [(c["host"], c["name"]) for c in combined["checks"]] == [
        ("web1", "a"), ("web1", "b"), ("web1", "ghost"), ("web1", "fine"), ("web2", "small")]
    assert combined["summary"].startswith("Quota gate failed on 1 of 2 hosts (web1):\n- web1: a: kms key")
    assert combined["failures"] == ["web1: " + line for line in failing["failures"]]
    assert combine({"web2": fits}) is fits  # one host: its own report, unchanged
    assert combine({"web1": fits, "web2": fits})["summary"] == "Quota gate passed on all 2 hosts."


def test_every_host_of_a_batch_finds_the_paths_that_cannot_be_written_without_writing(tmp_path):
    (tmp_path / "ro").mkdir(mode=0o500)
    paths = [str(tmp_path / "ok.md"), str(tmp_path / "gate.txt"), str(tmp_path / "missing" / "r.json"),
             str(tmp_path / "ro" / "r.xml")]
    problems = path_problems(paths)
    assert [p.split(":")[0] for p in problems] == paths[1:3] + ([] if os.geteuid() == 0 else paths[3:])
    assert "must end in .json, .md, .xml" in problems[0] and "is not a writable directory" in problems[1]
    assert list(tmp_path.iterdir()) != [] and not (tmp_path / "ok.md").exists()
