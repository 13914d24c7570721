# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The play's module_defaults for a module that an action plugin runs or describes.

Private to headroom.cloud: not a public API, may change without notice.

A task's own module gets its module_defaults from ansible-core. A module that an action plugin
runs for it does not, so the gate's action plugins merge them here the way ansible-core does for a
task: the entries for the module's action group first, then those for the module's own name
(both fully qualified, as ansible-core resolves the keys when it loads the play), later blocks
over earlier ones; then templated for this host, with omitted values dropped.
"""

from __future__ import annotations


# service -> the module that reads it, and that module's action group (meta/runtime.yml)
READERS = {
    "kms": ("headroom.cloud.kms_quota_info", "group/headroom.cloud.alicloud"),
    "taurusdb": ("headroom.cloud.taurusdb_quota_info", "group/headroom.cloud.huaweicloud"),
}


def reader_defaults(service, task, templar, task_vars):
    """What the play's module_defaults give the module that reads ``service``."""
    module, group = READERS[service]
    merged = {}
    for key in (group, module):
        for defaults in task.module_defaults or []:
            if isinstance(defaults, dict) and isinstance(defaults.get(key), dict):
                merged.update(defaults[key])
    merged = templar.template(merged)
    omit = task_vars.get("omit")
    return dict((k, v) for k, v in merged.items() if v is not None and not (isinstance(v, str) and v == omit))
