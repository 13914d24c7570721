"""Run a command against the bundled cloud emulator: start it, export where it is, run, stop it.

    python tests/emulator/with_emulator.py [--scenario FILE.json] [--latency-ms N]
        [--integration-config PATH] -- COMMAND...

The command sees, besides its own environment:
  HEADROOM_EMULATOR_URL            the emulator's main URL (Huawei IAM and TaurusDB, and the control API)
  HEADROOM_KMS_ENDPOINT            the KMS endpoint of the scenario's default Alibaba region
  HEADROOM_KMS_ENDPOINT_<REGION>   the KMS endpoint of each Alibaba region, e.g. ..._CN_SHANGHAI
  HEADROOM_TAURUSDB_ENDPOINT       the TaurusDB endpoint (the main URL)
  ALIBABA_CLOUD_KMS_ENDPOINT       the same as HEADROOM_KMS_ENDPOINT, in the variable kms_quota_info reads
  HUAWEICLOUD_SDK_GAUSSDB_ENDPOINT the same as HEADROOM_TAURUSDB_ENDPOINT, in the variable taurusdb_quota_info
                                   reads (so ad hoc calls without endpoint= reach the emulator)
  HUAWEICLOUD_SDK_IAM_ENDPOINT     the IAM endpoint (the main URL)
and the scenario's first credentials of each cloud in the vendors' own variables
(ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, HUAWEICLOUD_SDK_AK/SK), unless --no-credentials.
With --integration-config, the same facts are also written to PATH as the variables that the
ansible-test integration targets read (tests/integration/integration_config.yml; ansible-test hands
that file to every target, as it passes no environment through), and PATH is removed afterwards.
Everything stays on loopback. Use it to test your own playbooks offline.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cloud_emulator import start_emulator  # noqa: E402  (a sibling file, not a package)

DEFAULT_SCENARIO = Path(__file__).resolve().parent / "scenarios" / "demo.json"


def emulator_environment(emu, scenario, credentials=True):
    env = {
        "HEADROOM_EMULATOR_URL": emu.url("main"),
        "HEADROOM_TAURUSDB_ENDPOINT": emu.url("main"),
        "HUAWEICLOUD_SDK_GAUSSDB_ENDPOINT": emu.url("main"),
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": emu.url("main"),
        # Nothing here may reach for a cloud metadata address.
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }
    default_region = scenario.get("alicloud", {}).get("default_region")
    for region in emu.ports.get("kms", {}):
        env["HEADROOM_KMS_ENDPOINT_" + region.upper().replace("-", "_")] = emu.url(region)
        if region == default_region:
            env["HEADROOM_KMS_ENDPOINT"] = env["ALIBABA_CLOUD_KMS_ENDPOINT"] = emu.url(region)
    if credentials:
        for access_key, entry in list(scenario.get("alicloud", {}).get("credentials", {}).items())[:1]:
            env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=access_key, ALIBABA_CLOUD_ACCESS_KEY_SECRET=entry["secret"])
        for access_key, entry in list(scenario.get("huaweicloud", {}).get("credentials", {}).items())[:1]:
            env.update(HUAWEICLOUD_SDK_AK=access_key, HUAWEICLOUD_SDK_SK=entry["secret"])
    return env


def integration_config(env):
    """The variables of tests/integration/integration_config.yml, from the exported environment."""
    return {
        "headroom_emulator_url": env["HEADROOM_EMULATOR_URL"],
        "headroom_kms_endpoint": env["HEADROOM_KMS_ENDPOINT"],
        "headroom_taurusdb_endpoint": env["HEADROOM_TAURUSDB_ENDPOINT"],
        "headroom_alicloud": {"access_key_id": env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                              "access_key_secret": env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]},
        "headroom_huaweicloud": {"access_key": env["HUAWEICLOUD_SDK_AK"], "secret_key": env["HUAWEICLOUD_SDK_SK"],
                                 "iam_endpoint": env["HUAWEICLOUD_SDK_IAM_ENDPOINT"]},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--latency-ms", type=int, default=None, help="add this latency to every reply")
    parser.add_argument("--log", type=Path, default=None, help="write the request log (JSON lines) here")
    parser.add_argument("--no-credentials", action="store_true", help="do not export the scenario's credentials")
    parser.add_argument("--integration-config", type=Path, default=None,
                        help="also write the emulator's address and credentials here, for ansible-test integration")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    scenario = json.loads(args.scenario.read_text())
    if args.latency_ms is not None:
        scenario.setdefault("defaults", {})["latency_ms"] = args.latency_ms
    emu = start_emulator(scenario, log_path=str(args.log) if args.log else None)
    try:
        env = dict(os.environ)
        env.update(emulator_environment(emu, scenario, credentials=not args.no_credentials))
        if args.integration_config:
            args.integration_config.write_text(json.dumps(integration_config(env), indent=2) + "\n")
        return subprocess.call(command, env=env)
    finally:
        if args.integration_config and args.integration_config.exists():
            args.integration_config.unlink()
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
