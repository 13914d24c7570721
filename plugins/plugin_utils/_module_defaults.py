# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The play's module_defaults for a module that an action plugin runs or describes.

Private to headroom.cloud: not a public API, may change without notice.

A task's own module gets its module_defaults from ansible-core. A module that an action plugin
runs for it does not, so the gate's action plugins merge them here the way ansible-core does for a
task: the entry for the module's action group first, then the one for the module's own name (both
fully qualified, as ansible-core resolves the keys when it loads the play), each templated for
this host, with omitted values dropped.
"""

from __future__ import annotations


def reader_defaults(service, task, templar, task_vars):
    """What the play's module_defaults give ``service.module`` (a member of ``service.group``).

    As ansible-core does: the blocks' entries are merged key by key (a later block's entry for a
    key replaces an earlier one), then the group's entry is applied, then the module's own. A value
    may be one template that yields the whole mapping (``group/...: "{{ settings }}"``); ansible-core
    2.19 and later no longer template module_defaults when the task is validated, so each entry is
    templated here, on every version.
    """
    entries = {}
    for defaults in task.module_defaults or []:
        if isinstance(defaults, dict):
            entries.update(defaults)
    merged = {}
    for key in (service.group, service.module):
        value = templar.template(entries[key]) if key in entries else None
        if isinstance(value, dict):
            merged.update(value)
    omit = task_vars.get("omit")
    return dict((k, v) for k, v in merged.items() if v is not None and not (isinstance(v, str) and v == omit))
