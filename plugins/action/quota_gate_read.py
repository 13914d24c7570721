# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a gate's KMS and TaurusDB targets in one task, the two services' module runs overlapping.

Each service's targets are read by one run of its module (its ``targets`` option reads them
concurrently in one process). The two runs are independent, so they run side by side on the
host: a gate that spans both clouds costs about one module run instead of two in a row.

Only the waiting overlaps. ansible-core's controller-side work for a module run (templating,
building the module, parsing its reply) is not thread-safe, so it runs under a lock, one run at a
time; the lock is let go only while a run's command executes on the host. Commands overlap only on
a ``local`` connection without become (the way the gate runs: on localhost or in an execution
environment); anywhere else the two runs go one after the other, as two tasks would.

The modules get what they would get as tasks of their own: the play's ``module_defaults`` for
their action group and for their own name, then the role's overrides, then the targets.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.headroom.cloud.plugins.plugin_utils._module_defaults import READERS, reader_defaults

OVERRIDES = {"kms": "alicloud", "taurusdb": "huaweicloud"}  # the task argument with the role's overrides


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _VALID_ARGS = frozenset(("alicloud", "huaweicloud", "kms", "taurusdb"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        runs = {}
        for service, (module, _group) in READERS.items():
            targets = self._task.args.get(service) or []
            if targets:
                args = reader_defaults(service, self._task, self._templar, task_vars)
                args.update(self._task.args.get(OVERRIDES[service]) or {})
                args["targets"] = targets
                runs[service] = (module, args)
        if len(runs) > 1 and self._connection._shell.tmpdir is None and not self._connection.is_pipelining_enabled():
            self._make_tmp_path()  # one temporary directory for both runs, made before they start
        reads = dict((service, dict(skipped=True, changed=False, msg="no %s targets" % service)) for service in READERS)
        if len(runs) > 1 and self._can_overlap():
            self._controller_work = threading.Lock()
            self._in_run = threading.local()
            with ThreadPoolExecutor(max_workers=len(runs)) as pool:
                # Each run in a copy of this task's context: ansible-core keeps templating state there.
                futures = dict((service, pool.submit(contextvars.copy_context().run, self._read, module, args, task_vars))
                               for service, (module, args) in runs.items())
            reads.update((service, future.result()) for service, future in futures.items())
        else:
            reads.update((service, self._read(module, args, task_vars)) for service, (module, args) in runs.items())
        self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(reads, changed=False)
        return result

    def _can_overlap(self):
        return self._connection.transport in ("local", "ansible.builtin.local") and not self._play_context.become

    def _read(self, module, args, task_vars):
        """One module run; a run that cannot even start is a failed read, judged (unknown) with the others."""
        lock = getattr(self, "_controller_work", None)
        try:
            if lock is None:
                return self._execute_module(module_name=module, module_args=args, task_vars=task_vars)
            with lock:
                self._in_run.holding = True
                try:
                    return self._execute_module(module_name=module, module_args=args, task_vars=task_vars)
                finally:
                    self._in_run.holding = False
        except AnsibleError as exc:
            return dict(failed=True, msg="%s could not run: %s" % (module, exc))

    def _low_level_execute_command(self, *args, **kwargs):
        """While a run's command executes on the host, the other run's controller work may go on."""
        if not getattr(getattr(self, "_in_run", None), "holding", False):
            return super()._low_level_execute_command(*args, **kwargs)
        self._controller_work.release()
        try:
            return super()._low_level_execute_command(*args, **kwargs)
        finally:
            self._controller_work.acquire()
