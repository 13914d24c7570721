# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a quota gate report to files on the controller (JSON, Markdown, JUnit XML)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.headroom.cloud.plugins.plugin_utils._report_files import as_paths, combine, skipped_report, write


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("host_reports", "on_unknown", "path", "report", "requirements", "skipped_reason"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        paths = as_paths(args.get("path"))
        try:
            problems = write(self._report(args), paths, args.get("on_unknown") or "fail")
        except Exception as exc:  # reported with the gate's verdict, never instead of it
            problems = ["%s: %s" % (path, exc) for path in paths]
        result.update(changed=False, written=[p for p in paths if not any(q.startswith(p + ":") for q in problems)],
                      problems=problems)
        if problems:
            result.update(failed=True, msg="The quota report could not be written: %s. Fix quota_gate_report_path "
                          "(a writable path on the controller ending in .json, .md or .xml)." % "; ".join(problems))
        return result

    @staticmethod
    def _report(args):
        report = args.get("report")
        if report is None and args.get("host_reports"):
            report = combine(args["host_reports"])
        if report is None:
            report = skipped_report(args.get("requirements"), args.get("skipped_reason") or "the gate is disabled")
        return report
