# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's second step on each host: make the reads this host is the first of the batch to need.

A read that several hosts of the batch need (the same read id, see _reads.py) is made once, by the
first of them in batch order, with its own credentials; the others take its result in the next step.
Under a strategy without lockstep every host makes its own reads.

Each service's reads are one run of its module (its ``targets`` option reads them concurrently in
one process), and the two services' runs overlap. Only the waiting overlaps: ansible-core's
controller-side work for a module run (templating, building the module, parsing its reply) is not
thread-safe, so it runs under a lock, released only while a run's command executes on the host.
Commands overlap only on a local connection without become (how the gate runs: on localhost or in
an execution environment); anywhere else the runs go one after the other, as two tasks would.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleError

from ansible_collections.headroom.cloud.plugins.plugin_utils._gate_step import GateStep
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import module_runs

STDERR_LINES = 3  # of a module that failed before answering, shown in the report


class ActionModule(GateStep):
    _requires_connection = True  # the modules run over this host's connection
    _VALID_ARGS = frozenset(("alicloud", "huaweicloud"))

    def step(self):
        share = self.own_share()
        if share is None or not share.get("enabled"):
            return share or {}
        mine = self._reads_to_make(share)
        runs = module_runs(dict((identity, share["reads"][identity]) for identity in mine),
                           self.bases(self._task.args))
        share["results"] = self._run_all(runs)
        return share

    def _reads_to_make(self, share):
        """The reads of this host that no host before it in the batch needs too."""
        earlier = set()
        for other in self.shares():
            if other["host"] == self.host:
                break
            earlier.update(other.get("reads") or {})
        return [identity for identity in share["reads"] if identity not in earlier]

    def _run_all(self, runs):
        """Every module run; ``{read id: that target's result}``."""
        try:
            if len(runs) > 1 and self._connection._shell.tmpdir is None:
                self._make_tmp_path()  # one temporary directory for both runs, made before they start
            if len(runs) > 1 and self._can_overlap():
                self._controller_work = threading.Lock()
                self._in_run = threading.local()
                with ThreadPoolExecutor(max_workers=len(runs)) as pool:
                    # Each run in a copy of this task's context: ansible-core keeps templating state there.
                    futures = [pool.submit(contextvars.copy_context().run, self._read, *run) for run in runs.values()]
                outcomes = [future.result() for future in futures]
            else:
                outcomes = [self._read(*run) for run in runs.values()]
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        results = {}
        for outcome in outcomes:
            results.update(outcome)
        return results

    def _can_overlap(self):
        return self._connection.transport == "local" and not self._play_context.become

    def _read(self, module, args, ids):
        """One module run; each target's result by read id. A run that fails as a whole (no credentials, a
        missing SDK, an interpreter that cannot run it) is every one of its targets' failure."""
        result = self._execute(module, args)
        per_target = result.get("results")
        if isinstance(per_target, list) and len(per_target) == len(ids):
            return dict(zip(ids, per_target))
        failure = dict(failed=True, msg=self._why_it_failed(module, result))
        return dict((identity, failure) for identity in ids)

    def _execute(self, module, args):
        lock = getattr(self, "_controller_work", None)
        try:
            if lock is None:
                return self._execute_module(module_name=module, module_args=args, task_vars=self.task_vars)
            with lock:
                self._in_run.holding = True
                try:
                    return self._execute_module(module_name=module, module_args=args, task_vars=self.task_vars)
                finally:
                    self._in_run.holding = False
        except Exception as exc:  # an AnsibleError, or anything else: this run's failure, never the step's crash
            why = exc if isinstance(exc, AnsibleError) else "%s: %s" % (type(exc).__name__, exc)
            return dict(failed=True, msg="%s could not run: %s" % (module, why))

    def _why_it_failed(self, module, result):
        """The module's own message; for a module that never answered (no JSON came back), what it printed."""
        msg = result.get("msg") or "%s returned no result" % module
        if "module_stderr" not in result and "module_stdout" not in result:
            return msg
        printed = (result.get("module_stderr") or "").strip() or (result.get("module_stdout") or "").strip()
        interpreter = self.task_vars.get("ansible_python_interpreter")
        interpreter = self._templar.template(interpreter) if interpreter else "the discovered Python"
        lines = [text.strip() for text in printed.splitlines() if text.strip()][:STDERR_LINES]
        return ("%s did not answer: it failed before it could report a result (interpreter %s, exit code %s)%s. "
                "Check that ansible_python_interpreter names a Python with the SDKs of requirements.txt installed, "
                "for example \"{{ ansible_playbook_python }}\" on the controller." % (
                    module, interpreter, result.get("rc"), ": " + " | ".join(lines) if lines else ""))

    def _low_level_execute_command(self, *args, **kwargs):
        """While a run's command executes on the host, the other run's controller work may go on."""
        if not getattr(getattr(self, "_in_run", None), "holding", False):
            return super()._low_level_execute_command(*args, **kwargs)
        self._controller_work.release()
        try:
            return super()._low_level_execute_command(*args, **kwargs)
        finally:
            self._controller_work.acquire()
