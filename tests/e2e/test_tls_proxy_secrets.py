# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS verification, proxies from the environment, and secrets at any verbosity."""

from __future__ import annotations

import datetime
import ipaddress
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import ALI_SECRET, DEMO_SCENARIO, HW_PROJECT, HW_SECRET, Emulator, adhoc, ali_env, hw_env, playbook

KST1 = "kst-hzz0001demo"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_private_ca(directory: Path):
    """A private CA and a server certificate for 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("headroom test CA")).issuer_name(_name("headroom test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "server.pem").write_bytes(cert.public_bytes(pem))
    (directory / "server.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    return directory / "ca.pem"


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    ca = make_private_ca(directory)
    emu = Emulator(directory)
    emu.start(DEMO_SCENARIO, ["--tls-cert", str(directory / "server.pem"), "--tls-key", str(directory / "server.key")])
    yield emu, str(ca)
    emu.stop()


def _kms(emu, **extra):
    return dict(region="cn-hangzhou", endpoint=emu.kms_endpoint("cn-hangzhou"), kms_instance_id=KST1, retries=0, **extra)


def _tdb(emu, **extra):
    return dict(region="cn-north-4", endpoint=emu.url, project_id=HW_PROJECT, retries=0, **extra)


@pytest.mark.parametrize("module", ["kms_quota_info", "taurusdb_quota_info"])
def test_a_private_ca_is_refused_by_default_with_a_hint(tls, run_env, module):
    emu, unused_ca = tls
    assert emu.url.startswith("https://")
    args = _kms(emu) if module == "kms_quota_info" else _tdb(emu)
    env = ali_env(run_env, emu) if module == "kms_quota_info" else hw_env(run_env, emu)
    run = adhoc(module, args, env)
    assert run.rc != 0
    assert "TLS certificate verification failed" in run.result["msg"]
    assert "ca_bundle" in run.result["msg"] and "validate_certs: false" in run.result["msg"]
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize("module", ["kms_quota_info", "taurusdb_quota_info"])
@pytest.mark.parametrize("how", ["validate_certs", "ca_bundle"])
def test_validate_certs_false_or_the_private_ca_bundle_work(tls, run_env, module, how):
    emu, ca = tls
    extra = {"validate_certs": False} if how == "validate_certs" else {"ca_bundle": ca}
    args = _kms(emu, **extra) if module == "kms_quota_info" else _tdb(emu, **extra)
    env = ali_env(run_env, emu) if module == "kms_quota_info" else hw_env(run_env, emu)
    run = adhoc(module, args, env)
    assert run.rc == 0, run
    assert run.result["quotas"]


@pytest.mark.parametrize("module", ["kms_quota_info", "taurusdb_quota_info"])
def test_proxy_from_the_environment_is_used_and_no_proxy_is_honoured(scenario, emulator, run_env, module):
    scenario.install()
    if module == "kms_quota_info":
        args = dict(region="cn-hangzhou", endpoint=emulator.kms_endpoint("cn-hangzhou"), kms_instance_id=KST1, retries=0)
    else:
        args = dict(region="cn-north-4", endpoint=emulator.url, project_id=HW_PROJECT, retries=0)
    env = ali_env(run_env, emulator) if module == "kms_quota_info" else hw_env(run_env, emulator)
    proxied = dict(env, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    through_proxy = adhoc(module, args, proxied)
    assert through_proxy.rc != 0  # the (dead) proxy was used
    assert emulator.requests() == []
    bypassed = adhoc(module, args, dict(proxied, NO_PROXY="127.0.0.1,localhost"))
    assert bypassed.rc == 0, bypassed
    assert len(emulator.requests()) == 1


def test_no_secret_or_token_anywhere_at_any_verbosity(scenario, emulator, run_env, tmp_path):
    sts = {"secret": "sts-secret-5f1d0c", "account": DEMO_SCENARIO["alicloud"]["credentials"][
        "LTAI5tDemoKeyId0001"]["account"], "security_token": "sts-token-aa81e2"}
    scenario["alicloud"]["credentials"]["STS.NSecretTest0001"] = sts
    hw_sts = {"secret": "hw-sts-secret-77c3", "account": "hw-demo-account", "security_token": "hw-sts-token-90b4"}
    scenario["huaweicloud"]["credentials"]["HWSTSAK00000000000009"] = hw_sts
    scenario.install()
    secrets = [ALI_SECRET, HW_SECRET, sts["secret"], sts["security_token"], hw_sts["secret"], hw_sts["security_token"],
               "wrong-secret-c0ffee"]
    ali_sts = dict(run_env, ALIBABA_CLOUD_ACCESS_KEY_ID="STS.NSecretTest0001",
                   ALIBABA_CLOUD_ACCESS_KEY_SECRET=sts["secret"], ALIBABA_CLOUD_SECURITY_TOKEN=sts["security_token"])
    hw_sts_env = dict(hw_env(run_env, emulator), HUAWEICLOUD_SDK_AK="HWSTSAK00000000000009",
                      HUAWEICLOUD_SDK_SK=hw_sts["secret"], HUAWEICLOUD_SDK_SECURITY_TOKEN=hw_sts["security_token"])
    kms_args = dict(region="cn-hangzhou", endpoint=emulator.kms_endpoint("cn-hangzhou"), retries=0)
    tdb_args = dict(region="cn-north-4", endpoint=emulator.url, retries=0)
    runs = [
        adhoc("kms_quota_info", dict(kms_args, kms_instance_id=KST1), ali_env(run_env, emulator), verbosity=4),
        adhoc("kms_quota_info", dict(kms_args, kms_instance_id=KST1), ali_sts, verbosity=4),
        adhoc("kms_quota_info", dict(kms_args, kms_instance_id="kst-nothere0001"), ali_sts, verbosity=4),
        adhoc("kms_quota_info", dict(kms_args, kms_instance_id=KST1, access_key_secret="wrong-secret-c0ffee"),
              ali_env(run_env, emulator), verbosity=4),
        adhoc("taurusdb_quota_info", tdb_args, hw_env(run_env, emulator), verbosity=4),
        adhoc("taurusdb_quota_info", tdb_args, hw_sts_env, verbosity=4),
        adhoc("taurusdb_quota_info", dict(tdb_args, secret_key="wrong-secret-c0ffee"), hw_env(run_env, emulator),
              verbosity=4),
        adhoc("taurusdb_quota_info", dict(tdb_args, project_id="0" * 32), hw_sts_env, verbosity=4),
    ]
    outcomes = [run.rc for run in runs]
    assert outcomes.count(0) == 4, outcomes  # successes and failures both covered
    gate = playbook(Path(__file__).parent / "playbooks" / "gate.yml", hw_sts_env, [
        "-vvvv", "-e", json.dumps(dict(report_file=str(tmp_path / "r.json"), taurusdb_endpoint=emulator.url,
                                       quota_gate_requirements=[dict(service="taurusdb", resource_type="instance")]))])
    texts = [run.stdout + run.stderr for run in runs] + [gate.stdout + gate.stderr, emulator.log_file.read_text()]
    for path in Path(run_env["HOME"]).rglob("*"):
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    for path in (tmp_path / "r.json",):
        texts.append(path.read_text())
    for secret in secrets:
        for text in texts:
            assert secret not in text
