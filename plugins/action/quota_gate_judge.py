# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's last step on each host: judge, warn, write the report files, and say whether to stop.

In host scope a host judges its own requirements; in play scope every host of the batch that takes
part judges all of theirs together and reaches the same verdict. Each read is answered by the
result of the host that made it. The first host that takes part (the *lead*) shows what concerns
the batch once: the play-scope warnings and report, and the report files.
"""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.headroom.cloud.plugins.plugin_utils._gate_step import GateStep, GateStepError
from ansible_collections.headroom.cloud.plugins.plugin_utils._judge import judge, warnings
from ansible_collections.headroom.cloud.plugins.plugin_utils._report_files import (
    combine,
    path_problems,
    skipped_report,
    write,
)

NO_SHARE = (
    "This host has no verdict from this run of the quota gate: the gate's first steps did not run for it, though "
    "this one did (a condition that changed while the role ran?). It is stopped rather than provisioned unchecked. "
    "To leave a host out of the gate, set quota_gate_enabled: false for it instead of a when: condition on the role.")


class ActionModule(GateStep):
    _VALID_ARGS = frozenset()

    def step(self):
        share = self.own_share()
        if share is None:
            raise GateStepError(NO_SHARE)
        if not share.get("enabled"):
            self._record_skipped(share)
            return dict(share, stop="")
        shares = self.shares()
        if share["settings"]["scope"] == "play":
            _same_scope(shares)
        settings = (shares[0] if share["settings"]["scope"] == "play" else share)["settings"]
        results = {}
        for other in shares:
            results.update(other.get("results") or {})
        report, claims = self._judge_batch(share, shares, results, settings)
        # The lead (the first host that takes part) shows what concerns the whole batch, once.
        lead = shares[0]["host"] == self.host
        files = self._report_files(report, shares, results, settings) if lead else path_problems(
            settings["report_path"])
        # Whether to stop is each host's own quota_gate_fail, in either scope.
        stop = _stop_message(report, dict(settings, fail=share["settings"]["fail"]), files)
        share.update(claims=self._kept_claims() + claims, report=report, stop=stop)
        if settings["scope"] == "host" or lead:
            share["lines"] = self._show(report, settings)
        return share

    def _show(self, report, settings):
        """Warn of what passes but deserves a look; the report's lines, for the role to show."""
        for warning in warnings(report, settings["on_unknown"]):
            Display().warning(warning)
        if settings["scope"] == "play":
            self._warn_of_serial()
        return ["%s %s" % (c["status"].upper(), c["message"]) for c in report["checks"]]

    def _judge_batch(self, share, shares, results, settings):
        """This host's report, and its claims of this run: in host scope of its own checks, in play scope of
        every check of the hosts that take part (each line naming its host)."""
        if settings["scope"] == "host":
            report, claims = self._judge(share["checks"], results, settings, [self.host])
            return report, [dict(claim, host=self.host) for claim in claims]
        checks = [dict(check, host=other["host"]) for other in shares for check in other["checks"]]
        # Earlier runs' claims of every host of the batch, not only of those in this run: an include_role in a
        # loop whose items differ per host runs the gate once per host, one after the other.
        hosts = [other["host"] for other in shares]
        hosts += [host for host in self.task_vars.get("ansible_play_batch") or [] if host not in hosts]
        report, claims = self._judge(checks, results, settings, hosts)
        return report, [claim for claim in claims if claim["host"] == self.host]

    def _judge(self, checks, results, settings, hosts):
        report, claims = judge(checks, results, settings["low_percent"], settings["on_unknown"],
                               self.earlier_claims(hosts), self.run_id)
        return report, [dict(claim, play=self.play_id) for claim in claims]

    def _kept_claims(self):
        """This host's claims of earlier runs of this play; those of other plays are dropped."""
        return self.earlier_claims([self.host])

    def _report_files(self, report, shares, results, settings):
        """Write the batch's report files; the problems (empty when written)."""
        if not settings["report_path"]:
            return []
        if settings["scope"] == "host" and len(shares) > 1:
            # One file for every host of the run, each host judged on its own, so hosts never overwrite each other.
            reports = {}
            for other in shares:
                reports[other["host"]] = judge(other["checks"], results, other["settings"]["low_percent"],
                                               other["settings"]["on_unknown"],
                                               self.earlier_claims([other["host"]]), self.run_id)[0]
            report = combine(reports)
        return write(report, settings["report_path"], settings["on_unknown"])

    def _record_skipped(self, share):
        """When no host of the batch takes part, the first one records in the report files that the gate was
        skipped; a host left out while others are gated never overwrites their report."""
        everyone = self.shares(enabled_only=False)
        if everyone and everyone[0]["host"] == self.host and not any(other.get("enabled") for other in everyone):
            write(skipped_report(share.get("requirements"), "quota_gate_enabled is false"),
                  share["settings"]["report_path"], share["settings"]["on_unknown"])

    def _warn_of_serial(self):
        batch = self.task_vars.get("ansible_play_batch") or []
        play = self.task_vars.get("ansible_play_hosts") or []
        if len(batch) < len(play):
            Display().warning(
                "quota_gate_scope: play judged the %d hosts of this batch together, not the %d hosts of the play: with "
                "serial, each batch is gated before it provisions, against what earlier batches created, but what later "
                "batches will create is not counted. Gate the whole play in a play of its own without serial first if "
                "later batches must fit too." % (len(batch), len(play)))


def _stop_message(report, settings, file_problems):
    """Why this host must stop, or "" to go on."""
    lines = []
    if settings["fail"] and not report["passed"]:
        lines.append(report["summary"])
    if file_problems:
        if not lines:
            lines.append("Quota gate passed, but:")
        lines.append("The quota report could not be written: %s. Fix quota_gate_report_path (a writable path on the "
                     "controller ending in .json, .md or .xml)." % "; ".join(file_problems))
    return "\n".join(lines)


def _same_scope(shares):
    """Play scope judges every host that takes part with one set of settings, the first host's: a host of the
    batch in host scope would make that a host-scope verdict for all, so the mix is refused."""
    if any(other["settings"]["scope"] != "play" for other in shares):
        scopes = ["%s: %s" % (other["host"], other["settings"]["scope"]) for other in shares]
        raise GateStepError(
            "quota_gate_scope differs between the hosts of this batch (%s): play scope judges them together and "
            "cannot when some are judged alone. Set quota_gate_scope the same for every host, as a play "
            "variable or in the role's vars." % ", ".join(scopes))
