# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identify, without secrets, the account and endpoints each service is reached through on a host.

Runs on the controller only (no module is sent to the host). The quota_gate role uses it in play
scope so that hosts are summed on one quota only when they reach it the same way.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible.plugins.action import ActionBase

from ansible_collections.headroom.cloud.plugins.module_utils._alicloud import ALICLOUD_ARGUMENT_SPEC
from ansible_collections.headroom.cloud.plugins.module_utils._huaweicloud import HUAWEICLOUD_ARGUMENT_SPEC
from ansible_collections.headroom.cloud.plugins.plugin_utils._module_defaults import reader_defaults

# Per service: the role variable that overrides the play's module_defaults, and the options that
# decide which account and endpoint a read reaches. Secrets are never among them: a key id names
# the account, its secret adds nothing to the identity.
SERVICES = {
    "kms": ("alicloud", ALICLOUD_ARGUMENT_SPEC,
            ("access_key_id", "ecs_ram_role", "endpoint", "profile", "region"), ("ALIBABA_CLOUD_CREDENTIALS_FILE",)),
    "taurusdb": ("huaweicloud", HUAWEICLOUD_ARGUMENT_SPEC,
                 ("access_key", "endpoint", "iam_endpoint", "metadata_credentials", "project_id", "region"),
                 ("HUAWEICLOUD_SDK_CREDENTIALS_FILE",)),
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("alicloud", "huaweicloud"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        # Options the module would see from its environment: the controller's for a local connection
        # (how the modules run: on localhost, or in AWX's execution environment); for any other
        # connection they are that host's own, so they are kept apart per host.
        local = self._play_context.connection in ("local", "ansible.builtin.local") or self._task.delegate_to in (
            "localhost", "127.0.0.1")
        environment = dict(os.environ) if local else {}
        for entry in self._task.environment or []:
            if isinstance(entry, dict):
                environment.update(self._templar.template(entry))
        ids = {}
        for service, (role_var, spec, options, files) in SERVICES.items():
            settings = reader_defaults(service, self._task, self._templar, task_vars)
            settings.update(self._task.args.get(role_var) or {})
            identity = {"host": None if local else task_vars.get("inventory_hostname")}
            for name in options:
                value = settings.get(name)
                if value is None:
                    fallback = spec[name].get("fallback")
                    names = fallback[1] if fallback else []
                    value = next((environment[env] for env in names if environment.get(env)), None)
                identity[name] = value
            identity["files"] = [environment.get(name) for name in files] + [environment.get("HOME")]
            ids[service] = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
        result.update(changed=False, connection_ids=ids)
        return result
