# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the quota_gate role's three steps share: which run of the gate this is, which hosts take part
in it, and what each host has published so far.

Private to headroom.cloud: not a public API, may change without notice. Controller only.

Each step runs on every host of the batch, never ``run_once``: Ansible evaluates the condition of a
``run_once`` task on one host only, so a condition on the role (``when:`` on ``roles:`` or on
``import_role``) would skip a once-per-batch step for every host. Each step registers its result as
``__quota_gate`` (the host's *share*), carrying the previous step's share forward; a later step of
another host reads it from ``hostvars``. That is safe only where the hosts wait for each other after
every task (the ``linear`` strategy and those built on it, such as ``debug``): there, every host's
share of the previous step is in place before the next step starts. Under other strategies
(``free``, ``host_pinned``) each host reads and judges alone.

A run of the gate is one execution of the role's block for a batch: its id is the block's uuid, which
every host that runs those tasks together shares and no other run of the role has (an ``include_role``
in a loop, or a second ``include_role``, loads new tasks; ``roles:`` and ``import_role`` are loaded
once per play and run once per batch).
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import strategy_loader
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategy

from ansible_collections.headroom.cloud.plugins.plugin_utils._module_defaults import reader_defaults
from ansible_collections.headroom.cloud.plugins.plugin_utils._reads import SERVICES, Place
from ansible_collections.headroom.cloud.plugins.plugin_utils._requirements import is_omitted

SHARE = "__quota_gate"  # the role registers every step's result under this name
CLAIMS = "quota_gate_claims"  # the role keeps each host's unreleased claims in this fact
GATE_OPTIONS = ("flavors", "resource_types", "targets")  # options the gate sets on each read itself


# ansible-core leaves a host whose errors were cleared (meta: clear_host_errors, ignore_unreachable) out of
# ansible_play_batch while it goes on running tasks: the other hosts cannot see it, nor it them.
OUTSIDE_THE_BATCH = (
    "This host is not in the play's current batch (ansible_play_batch): it failed earlier and its errors were "
    "cleared, so in play scope the other hosts of the batch cannot count its needs, nor it theirs. It is stopped "
    "rather than gated alone; gate it again in a play of its own, or use quota_gate_scope: host.")


class GateStepError(Exception):
    """A problem that fails this host's step, with a message that says what to do."""


class GateStep(ActionBase):
    """Base of the role's steps: the run, the batch and the shares, as this host sees them."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self.task_vars = task_vars or {}
        try:
            result.update(self.step(), changed=False)
        except GateStepError as exc:
            result.update(failed=True, msg=str(exc))
        return result

    def step(self):
        raise NotImplementedError

    # --- the run ---------------------------------------------------------------------------------
    @property
    def host(self):
        return self.task_vars.get("inventory_hostname")

    @property
    def run_id(self):
        return self._task._parent._uuid

    @property
    def play_id(self):
        return self._task.get_play()._uuid

    def lockstep(self):
        """Whether the play's strategy makes every host finish a task before any host starts the next."""
        name = self._task.get_play().strategy
        strategy = strategy_loader.get(name, class_only=True)
        return strategy is not None and issubclass(strategy, LinearStrategy)

    def own_share(self):
        """This host's share of this run, or None (the earlier steps did not run for it). A share registered for
        this host but made by another (the role under ``run_once``) is not its own."""
        share = self._of_this_run(self.task_vars.get(SHARE))
        return share if share is not None and share.get("host") == self.host else None

    def shares(self, enabled_only=True):
        """The shares of this run of every host of the batch that takes part, in batch order (with
        ``enabled_only`` false, of those left out with quota_gate_enabled too).

        Under a strategy without lockstep the other hosts' shares may belong to any step: only this
        host's own counts.
        """
        own = self.own_share()
        hosts = list(self.task_vars.get("ansible_play_batch") or []) if self.lockstep() else [self.host]
        if self.host not in hosts:
            if (own or {}).get("settings", {}).get("scope") == "play":
                raise GateStepError(OUTSIDE_THE_BATCH)
            hosts = [self.host]  # host scope: it reads and judges alone, as under a strategy without lockstep
        hostvars = self.task_vars.get("hostvars")
        shares = []
        for host in hosts:
            share = own if host == self.host else self._of_this_run(_registered(hostvars, host, SHARE))
            if share and (share.get("enabled") or not enabled_only):
                shares.append(share)
        return shares

    def _of_this_run(self, share):
        if isinstance(share, dict) and share.get("run") == self.run_id and share.get("play") == self.play_id:
            return dict(share)
        return None

    def earlier_claims(self, hosts):
        """The unreleased claims of earlier gate runs of this play, of ``hosts``."""
        hostvars = self.task_vars.get("hostvars")
        claims = []
        for host in hosts:
            held = self.task_vars.get(CLAIMS) if host == self.host else _registered(hostvars, host, CLAIMS)
            claims.extend(claim for claim in held or [] if isinstance(claim, dict) and claim.get(
                "play") == self.play_id and claim.get("run") != self.run_id)
        return claims

    # --- where the modules run and what they get ---------------------------------------------------
    def place(self):
        """Where this host's modules run (see _reads.Place)."""
        local = self._connection.transport == "local"
        environment = dict(os.environ) if local else {}
        for entry in self._task.environment or []:
            if isinstance(entry, dict):
                environment.update(self._templar.template(entry))
        become_user = self._play_context.become_user if self._play_context.become else None
        return Place(self.host, local, environment, become_user)

    def bases(self, overrides):
        """Per service, the top-level options of this host's module runs: the play's module_defaults for
        the module, then the role's overrides (``quota_gate_alicloud`` / ``quota_gate_huaweicloud``)."""
        omit = self.task_vars.get("omit")
        bases = {}
        for name, service in SERVICES.items():
            base = reader_defaults(service, self._task, self._templar, self.task_vars)
            given = overrides.get(service.overrides)
            if given is not None and not is_omitted(given, omit):
                if not isinstance(given, dict):
                    # Never the value: a string such as "access_key_id=... access_key_secret=..." holds a secret.
                    raise GateStepError("quota_gate_%s must be a mapping of %s options, got %s (not shown: it may "
                                        "hold a secret); write it as YAML, for example {region: cn-hangzhou}" % (
                                            service.overrides, service.module, _kind_of(given)))
                base.update((k, v) for k, v in given.items() if v is not None and not is_omitted(v, omit))
            for option in ("endpoint", "region"):
                if base.get(option) is not None and not isinstance(base[option], str):
                    raise GateStepError(
                        "%s for %s must be one string, got %s: one gate run reads each region through the "
                        "requirements' own region (give a requirement per region), and an endpoint per region "
                        "through quota_gate_%s.endpoints" % (
                            option, service.module, _kind_of(base[option]), service.overrides))
            endpoints = base.get("endpoints")
            if endpoints is not None and not (isinstance(endpoints, dict) and all(
                    isinstance(v, str) for v in endpoints.values())):
                raise GateStepError("quota_gate_%s.endpoints must map each region to its endpoint, for example "
                                    "{cn-hangzhou: kms-vpc.cn-hangzhou.aliyuncs.com}; got %s" % (
                                        service.overrides, _kind_of(endpoints)))
            bases[name] = dict((k, v) for k, v in base.items() if k not in GATE_OPTIONS)
        return bases


def _registered(hostvars, host, name):
    """Another host's variable ``name`` as it was set (registered or set_fact), without templating it."""
    if hostvars is None:
        return None
    try:
        variables = hostvars.raw_get(host)
    except AnsibleError:
        return None
    return variables.get(name) if hasattr(variables, "get") else None


def flag(value, name):
    """A switch as users pass it: a boolean, or a string from ``-e`` or an INI inventory."""
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise GateStepError("%s must be true or false, got %r" % (name, value))


def _kind_of(value):
    """A value's kind, for a message that must not show the value itself."""
    return "a mapping with a value that is not a string" if isinstance(value, dict) else "a %s" % type(value).__name__
