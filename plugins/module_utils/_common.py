# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class and option checks shared by the headroom.cloud modules.

Private to headroom.cloud: not a public API, may change without notice.
"""

from __future__ import annotations

import configparser
import gc
import os
import re
from functools import partial
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule

from ansible_collections.headroom.cloud.plugins.module_utils._call import Attempts, VendorError, call
from ansible_collections.headroom.cloud.plugins.module_utils._jobs import run_jobs
from ansible_collections.headroom.cloud.plugins.module_utils._quota import MalformedReply

# Options every vendor's modules share: how to reach the service and how hard to try.
CONNECTION_ARGUMENT_SPEC = dict(
    ca_bundle=dict(type="path"),
    connect_timeout=dict(type="float", default=5.0),
    read_timeout=dict(type="float", default=10.0),
    retries=dict(type="int", default=3),
    validate_certs=dict(type="bool", default=True),
)

MAX_RETRIES = 10
REGION_PATTERN = re.compile(r"^[a-z]{2,4}(-[a-z0-9]+){1,4}$")
SERVER_HINT = "The service failed on its side; run the task again later or raise retries."


def env_fallback(*names):
    """Ansible's env_fallback, except that an empty variable counts as unset: AWX credential types
    inject an optional input left empty as an empty variable (extensions/awx/credential_types)."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


# configparser quotes each line it could not parse ("[line  3]: 'sk ...'"): in a credentials file that line may
# hold a secret, so the quoted text is never shown, only where it is.
_QUOTED_LINE = re.compile(r"(\[line\s*\d+\]):\s*'(?:[^'\\]|\\.)*'", re.DOTALL)


def credentials_file_problem(exc):
    """Why a credentials file could not be read, without any of its content."""
    cause = exc
    while cause is not None and not isinstance(cause, configparser.Error):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, configparser.Error):
        lines = [str(number) for number, unused in getattr(cause, "errors", [])]
        if getattr(cause, "lineno", None):
            lines.append(str(cause.lineno))
        return "%s is not a valid INI file (%s%s; the line is not shown, it may hold a secret)" % (
            getattr(cause, "source", None) or "the credentials file", type(cause).__name__,
            ", line %s" % ", ".join(lines) if lines else "")
    return _QUOTED_LINE.sub(r"\1: (line not shown, it may hold a secret)", str(exc))


class TargetParams(dict):
    """One target's parameters (the module's options with a ``targets`` item's overrides), and the
    number of requests its read sent (``attempts``, counted by the call layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attempts = Attempts()


class HeadroomError(Exception):
    """A problem that fails the whole module call (no credentials, no SDK): raised by any helper,
    turned into ``fail_json`` by HeadroomModule.__call__ alone. ``result`` goes into the result."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.result = result


def parse_endpoint(value, default_scheme="https"):
    """``host[:port]`` or ``scheme://host[:port]`` as a SplitResult; the one place a scheme is assumed."""
    return urlsplit(value if "://" in value else "%s://%s" % (default_scheme, value))


def endpoint_problem(value):
    """Return why ``value`` is not ``host[:port]`` or ``http(s)://host[:port]``, or None."""
    try:
        parts = parse_endpoint(value)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "the scheme must be http or https, not %r" % parts.scheme
    if not parts.hostname:
        return "it has no host name"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "it must not carry a path, query or fragment"
    if port == 0:
        return "port 0 is not a port"
    return None


def split_endpoint(value):
    """``host[:port]`` or a URL -> (scheme, netloc), so each SDK gets the form it expects."""
    parts = parse_endpoint(value)
    return parts.scheme, parts.netloc


