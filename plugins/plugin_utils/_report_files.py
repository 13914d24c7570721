# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's report as files CI systems read: JSON (the fact), Markdown (a job summary), JUnit XML.

Private to headroom.cloud: not a public API, may change without notice. Controller only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from xml.etree import ElementTree

FORMATS = (".json", ".md", ".xml")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold
STATUS_MARK = {"ok": "ok", "low": "low", "insufficient": "INSUFFICIENT", "unknown": "UNKNOWN", "skipped": "skipped"}


def skipped_report(requirements, reason):
    """The report of a gate that did not run (quota_gate_enabled is false): every requirement skipped."""
    checks = []
    for index, req in enumerate(requirements or []):
        name = req.get("name") or "requirement %d" % (index + 1)
        checks.append(dict(name=name, service=req.get("service"), resource_type=req.get("resource_type"),
                           region=req.get("region"), target=req.get("kms_instance_id") or req.get("project_id"),
                           need=req.get("need", 1), need_total=req.get("need", 1), shared_with=[], quota=None,
                           used=None, available=None, unlimited=None, status="skipped",
                           message="%s: skipped: %s" % (name, reason)))
    return dict(checks=checks, failures=[], passed=True, summary="Quota gate skipped: %s." % reason)


def combine(reports):
    """One report of a host-scope gate run on several hosts (``{host: report}``), each line naming
    its host; the report itself when there is one host."""
    if len(reports) == 1:
        return next(iter(reports.values()))
    checks, failures = [], []
    for host, report in reports.items():
        checks.extend(dict(check, host=host, message="%s: %s" % (host, check["message"])) for check in report["checks"])
        failures.extend("%s: %s" % (host, failure) for failure in report["failures"])
    failed_hosts = [host for host, report in reports.items() if not report["passed"]]
    if failed_hosts:
        # Each host's own summary counts its requirements; the lines below are checks (a flavor requirement
        # makes several), so no count is given that the two could disagree on.
        summary = "Quota gate failed on %d of %d hosts (%s):\n- %s" % (
            len(failed_hosts), len(reports), ", ".join(failed_hosts), "\n- ".join(failures))
    else:
        summary = "Quota gate passed on all %d hosts." % len(reports)
    return dict(checks=checks, failures=failures, passed=not failed_hosts, summary=summary)


def render(report, path, on_unknown="fail"):
    """The text of ``report`` in the format that ``path``'s extension names."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".json":
        return json.dumps(report, indent=2, sort_keys=True) + "\n"
    if extension == ".md":
        return markdown(report)
    if extension == ".xml":
        return junit(report, on_unknown)
    raise ValueError("the file name must end in %s, which names the format" % ", ".join(FORMATS))


def _usage(check):
    if check.get("unlimited"):
        return "unlimited"
    if not check.get("quota"):
        return "-"
    percent = 100.0 * (check["used"] + check["need_total"]) / check["quota"]
    filled = min(10, int(round(percent / 10)))
    return "`%s%s` %.0f%%" % ("█" * filled, "░" * (10 - filled), percent)


def _cell(value):
    return "-" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def markdown(report):
    """A job summary: the verdict, then one table row per requirement (usage after creation)."""
    lines = ["**%s**" % report["summary"].splitlines()[0].rstrip(":"), "",
             "| requirement | target | need | used / quota | available | usage after | status |",
             "|---|---|---:|---:|---:|---|---|"]
    for check in report["checks"]:
        name = ("%s: %s" % (check["host"], check["name"])) if check.get("host") else check["name"]
        need = str(check["need"]) if check["need_total"] == check["need"] else "%d (%d shared)" % (
            check["need"], check["need_total"])
        target = " ".join(filter(None, [check.get("service"), check.get("resource_type"), check.get("target"),
                                        check.get("region")]))
        quota = "unlimited" if check.get("unlimited") else check.get("quota")
        used = None if check.get("used") is None else "%s / %s" % (check["used"], quota)
        cells = [_cell(name), _cell(target), _cell(need), _cell(used), _cell(check.get("available")), _usage(check),
                 STATUS_MARK.get(check["status"], check["status"])]
        lines.append("| %s |" % " | ".join(cells))
    if report["failures"]:
        lines += ["", "Blocking:", ""] + ["- %s" % _cell(message) for message in report["failures"]]
    return "\n".join(lines) + "\n"


def _xml(value):
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def junit(report, on_unknown="fail"):
    """JUnit XML: one testcase per requirement; failure = insufficient, error = unknown under fail."""
    checks = report["checks"]
    suite = ElementTree.Element("testsuite", name="quota_gate", tests=str(len(checks)))
    counts = dict(failures=0, errors=0, skipped=0)
    names = [(check.get("host"), check["name"]) for check in checks]
    for check in checks:
        # A requirement by flavor, or into an enterprise project, is several checks of one name: tell them
        # apart, as CI reporters key cases by name.
        name = check["name"]
        if names.count((check.get("host"), name)) > 1:
            name += " (%s%s)" % (check["resource_type"],
                                 " in %s" % check["enterprise_project"] if check.get("enterprise_project") else "")
        case = ElementTree.SubElement(suite, "testcase", name=_xml(name),
                                      classname=_xml("quota_gate.%s.%s" % (check.get("host") or "gate", check["service"])))
        status = check["status"]
        if status == "insufficient":
            counts["failures"] += 1
            ElementTree.SubElement(case, "failure", type="insufficient", message=_xml(check["message"])).text = _xml(check["message"])
        elif status == "unknown" and on_unknown == "fail":
            counts["errors"] += 1
            ElementTree.SubElement(case, "error", type="unknown", message=_xml(check["message"])).text = _xml(check["message"])
        elif status == "skipped":
            counts["skipped"] += 1
            ElementTree.SubElement(case, "skipped", message=_xml(check["message"]))
        else:
            ElementTree.SubElement(case, "system-out").text = _xml("%s: %s" % (status, check["message"]))
    for name, count in counts.items():
        suite.set(name, str(count))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suite, encoding="unicode") + "\n"


def as_paths(value):
    """``quota_gate_report_path`` as given: one path, a list of paths, or nothing."""
    if not value:
        return []
    return [os.path.expanduser(str(path)) for path in ([value] if isinstance(value, str) else value)]


def path_problems(paths):
    """What would stop ``paths`` from being written, checked without writing: each host of a batch checks
    the paths that the first host writes, so that every host stops on a path that cannot be written."""
    problems = []
    for path in paths:
        directory = os.path.dirname(os.path.abspath(path))
        if os.path.splitext(path)[1].lower() not in FORMATS:
            problems.append("%s: the file name must end in %s, which names the format" % (path, ", ".join(FORMATS)))
        elif not os.path.isdir(directory) or not os.access(directory, os.W_OK | os.X_OK):
            problems.append("%s: %s is not a writable directory" % (path, directory))
    return problems


def write(report, paths, on_unknown="fail"):
    """Write ``report`` to every path; return the problems (empty when all were written).

    Each file is written whole or not at all (a temporary file, then a rename).
    """
    problems = []
    for path in paths:
        temporary = None
        try:
            text = render(report, path, on_unknown)
            directory = os.path.dirname(os.path.abspath(path))
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".quota_gate_report.")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
            temporary = None
        except Exception as exc:  # any failure is this path's problem, reported with the verdict, never instead of it
            problems.append("%s: %s" % (path, exc.strerror if isinstance(exc, OSError) and exc.strerror else exc))
        finally:
            if temporary is not None and os.path.exists(temporary):
                os.unlink(temporary)
    return problems
