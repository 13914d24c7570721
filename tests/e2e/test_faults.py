# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults from the services, malformed replies and connection failures: every one ends in a clean,
bounded, actionable answer (or a retried success), never a traceback and never a secret."""

from __future__ import annotations

import time

import pytest

from conftest import HW_PROJECT, adhoc, ali_env, hw_env

KST1 = "kst-hzz0001demo"
CLEAN = ("Traceback", "MODULE FAILURE", "ValueError", "KeyError", "TypeError")


def kms(emulator, **extra):
    args = dict(region="cn-hangzhou", endpoint=emulator.kms_endpoint("cn-hangzhou"), kms_instance_id=KST1)
    args.update(extra)
    return args


def tdb(emulator, **extra):
    args = dict(region="cn-north-4", endpoint=emulator.url, project_id=HW_PROJECT)
    args.update(extra)
    return args


def assert_clean(run):
    text = run.stdout + run.stderr
    for word in CLEAN:
        assert word not in text, text


def set_kms_fault(scenario, fault):
    scenario["alicloud"]["instances"][0]["fault"] = fault
    return scenario.install()


def set_tdb_fault(scenario, fault):
    scenario["huaweicloud"]["projects"][0]["fault"] = fault
    return scenario.install()


# --- throttling and transient errors: retried, then a success or a bounded, named failure -------
@pytest.mark.parametrize("fault", [{"throttle_first": 2}, {"server_error_first": 2},
                                   {"throttle_first": 1, "throttle_code": "Throttling.Api", "throttle_status": 400}])
def test_kms_transient_faults_are_retried_to_success(scenario, emulator, run_env, fault):
    set_kms_fault(scenario, fault)
    run = adhoc("kms_quota_info", kms(emulator, retries=3), ali_env(run_env, emulator))
    assert run.rc == 0, run
    assert len(emulator.requests()) == 1 + fault.get("throttle_first", 0) + fault.get("server_error_first", 0)


@pytest.mark.parametrize("fault", [{"throttle_first": 2}, {"server_error_first": 2}])
def test_taurusdb_transient_faults_are_retried_to_success(scenario, emulator, run_env, fault):
    set_tdb_fault(scenario, fault)
    run = adhoc("taurusdb_quota_info", tdb(emulator, retries=3), hw_env(run_env, emulator))
    assert run.rc == 0, run
    assert len(emulator.requests()) == 3


def test_kms_retries_run_out_naming_the_code_and_attempts(scenario, emulator, run_env):
    set_kms_fault(scenario, {"throttle_first": 50})
    start = time.monotonic()
    run = adhoc("kms_quota_info", kms(emulator, retries=2), ali_env(run_env, emulator))
    assert time.monotonic() - start < 30
    assert run.rc != 0
    assert "Throttling.User (HTTP 429)" in run.result["msg"]
    assert "Gave up after 3 attempts." in run.result["msg"]
    assert run.result["error"]["attempts"] == 3
    assert len(emulator.requests()) == 3
    assert_clean(run)


def test_taurusdb_retries_run_out_naming_the_status_and_attempts(scenario, emulator, run_env):
    set_tdb_fault(scenario, {"server_error_first": 50})
    run = adhoc("taurusdb_quota_info", tdb(emulator, retries=2), hw_env(run_env, emulator))
    assert run.rc != 0
    assert "DBS.108000 (HTTP 503)" in run.result["msg"]
    assert "Gave up after 3 attempts." in run.result["msg"]
    assert len(emulator.requests()) == 3
    assert_clean(run)


def test_retries_zero_means_one_attempt(scenario, emulator, run_env):
    set_kms_fault(scenario, {"throttle_first": 5})
    run = adhoc("kms_quota_info", kms(emulator, retries=0), ali_env(run_env, emulator))
    assert run.rc != 0 and len(emulator.requests()) == 1


# --- every documented error: code, vendor message, request id, hint ----------------------------
@pytest.mark.parametrize("status, code, hint", [
    (400, "InvalidParameter", "check kms_instance_id"),
    (403, "Forbidden.DKMSInstanceStateInvalid", "not running"),
    (403, "Forbidden.DKMSInstanceNotFound", "Check kms_instance_id and region"),
])
def test_documented_kms_errors(scenario, emulator, run_env, status, code, hint):
    set_kms_fault(scenario, {"error": {"status": status, "code": code, "message": "vendor says no."}})
    run = adhoc("kms_quota_info", kms(emulator), ali_env(run_env, emulator))
    msg = run.result["msg"]
    assert "%s (HTTP %d): vendor says no." % (code, status) in msg
    assert "Request id: %s." % emulator.requests()[-1]["request_id"] in msg
    assert hint in msg
    assert_clean(run)


def test_unknown_access_key(scenario, emulator, run_env):
    scenario.install()
    env = dict(run_env, ALIBABA_CLOUD_ACCESS_KEY_ID="LTAInobodyHasThis1", ALIBABA_CLOUD_ACCESS_KEY_SECRET="s-e-c-r-e-t-1")
    run = adhoc("kms_quota_info", kms(emulator), env)
    assert "InvalidAccessKeyId.NotFound (HTTP 404)" in run.result["msg"]
    assert "check access_key_id" in run.result["msg"]


@pytest.mark.parametrize("status, code", [(400, "DBS.200001"), (500, "DBS.108000")])
def test_documented_taurusdb_error_bodies(scenario, emulator, run_env, status, code):
    set_tdb_fault(scenario, {"error": {"status": status, "code": code, "message": "vendor detail."}})
    run = adhoc("taurusdb_quota_info", tdb(emulator, retries=0), hw_env(run_env, emulator))
    assert "%s (HTTP %d): vendor detail." % (code, status) in run.result["msg"]
    assert emulator.requests()[-1]["request_id"] in run.result["msg"]
    assert_clean(run)


# --- malformed replies fail closed, naming field, raw value and request id ----------------------
HTML = "<html><body><h1>502 Bad Gateway</h1>corporate proxy</body></html>"


@pytest.mark.parametrize("raw, expected", [
    ({"status": 200, "content_type": "text/html", "body": HTML}, "502 Bad Gateway"),
    ({"status": 200, "content_type": "application/json", "body": ""}, "not JSON"),
    ({"status": 200, "content_type": "application/json", "body": "[1, 2]"}, "field body is not a JSON object"),
    ({"status": 200, "content_type": "application/json", "body": '{"RequestId": "R-7"}'},
     "field KmsInstanceQuotaInfos is not a list (raw value: None); request id R-7"),
    ({"status": 200, "content_type": "application/json", "body":
        '{"RequestId": "R-8", "KmsInstanceQuotaInfos": [{"ResourceType": "key", "ResourceQuota": "twelve", '
        '"UsedQuantity": 1}]}'}, "KmsInstanceQuotaInfos[0].ResourceQuota is not a whole number (raw value: 'twelve')"),
    ({"status": 200, "content_type": "application/json", "body":
        '{"RequestId": "R-9", "KmsInstanceQuotaInfos": [{"ResourceType": "key", "ResourceQuota": 5, '
        '"UsedQuantity": -3}]}'}, "KmsInstanceQuotaInfos[0].UsedQuantity is negative (raw value: -3)"),
    ({"status": 200, "content_type": "application/json", "body":
        '{"RequestId": "R-10", "KmsInstanceQuotaInfos": "key=12"}'}, "KmsInstanceQuotaInfos is not a list"),
    ({"status": 502, "content_type": "text/html", "body": HTML}, "502 Bad Gateway"),
])
def test_malformed_kms_replies(scenario, emulator, run_env, raw, expected):
    set_kms_fault(scenario, {"raw": raw})
    run = adhoc("kms_quota_info", kms(emulator, retries=0), ali_env(run_env, emulator))
    assert run.rc != 0
    assert expected in run.result["msg"], run.result["msg"]
    assert_clean(run)


@pytest.mark.parametrize("body, expected", [
    (HTML, "field body is not JSON"),
    ("", "field body is not JSON"),
    ('{"quotas": {}}', "field quotas.resources is missing"),
    ('{"quotas": {"resources": [{"type": "instance", "used": "4,", "quota": 50}]}}',
     "quotas.resources[0].used is not a whole number (raw value: '4,')"),
    ('{"quotas": {"resources": [{"type": "instance", "used": 4, "quota": -7}]}}',
     "quotas.resources[0].quota is negative (raw value: -7)"),
    ('{"quotas": {"resources": [{"type": "instance", "used": 4.5, "quota": 50}]}}', "is not a whole number"),
])
def test_malformed_taurusdb_replies(scenario, emulator, run_env, body, expected):
    set_tdb_fault(scenario, {"raw": {"status": 200, "content_type": "application/json", "body": body}})
    run = adhoc("taurusdb_quota_info", tdb(emulator, retries=0), hw_env(run_env, emulator))
    assert run.rc != 0
    assert expected in run.result["msg"], run.result["msg"]
    assert emulator.requests()[-1]["request_id"] in run.result["msg"]
    assert_clean(run)


# --- connection faults: named endpoint, bounded wait ---------------------------------------------
@pytest.mark.parametrize("module, endpoint_key", [("kms_quota_info", "endpoint"), ("taurusdb_quota_info", "endpoint")])
def test_connection_refused(scenario, emulator, run_env, module, endpoint_key):
    scenario.install()
    args = kms(emulator) if module == "kms_quota_info" else tdb(emulator)
    args[endpoint_key] = "http://127.0.0.1:9"
    env = ali_env(run_env, emulator) if module == "kms_quota_info" else hw_env(run_env, emulator)
    start = time.monotonic()
    run = adhoc(module, dict(args, connect_timeout=2), env)
    assert time.monotonic() - start < 20
    assert "connection to http://127.0.0.1:9 refused" in run.result["msg"]
    assert_clean(run)


@pytest.mark.parametrize("module", ["kms_quota_info", "taurusdb_quota_info"])
def test_dns_failure(scenario, emulator, run_env, module):
    scenario.install()
    args = kms(emulator) if module == "kms_quota_info" else tdb(emulator)
    args["endpoint"] = "http://no-such-host.invalid:8080"
    env = ali_env(run_env, emulator) if module == "kms_quota_info" else hw_env(run_env, emulator)
    run = adhoc(module, args, env)
    assert "cannot resolve the host of http://no-such-host.invalid:8080" in run.result["msg"]
    assert_clean(run)


@pytest.mark.parametrize("module", ["kms_quota_info", "taurusdb_quota_info"])
def test_a_hanging_server_hits_the_read_timeout(scenario, emulator, run_env, module):
    if module == "kms_quota_info":
        set_kms_fault(scenario, {"hang_ms": 4000})
        args, env = kms(emulator), ali_env(run_env, emulator)
    else:
        set_tdb_fault(scenario, {"hang_ms": 4000})
        args, env = tdb(emulator), hw_env(run_env, emulator)
    start = time.monotonic()
    run = adhoc(module, dict(args, read_timeout=1, retries=0), env)
    assert time.monotonic() - start < 7
    assert "within the timeout" in run.result["msg"]
    assert_clean(run)
    # The emulator logs the hung request when it finally answers: wait, so it cannot leak into the next test.
    deadline = time.monotonic() + 15
    while not emulator.requests() and time.monotonic() < deadline:
        time.sleep(0.2)


# --- credentials --------------------------------------------------------------------------------
def test_no_credentials_fail_at_once_without_touching_the_network(scenario, emulator, run_env):
    scenario.install()
    start = time.monotonic()
    run = adhoc("kms_quota_info", kms(emulator), run_env)
    assert time.monotonic() - start < 10
    assert run.result["msg"].startswith("No Alibaba Cloud credentials found. Set access_key_id and access_key_secret")
    hw = adhoc("taurusdb_quota_info", tdb(emulator), run_env)
    assert hw.result["msg"].startswith("No Huawei Cloud credentials found. Set access_key and secret_key")
    assert emulator.requests() == []


def test_metadata_credentials_are_only_used_when_asked_and_fail_cleanly_when_disabled(scenario, emulator, run_env):
    # ALIBABA_CLOUD_ECS_METADATA_DISABLED=true (set for every test) makes the SDK refuse before any traffic.
    scenario.install()
    run = adhoc("kms_quota_info", kms(emulator, ecs_ram_role="my-ecs-role"), run_env)
    assert run.rc != 0
    assert "Could not load Alibaba Cloud credentials from ECS RAM role 'my-ecs-role' via instance metadata" in \
        run.result["msg"]
    assert_clean(run)


def test_profile_file_credentials(scenario, emulator, run_env, tmp_path):
    scenario.install()
    profile = tmp_path / "credentials.ini"
    profile.write_text("[default]\ntype = access_key\naccess_key_id = LTAI5tDemoKeyId0001\n"
                       "access_key_secret = demo-secret-do-not-use-1\n")
    hw_profile = tmp_path / "hw-credentials"
    hw_profile.write_text("[basic]\nak = HWDEMOAK0000000000001\nsk = hw-demo-secret-do-not-use\n")
    run = adhoc("kms_quota_info", kms(emulator), dict(run_env, ALIBABA_CLOUD_CREDENTIALS_FILE=str(profile)))
    assert run.rc == 0, run
    hw = adhoc("taurusdb_quota_info", tdb(emulator), dict(run_env, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(hw_profile)))
    assert hw.rc == 0, hw