def connection_problem(text, endpoint):
    """Name what went wrong on the wire: (code, what happened, the fix that usually applies)."""
    lowered = text.lower()
    proxy = any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"))
    if "proxy" in lowered:
        return ("ProxyError", "the proxy from HTTPS_PROXY / HTTP_PROXY failed on the way to %s" % endpoint,
                "Check the proxy, or add the endpoint's host to NO_PROXY.")
    if "certificate verify failed" in lowered or ("ssl" in lowered and "certificate" in lowered):
        return ("TLSVerificationFailed", "TLS certificate verification failed for %s" % endpoint,
                "Trust the server's CA with ca_bundle, or, for a test endpoint only, set validate_certs: false.")
    if any(marker in lowered for marker in ("name or service not known", "nodename nor servname",
                                            "failed to resolve", "temporary failure in name resolution")):
        return ("DNSFailure", "cannot resolve the host of %s (DNS failure)" % endpoint, "Check endpoint and region.")
    if "connection refused" in lowered:
        return ("ConnectionRefused", "connection to %s refused%s" % (endpoint, " (through a proxy)" if proxy else ""),
                "Check endpoint and that the service is reachable from this host.")
    if "timed out" in lowered or "timeout" in lowered:
        return ("Timeout", "no answer from %s within the timeout" % endpoint,
                "Check network reachability, or raise connect_timeout / read_timeout.")
    return ("UnexpectedError", "%s (endpoint %s)" % (text, endpoint),
            "This is not a documented failure of the service; please report it with this message.")


