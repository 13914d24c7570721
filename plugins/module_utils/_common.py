# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class and option checks shared by the headroom.cloud modules.

Private to headroom.cloud: not a public API, may change without notice.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule

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


class VendorError(Exception):
    """A failed call, already translated into what the user needs to read."""

    def __init__(self, summary, code=None, message=None, request_id=None, status=None, hint=None, attempts=1,
                 retryable=False):
        super().__init__(summary)
        self.summary = summary
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.hint = hint
        self.attempts = attempts
        self.retryable = retryable  # throttling or a server-side failure: worth another attempt

    def describe(self):
        parts = [self.summary]
        if self.code:
            parts.append(": %s" % self.code)
            if self.status:
                parts.append(" (HTTP %s)" % self.status)
        if self.message:
            parts.append(": %s" % self.message.rstrip("."))
        text = "".join(parts) + "."
        if self.attempts and self.attempts > 1:
            text += " Gave up after %d attempts." % self.attempts
        if self.request_id:
            text += " Request id: %s." % self.request_id
        if self.hint:
            text += " " + self.hint
        return text

    def as_result(self):
        return dict(
            attempts=self.attempts,
            code=self.code,
            http_status=self.status,
            message=self.message,
            request_id=self.request_id,
        )


def endpoint_problem(value):
    """Return why ``value`` is not ``host[:port]`` or ``http(s)://host[:port]``, or None."""
    url = value if "://" in value else "https://" + value
    try:
        parts = urlsplit(url)
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


def split_endpoint(value, default_scheme="https"):
    """``host[:port]`` or a URL -> (scheme, netloc), so each SDK gets the form it expects."""
    parts = urlsplit(value if "://" in value else "%s://%s" % (default_scheme, value))
    return parts.scheme, parts.netloc


class HeadroomModule:
    """Thin wrapper around AnsibleModule, in the shape of amazon.aws' AnsibleAWSModule.

    Subclasses set ``argument_spec`` (their own options), ``vendor_argument_spec`` (the shared
    options of their cloud) and implement ``run()``, which returns the result dict. ``__call__``
    is the one place where failures become ``fail_json``: module bodies hold no try/except.
    """

    argument_spec = {}
    vendor_argument_spec = {}
    module_kwargs = {}

    def __init__(self):
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(self.vendor_argument_spec)
        spec.update(self.argument_spec)
        self.ansible = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.ansible.params

    def __call__(self):
        problems = self.check_options()
        if problems:
            self.ansible.fail_json(msg="Invalid options: " + "; ".join(problems) + ".", invalid_options=problems)
        try:
            result = self.run()
        except VendorError as exc:
            self.fail_vendor(exc)
        except MalformedReply as exc:
            self.ansible.fail_json(
                msg="%s. The reply was not used: a quota that cannot be read is never reported." % self.malformed_summary(exc),
                error=dict(code="MalformedReply", field=exc.field, request_id=exc.request_id),
            )
        except Exception as exc:  # the one catch-all: a crash must read as a message, never a traceback
            self.fail_vendor(self.translate_error(exc))
        self.ansible.exit_json(changed=False, **result)

    def fail_vendor(self, exc):
        self.ansible.fail_json(msg=exc.describe(), error=exc.as_result())

    def malformed_summary(self, exc):
        return "%s returned a %s" % (self.service_name, exc.describe())

    # --- option checks that AnsibleModule's types cannot express ------------------------------
    def check_options(self):
        """Return a list of readable problems; empty when the options are usable."""
        params = self.params
        problems = []
        region = params.get("region")
        if region is not None and not REGION_PATTERN.match(region):
            problems.append("region %r is not a region id such as %s" % (region, self.example_region))
        for name in ("connect_timeout", "read_timeout"):
            if params[name] is not None and params[name] <= 0:
                problems.append("%s must be a number of seconds greater than 0, got %s" % (name, params[name]))
        if not 0 <= params["retries"] <= MAX_RETRIES:
            problems.append("retries must be between 0 and %d, got %d" % (MAX_RETRIES, params["retries"]))
        for name in self.endpoint_options:
            value = params.get(name)
            if value is not None:
                why = endpoint_problem(value)
                if why:
                    problems.append("%s %r is not host[:port] or http(s)://host[:port]: %s" % (name, value, why))
        problems.extend(self.check_module_options())
        return problems

    endpoint_options = ("endpoint",)
    example_region = "cn-hangzhou"
    service_name = "the service"

    def check_module_options(self):
        return []

    def run(self):
        raise NotImplementedError

    def translate_error(self, exc):
        raise NotImplementedError
