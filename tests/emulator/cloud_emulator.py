"""Local cloud emulator: Alibaba Cloud KMS (ACS3-HMAC-SHA256) + Huawei Cloud IAM/TaurusDB (SDK-HMAC-SHA256).

Contract: tests/emulator/SPEC.md. Standard library only; never imports the collection nor a cloud SDK.

Command line::

    python tests/emulator/cloud_emulator.py --scenario FILE.json [--host 127.0.0.1] [--port 0]
        [--ports-file PATH] [--log PATH] [--tls-cert CERT.pem --tls-key KEY.pem]

It prints the ports JSON on stdout once listening, writes it atomically to ``--ports-file``
(``{"pid":..,"main":..,"scheme":"http","kms":{"<region>": port}}``) and runs until SIGTERM/SIGINT (exit 0).

In-process use (pytest fixtures)::

    emu = start_emulator(scenario_dict, log_path=None, tls=("cert.pem", "key.pem") or None)
    emu.url("main"); emu.url("cn-hangzhou"); emu.endpoint("cn-hangzhou")  # -> "127.0.0.1:PORT"
    emu.requests(); emu.reset(); emu.replace_scenario(new_dict); emu.stop()
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cloudemu import Emulator, main, start_emulator  # noqa: E402  (the package beside this script)

__all__ = ["Emulator", "main", "start_emulator"]

if __name__ == "__main__":
    sys.exit(main())