class HeadroomModule:
    """Thin wrapper around AnsibleModule, in the shape of amazon.aws' AnsibleAWSModule.

    Subclasses set ``argument_spec`` (their own options), ``vendor_argument_spec`` (the shared
    options of their cloud), ``target_id`` (the option that names one target) and implement
    ``read(params)``, which reads one target and returns its result dict, making each SDK call
    through ``call()``. ``read`` may be a generator function that yields lists of further jobs to
    run concurrently (see _jobs.py): every job of a module call shares one thread pool.
    ``__call__`` is the one place where failures become ``fail_json``: helpers raise HeadroomError
    or VendorError, and module bodies hold no try/except.

    With the ``targets`` option, one call reads several targets concurrently (one SDK import, one
    process); each item overrides ``region``, ``endpoint`` and ``target_id`` for its target.
    """

    argument_spec = {}
    vendor_argument_spec = {}
    module_kwargs = {}
    target_id = None
    target_options = {}  # further options that a targets item may set, besides region, endpoint, target_id
    endpoint_options = ("endpoint",)
    example_region = "cn-hangzhou"
    region_env = "the vendor's region variable"
    action_group = "the module's action group"
    service_name = "the service"
    # Requests in flight at once for the whole call, whatever the targets and their fan-out: 20 KMS
    # instances of a region are read in one round trip.
    max_workers = 32

    def __init__(self):
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(self.vendor_argument_spec)
        spec.update(self.argument_spec)
        spec["targets"] = dict(type="list", elements="dict", options=dict(
            endpoint=dict(type="str"), region=dict(type="str"), **{self.target_id: dict(type="str")},
            **self.target_options))
        # No mutual exclusion of targets and the target option: a top-level value (often from the
        # environment) is the default of every item that does not name its own.
        self.ansible = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.ansible.params

    def __call__(self):
        """Run the module: the one place where problems become ``fail_json``."""
        try:
            result = self.run()
        except HeadroomError as exc:
            _before_exit()
            self.ansible.fail_json(msg=str(exc), **exc.result)
        _before_exit()
        self.ansible.exit_json(changed=False, **result)

    def run(self):
        problems = self.check_options()
        if problems:
            raise HeadroomError("Invalid options: " + "; ".join(problems) + ".", invalid_options=problems)
        targets = self.target_params()
        # With targets, an item's own bad options are that item's failure: they never stop the others.
        invalid = [self.check_target(params) if self.params["targets"] is not None else [] for params in targets]
        valid = [params for params, problems in zip(targets, invalid) if not problems]
        # Problems shared by every target (no credentials, no SDK) fail here, once, before any thread.
        if valid:
            self.preflight(valid)
        outcomes = iter(run_jobs([partial(self.read, params) for params in valid], self.max_workers))
        if self.params["targets"] is None:
            outcome = next(outcomes)
            if outcome.error is not None:
                msg, details = self.describe_failure(outcome.error, targets[0])
                raise HeadroomError(msg, **details)
            return self.completed(targets[0], outcome.value)
        results = []
        for params, problems in zip(targets, invalid):
            outcome = None if problems else next(outcomes)
            if problems:
                results.append(dict(failed=True, msg="Invalid options: %s." % "; ".join(problems),
                                    invalid_options=problems))
            else:
                results.append(self.completed(params, outcome.value) if outcome.error is None else
                               self.failed(params, outcome.error))
        failures = [r["msg"] for r in results if r.get("failed")]
        if failures:
            raise HeadroomError("%d of %d targets could not be read: %s" % (
                len(failures), len(results), " | ".join(failures)), results=results)
        return dict(results=results)

    def completed(self, params, result):
        """A target's result, with the requests its read sent, and any warning it calls for issued."""
        result["attempts"] = params.attempts.count
        for warning in self.warnings_for(result):
            self.ansible.warn(warning)
        return result

    def failed(self, params, exc):
        """A failed target's entry in ``results``."""
        msg, details = self.describe_failure(exc, params)
        return dict(failed=True, msg=msg, **details)

    def describe_failure(self, exc, params):
        """What a failed read reports: its message, and the result keys (``error``, ...) besides it."""
        if isinstance(exc, HeadroomError):
            return str(exc), exc.result
        if isinstance(exc, MalformedReply):
            return ("%s returned a %s. The reply was not used: a quota that cannot be read is never reported." % (
                self.service_name, exc.describe()),
                dict(error=dict(code="MalformedReply", field=exc.field, request_id=exc.request_id)))
        if not isinstance(exc, VendorError):  # the one catch-all: a crash must read as a message, never a traceback
            exc = self.classify(exc, None, None, params)
        return exc.describe(), dict(error=exc.as_result(), **exc.details)

    def warnings_for(self, result):
        """Warnings a successful read's result calls for (none by default)."""
        return []

    def target_params(self):
        """One full parameter set per target: the top-level options with the item's overrides."""
        if self.params["targets"] is None:
            return [TargetParams(self.params)]
        return [TargetParams(self.params, **dict((k, v) for k, v in item.items() if v is not None))
                for item in self.params["targets"]]

    # --- option checks that AnsibleModule's types cannot express ------------------------------
    def check_options(self):
        """Return a list of readable problems; empty when the options are usable."""
        params = self.params
        problems = []
        for name in ("connect_timeout", "read_timeout"):
            if params[name] is not None and params[name] <= 0:
                problems.append("%s must be a number of seconds greater than 0, got %s" % (name, params[name]))
        if not 0 <= params["retries"] <= MAX_RETRIES:
            problems.append("retries must be between 0 and %d, got %d" % (MAX_RETRIES, params["retries"]))
        if params["ca_bundle"] is not None and not os.access(params["ca_bundle"], os.R_OK):
            problems.append("ca_bundle %r is not a readable file: give the PEM file of the CA that signed the "
                            "endpoint's certificate" % params["ca_bundle"])
        if params["targets"] == []:
            problems.append("targets is empty: name at least one target, or leave targets out")
        if params["targets"] is None:  # with targets, each item's own problems are its own failure (run)
            problems.extend(self.check_target(self.target_params()[0]))
        return problems

    def check_target(self, params):
        problems = []
        region = params.get("region")
        if region is None:
            problems.append("region is missing: set region (in a play, also through module_defaults for %s), or the "
                            "environment variable %s" % (self.action_group, self.region_env))
        elif not REGION_PATTERN.match(region):
            problems.append("region %r is not a region id such as %s" % (region, self.example_region))
        for name in self.endpoint_options:
            value = params.get(name)
            if value is not None:
                why = endpoint_problem(value)
                if why:
                    problems.append("%s %r is not host[:port] or http(s)://host[:port]: %s" % (name, value, why))
        return problems

    def preflight(self, targets):
        """Fail at once on what no target can do without (credentials, the SDK); ``targets`` are
        the full parameter sets of every target to read."""

    def read(self, params):
        raise NotImplementedError

    def call(self, params, operation, target, send, raw=None):
        """One SDK call (``send()``) through the shared call layer, with this cloud's classification."""
        return call(operation, target, send, lambda exc, op, tgt: self.classify(exc, op, tgt, params),
                    params["retries"], raw, getattr(params, "attempts", None))

    def classify(self, exc, operation, target, params):
        """Turn anything the SDK raised into a VendorError (code, status, request id, retryable)."""
        raise NotImplementedError


def _before_exit():
    """Freeze what the call made, just before the module exits.

    Everything the module built lives until the process ends, and the interpreter's shutdown runs
    several full garbage collections over it (the SDKs make some 50,000 objects): about 0.1 s of a
    0.4 s module run, collecting nothing. Frozen objects are left out of those collections
    (``gc.freeze``, Python 3.7+); the process's memory is released by its exit either way.
    """
    gc.freeze()
