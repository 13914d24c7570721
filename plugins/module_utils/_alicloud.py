# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alibaba Cloud plumbing: shared options, credentials, the KMS client factory, error translation.

Private to headroom.cloud: not a public API, may change without notice. The SDK is imported
lazily, inside the factory, so that bad options fail before paying for the import.
"""

from __future__ import annotations

import functools
import os
import re

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.headroom.cloud.plugins.module_utils._call import RawReplies, VendorError
from ansible_collections.headroom.cloud.plugins.module_utils._common import (
    SERVER_HINT,
    HeadroomError,
    env_fallback,
    HeadroomModule,
    connection_problem,
    credentials_file_problem,
    parse_endpoint,
    split_endpoint,
)
from ansible_collections.headroom.cloud.plugins.module_utils._deferred import deferring
from ansible_collections.headroom.cloud.plugins.module_utils._lazy_models import import_lazily

ALICLOUD_ARGUMENT_SPEC = dict(
    access_key_id=dict(type="str", fallback=(env_fallback, ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"])),
    access_key_secret=dict(
        type="str", no_log=True, fallback=(env_fallback, ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"])
    ),
    ecs_ram_role=dict(type="str", fallback=(env_fallback, ["ALIBABA_CLOUD_ECS_METADATA"])),
    endpoint=dict(type="str", fallback=(env_fallback, ["ALIBABA_CLOUD_KMS_ENDPOINT"])),
    profile=dict(type="str", fallback=(env_fallback, ["ALIBABA_CLOUD_PROFILE"])),
    region=dict(type="str", fallback=(env_fallback, ["ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"])),
    security_token=dict(
        type="str", no_log=True, fallback=(env_fallback, ["ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"])
    ),
)

# What the SDK imports for its async methods alone; the modules call the synchronous ones.
ASYNC_ONLY = ("aiohttp",)

NO_CREDENTIALS = (
    "No Alibaba Cloud credentials found. Set access_key_id and access_key_secret (environment "
    "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or ALICLOUD_ACCESS_KEY and "
    "ALICLOUD_SECRET_KEY), plus security_token (ALIBABA_CLOUD_SECURITY_TOKEN) for STS credentials; "
    "or configure a profile in ~/.alibabacloud/credentials.ini (ALIBABA_CLOUD_CREDENTIALS_FILE) or "
    "~/.aliyun/config.json and choose it with profile (ALIBABA_CLOUD_PROFILE); or opt in to ECS RAM "
    "role credentials from instance metadata with ecs_ram_role (ALIBABA_CLOUD_ECS_METADATA)."
)

# Codes worth another attempt, whatever the HTTP status: those the alicloud Terraform provider
# retries (aliyun/terraform-provider-alicloud, alicloud/common.go, NeedRetry): "ServiceUnavailable",
# "Rejected.Throttling" and every code that starts with "Throttling" (Throttling, Throttling.User,
# Throttling.Api, Throttling.Resource, ...). Also retried: every 429 and 5xx, and every reply with
# x-acs-retry-after (the SDK raises ThrottlingException for those), whatever its code.
RETRYABLE_CODES = ("ServiceUnavailable", "Rejected.Throttling")
THROTTLING_PREFIX = "Throttling"
VENDOR_EXCEPTIONS = ("ClientException", "ServerException", "ThrottlingException")

HINTS = {
    "Forbidden.DKMSInstanceNotFound": "Check kms_instance_id and region: the instance does not exist in this "
    "region for this account.",
    "Forbidden.DKMSInstanceStateInvalid": "The KMS instance is not running (still being created, released or "
    "expired); check its state in the KMS console.",
    "Forbidden.RAM": "The RAM identity lacks permission for this KMS API; grant kms:GetKmsInstanceQuotaInfos "
    "and kms:ListKmsInstances.",
    "InvalidAccessKeyId.NotFound": "The access key id does not exist or was deleted; check access_key_id "
    "(ALIBABA_CLOUD_ACCESS_KEY_ID).",
    "InvalidAccessKeyId.Inactive": "The access key is disabled; enable it or use another key.",
    "InvalidParameter": "A request parameter was refused; check kms_instance_id (kst-...) and resource_types.",
    "InvalidSecurityToken.Expired": "The STS security_token has expired; fetch fresh STS credentials.",
    "InvalidSecurityToken.Malformed": "The security_token is malformed or was sent with a non-STS key; pass the "
    "STS key id, secret and token together.",
    "InvalidSecurityToken.Mismatch": "The security_token does not belong to this STS access key id; pass the STS "
    "key id, secret and token from the same AssumeRole answer.",
    "InvalidTimeStamp.Expired": "The request time is too far from the service's clock; fix this host's clock (NTP).",
    "SignatureDoesNotMatch": "The access_key_secret does not match access_key_id; check "
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET or the secret in your profile.",
    "ServiceUnavailable": "The service is temporarily unavailable; run the task again later or raise retries.",
}
THROTTLED_HINT = "The API is throttled for this account; raise retries, lower forks, or ask Alibaba Cloud for a higher flow-control limit."


class AlicloudModule(HeadroomModule):
    """Base for Alibaba Cloud modules: shared options, a client factory and error translation."""

    vendor_argument_spec = ALICLOUD_ARGUMENT_SPEC
    module_kwargs = dict(required_together=[("access_key_id", "access_key_secret")])
    example_region = "cn-hangzhou"
    region_env = "ALIBABA_CLOUD_REGION_ID"
    action_group = "group/headroom.cloud.alicloud"

    def credentials_source(self, params):
        """Decide where credentials come from, without touching the network.

        Returns ``("static", None)``, ``("ecs_ram_role", role)`` or ``("profile", name)``; fails
        at once when there is nothing to use. The metadata service is used only when asked for.
        """
        if params["access_key_id"]:
            return "static", None
        if params["security_token"]:
            raise HeadroomError("security_token was given without access_key_id and access_key_secret: "
                                "STS credentials are the three together.")
        if params["ecs_ram_role"]:
            return "ecs_ram_role", params["ecs_ram_role"]
        home = os.path.expanduser("~")
        profile_files = [
            os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or os.path.join(home, ".alibabacloud", "credentials.ini"),
            os.path.join(home, ".aliyun", "config.json"),
        ]
        if any(os.path.isfile(path) for path in profile_files):
            return "profile", params["profile"]
        raise HeadroomError(NO_CREDENTIALS)

    def preflight(self, targets):
        source, detail = self.credentials_source(self.params)
        self._import_sdk()
        # Profile and ECS RAM role credentials are loaded once and shared by every target's client.
        self._shared_credential = None if source == "static" else self._credential_client(source, detail)
        _honour_no_proxy([target["endpoint"] or "kms.%s.aliyuncs.com" % target["region"] for target in targets])

    def _import_sdk(self):
        try:
            # The client without its 280 model modules: they load as they are used (_lazy_models.py); and
            # without aiohttp, which only the SDK's async methods use, until something uses it (_deferred.py).
            with deferring(ASYNC_ONLY):
                import_lazily("alibabacloud_kms20160120.client", ["alibabacloud_kms20160120.models"])
        except ImportError:
            raise HeadroomError(missing_required_lib("alibabacloud-kms20160120"))

    def kms_client(self, params, concurrency=1):
        """A KMS client configured from ``params``, shareable by ``concurrency`` threads."""
        from alibabacloud_kms20160120.client import Client as KmsClient
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.policy.retry import RetryOptions

        config = Config(
            region_id=params["region"],
            connect_timeout=int(params["connect_timeout"] * 1000),
            read_timeout=int(params["read_timeout"] * 1000),
            retry_options=RetryOptions({"retryable": False}),  # retries are the call layer's (_call.py)
            ca=params["ca_bundle"],
            max_idle_conns=max(concurrency, 1),  # one pooled connection per worker thread
        )
        if params["endpoint"]:
            # A scheme in the endpoint overrides the API's default HTTPS (config.protocol does that).
            config.protocol, config.endpoint = split_endpoint(params["endpoint"])
        if self._shared_credential is None:
            config.access_key_id = params["access_key_id"]
            config.access_key_secret = params["access_key_secret"]
            config.security_token = params["security_token"]
        else:
            config.credential = self._shared_credential

        client = _raw_reply_client(KmsClient)(config)
        client.raw = RawReplies()
        return client

    def _credential_client(self, source, detail):
        from alibabacloud_credentials.client import Client as CredentialClient
        from alibabacloud_credentials.provider import (
            CLIProfileCredentialsProvider,
            EcsRamRoleCredentialsProvider,
            ProfileCredentialsProvider,
        )

        try:
            if source == "ecs_ram_role":
                provider = EcsRamRoleCredentialsProvider(role_name=detail)
            else:
                provider = _FirstWorkingProvider([ProfileCredentialsProvider(profile_name=detail),
                                                  CLIProfileCredentialsProvider(profile_name=detail)])
            provider.get_credentials()  # fail here, with the reason, rather than on the first API call
        except Exception as exc:
            raise HeadroomError("Could not load Alibaba Cloud credentials from %s: %s. %s" % (
                "ECS RAM role %r via instance metadata" % detail if source == "ecs_ram_role" else "the profile files",
                credentials_file_problem(exc), NO_CREDENTIALS))
        return CredentialClient(provider=provider)

    def kms_call(self, client, params, operation, target, method, request):
        """Call one KMS API through the shared call layer; return the raw reply dict."""
        from darabonba.runtime import RuntimeOptions

        runtime = RuntimeOptions(ignore_ssl=not params["validate_certs"])
        return self.call(params, operation, target, lambda: getattr(client, method)(request, runtime), client.raw)

    def classify(self, exc, operation, target, params):
        return classify(exc, operation, target, params)


def _honour_no_proxy(endpoints):
    """Honour NO_PROXY, which this SDK does not: it reads HTTP(S)_PROXY from the environment itself.

    When every endpoint to call is exempt, the proxy variables are dropped from this module's own
    process environment. (The SDK cannot be told "no proxy" per client, so a mix of exempt and
    proxied endpoints in one call goes through the proxy.)
    """
    from urllib.request import proxy_bypass_environment

    if endpoints and all(proxy_bypass_environment(parse_endpoint(endpoint).hostname or endpoint)
                         for endpoint in endpoints):
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            os.environ.pop(name, None)


@functools.lru_cache(maxsize=None)
def _raw_reply_client(client_class):
    """Subclass an SDK client so that each decoded reply reaches ``client.raw`` (a RawReplies).

    The SDK's response models assume well-formed replies; keeping the decoded dict lets the caller
    validate it and name the exact field that is wrong.
    """

    class RawReplyClient(client_class):
        raw = None

        def call_api(self, *args, **kwargs):
            self.raw.reply = super().call_api(*args, **kwargs)
            return self.raw.reply

    return RawReplyClient


class _FirstWorkingProvider:
    """The SDK's own profile providers tried in order (~/.alibabacloud, then the aliyun CLI's file)."""

    def __init__(self, providers):
        self._providers = providers
        self._chosen = None

    def get_provider_name(self):
        return "profile"

    def get_credentials(self):
        if self._chosen is not None:
            return self._chosen.get_credentials()
        errors = []
        for provider in self._providers:
            try:
                credentials = provider.get_credentials()
            except Exception as exc:
                errors.append(credentials_file_problem(exc))
                continue
            self._chosen = provider
            return credentials
        raise ValueError("; ".join(errors))


_RAW_JSON_VALUE = re.compile(r'Value: "(.*)"\.?$', re.DOTALL)


def classify(exc, operation, target, params):
    """Turn anything the Alibaba SDK raises into a VendorError a person can act on."""
    where = "%s%s in %s" % (operation or "the call", " for %s" % target if target else "", params.get("region"))
    endpoint = params.get("endpoint") or "the %s regional endpoint" % params.get("region")
    if getattr(exc, "name", None) in VENDOR_EXCEPTIONS and getattr(exc, "code", None):
        return _service_error(exc, where)
    text = str(getattr(exc, "inner_exception", None) or exc)
    raw = _RAW_JSON_VALUE.search(text)
    if raw is not None:
        return VendorError(
            "%s failed: the reply from %s is not JSON (raw body: %r). It did not come from the API: check "
            "endpoint, and any proxy or firewall in between" % (where, endpoint, raw.group(1)[:200]),
            code="MalformedReply",
        )
    code, message, hint = connection_problem(text, endpoint)
    return VendorError("%s failed" % where, code=code, message=message, hint=hint)


def _service_error(exc, where):
    """An error answer of the service: its code, message, status and request id, whether to try
    again and after how long (x-acs-retry-after, which the SDK reads in milliseconds), and a hint."""
    code = exc.code
    status = getattr(exc, "status_code", None)
    data = getattr(exc, "data", None) or {}
    throttled = _is_throttling(code, status)
    retryable = throttled or code in RETRYABLE_CODES or exc.name != "ClientException"
    request_id = getattr(exc, "request_id", None)
    retry_after = getattr(exc, "retry_after", None)
    return VendorError(
        "%s failed" % where, code=code, status=status,
        message=data.get("Message") or data.get("message") or getattr(exc, "message", None),
        request_id=None if request_id in (None, "None") else request_id,
        hint=HINTS.get(code) or (THROTTLED_HINT if throttled else SERVER_HINT if retryable else None),
        retryable=retryable, retry_after=None if retry_after is None else retry_after / 1000.0,
    )


def _is_throttling(code, status):
    return code.startswith(THROTTLING_PREFIX) or code == "Rejected.Throttling" or status == 429
