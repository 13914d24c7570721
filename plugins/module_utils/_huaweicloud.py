# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud plumbing: shared options, credentials, the TaurusDB client factory, error translation.

Private to headroom.cloud: not a public API, may change without notice. The SDK is imported
lazily, inside the factory, so that bad options fail before paying for the import.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.headroom.cloud.plugins.module_utils._call import RawReplies, VendorError
from ansible_collections.headroom.cloud.plugins.module_utils._lazy_models import import_lazily
from ansible_collections.headroom.cloud.plugins.module_utils._common import (
    SERVER_HINT,
    HeadroomError,
    env_fallback,
    HeadroomModule,
    connection_problem,
    credentials_file_problem,
    split_endpoint,
)

HUAWEICLOUD_ARGUMENT_SPEC = dict(
    access_key=dict(type="str", no_log=False, fallback=(env_fallback, ["HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"])),
    endpoint=dict(type="str", fallback=(env_fallback, ["HUAWEICLOUD_SDK_GAUSSDB_ENDPOINT"])),
    iam_endpoint=dict(type="str", fallback=(env_fallback, ["HUAWEICLOUD_SDK_IAM_ENDPOINT"])),
    metadata_credentials=dict(type="bool", default=False),
    project_id=dict(type="str", fallback=(env_fallback, ["HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"])),
    region=dict(type="str", fallback=(env_fallback, ["HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME"])),
    secret_key=dict(type="str", no_log=True, fallback=(env_fallback, ["HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"])),
    security_token=dict(
        type="str", no_log=True, fallback=(env_fallback, ["HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"])
    ),
)

NO_CREDENTIALS = (
    "No Huawei Cloud credentials found. Set access_key and secret_key (environment HUAWEICLOUD_SDK_AK and "
    "HUAWEICLOUD_SDK_SK, or HW_ACCESS_KEY and HW_SECRET_KEY), plus security_token (HUAWEICLOUD_SDK_SECURITY_TOKEN) "
    "for temporary credentials; or write them to the [basic] section of ~/.huaweicloud/credentials "
    "(HUAWEICLOUD_SDK_CREDENTIALS_FILE); or opt in to ECS metadata credentials with metadata_credentials: true."
)
PROJECT_ID = re.compile(r"^[A-Za-z0-9]{32}$")
# The API gateway's throttling codes (APIG. is the gateway's older prefix); every 429 and 5xx is retried too.
RETRYABLE_CODES = ("APIGW.0308", "APIG.0308")
# Host patterns of the SDK's TaurusDB region table, most common first (gaussdb-mysql.<region> is used by a few
# regions only; it is never suggested).
ENDPOINT_PATTERNS = ("gaussdb.%s.myhuaweicloud.com", "gaussdbformysql.%s.myhuaweicloud.com")

AUTH_HINT = ("The access_key / secret_key pair (or the security_token) was refused: check HUAWEICLOUD_SDK_AK "
             "and HUAWEICLOUD_SDK_SK, and that temporary credentials have not expired.")
HINTS = {
    "APIGW.0301": AUTH_HINT,
    "APIG.0301": AUTH_HINT,
    "APIGW.0101": "The endpoint does not serve this API; check endpoint and region.",
    "APIGW.0308": "The API is throttled for this account; raise retries or lower forks.",
    "APIG.0308": "The API is throttled for this account; raise retries or lower forks.",
    "Throttled": "The API is throttled for this account; raise retries or lower forks.",
    "DBS.280013": "The project does not belong to these credentials; check project_id and region.",
    "DBS.200001": "A request parameter was refused; check project_id (32 letters or digits), region and "
    "enterprise_project.",
    "DBS.280238": "The service does not support this DB engine or version in this region.",
}
# ShowGaussMySqlQuotas (the enterprise projects' quotas) is documented as in open beta, enabled per
# account by a service ticket; what an account without it receives is not documented. So any 403
# or 404 from it says so, besides what its code says.
ENTERPRISE_QUOTAS_OPERATION = "ShowGaussMySqlQuotas"
OPEN_BETA_HINT = (
    "ShowGaussMySqlQuotas (enterprise project quotas) is in open beta for TaurusDB and is enabled per account "
    "by a service ticket to Huawei Cloud: this account may not have it yet. The tenant's instance quota can "
    "still be read and gated without it: leave enterprise_project out (vCPU and RAM quotas exist per enterprise "
    "project only)."
)
# How the SDK reports a failed IAM project lookup: code and request id exist only in this text.
_IAM_FAILURE = re.compile(
    r"status_code:(?P<status>\d+),request_id:(?P<request_id>[^,]*),error_code:(?P<code>[^,]*),"
    r"error_msg:(?P<message>.*?),encoded_authorization_message"
)


class HuaweicloudModule(HeadroomModule):
    """Base for Huawei Cloud modules: shared options, a client factory and error translation."""

    vendor_argument_spec = HUAWEICLOUD_ARGUMENT_SPEC
    module_kwargs = dict(required_together=[("access_key", "secret_key")])
    endpoint_options = ("endpoint", "iam_endpoint")
    example_region = "cn-north-4"
    region_env = "HUAWEICLOUD_SDK_REGION"
    action_group = "group/headroom.cloud.huaweicloud"
    target_id = "project_id"

    def check_target(self, params):
        problems = super().check_target(params)
        project_id = params["project_id"]
        if project_id is not None and not PROJECT_ID.match(project_id):
            problems.append("project_id %r is not a project id: 32 letters or digits" % project_id)
        return problems

    def credentials(self, params):
        """The SDK credentials object; the metadata service is used only when asked for."""
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.auth.provider import ProfileCredentialProvider

        if params["access_key"]:
            credentials = BasicCredentials(params["access_key"], params["secret_key"])
            credentials.with_security_token(params["security_token"])
        elif params["security_token"]:
            raise HeadroomError("security_token was given without access_key and secret_key: temporary "
                                "credentials are the three together.")
        elif params["metadata_credentials"]:
            credentials = BasicCredentials()  # no keys: the SDK reads temporary ones from ECS metadata
        else:
            try:
                credentials = ProfileCredentialProvider.get_basic().get_credentials()
            except Exception as exc:
                raise HeadroomError("%s (profile file: %s)" % (NO_CREDENTIALS, credentials_file_problem(exc)))
        if params["project_id"]:
            credentials.with_project_id(params["project_id"])
        if params["iam_endpoint"]:
            # Without a scheme the SDK's IAM lookup builds a URL with no host.
            credentials.with_iam_endpoint("%s://%s" % split_endpoint(params["iam_endpoint"]))
        return credentials

    def has_credentials_source(self, params):
        if params["access_key"] or params["metadata_credentials"] or params["security_token"]:
            return True
        path = os.environ.get("HUAWEICLOUD_SDK_CREDENTIALS_FILE") or os.path.join(
            os.path.expanduser("~"), ".huaweicloud", "credentials")
        return os.path.isfile(path)

    def preflight(self, targets):
        params = self.params
        if not self.has_credentials_source(params):
            raise HeadroomError(NO_CREDENTIALS)
        try:
            # The client without its thousand model modules: they load as they are used (_lazy_models.py).
            import_lazily("huaweicloudsdkgaussdb.v3.gaussdb_client",
                          ["huaweicloudsdkgaussdb.v3", "huaweicloudsdkgaussdb.v3.model"])
        except ImportError:
            raise HeadroomError(missing_required_lib("huaweicloudsdkgaussdb"))
        self.credentials(params)  # a broken profile file fails here, once

    def gaussdb_client(self, params):
        """A GaussDB (TaurusDB) client whose successful raw HTTP replies reach ``client.raw``.

        Building it resolves the project id through IAM when project_id is not set; that lookup
        runs inside the SDK's build(), so that build is one call of the call layer too.
        """
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkcore.http.http_handler import HttpHandler
        from huaweicloudsdkcore.region.region import Region
        from huaweicloudsdkgaussdb.v3.gaussdb_client import GaussDBClient

        if params["endpoint"]:
            region = Region(id=params["region"], endpoint="%s://%s" % split_endpoint(params["endpoint"]))
        else:
            region = self.sdk_region(params["region"])
        config = HttpConfig.get_default_config()
        config.timeout = (params["connect_timeout"], params["read_timeout"])
        config.ignore_ssl_verification = not params["validate_certs"]
        config.ssl_ca_cert = params["ca_bundle"]
        config.retry_times = 0  # retries are the call layer's (_call.py), never the transport's as well
        raw = RawReplies()

        def keep(response=None, **unused):
            if response is None:
                return
            if response.status_code < 300:
                raw.reply = response
            else:  # the SDK's exception keeps no headers: the wait a failed reply asks for is kept here
                raw.retry_after = retry_after_seconds(response.headers.get("Retry-After"))

        handler = HttpHandler().add_response_handler(keep)
        # The SDK logs failures at ERROR level to stderr; this module reports them itself.
        logging.getLogger("HuaweiCloud-SDK-GaussDBClient").addHandler(logging.NullHandler())

        def build():
            return GaussDBClient.new_builder().with_http_config(config).with_credentials(self.credentials(params)) \
                .with_region(region).with_http_handler(handler).build()

        if params["project_id"]:
            client = build()  # nothing to look up: no request, so nothing to retry or count
        else:
            client = self.call(params, "IAM project lookup", "region %s" % params["region"], build)
        client.raw = raw
        return client

    @staticmethod
    def sdk_region(region_id):
        """The SDK's own endpoint for a region, or an error that names what to set instead."""
        from huaweicloudsdkgaussdb.v3.region.gaussdb_region import GaussDBRegion

        try:
            return GaussDBRegion.value_of(region_id)
        except KeyError:
            known = sorted(GaussDBRegion.static_fields)
            hosts = set(urlsplit(GaussDBRegion.value_of(known_id).endpoints[0]).hostname for known_id in known)
            pattern = next((p for p in ENDPOINT_PATTERNS if any(p % known_id in hosts for known_id in known)), None)
            raise VendorError(
                "The SDK knows no TaurusDB endpoint for region %s" % region_id, code="UnknownRegion",
                hint="Set endpoint to the TaurusDB endpoint of that region%s. Regions with a known endpoint: %s." % (
                    ", for example https://%s" % (pattern % region_id) if pattern else "", ", ".join(known)))

    def gaussdb_call(self, client, params, operation, target, invoker):
        """Invoke one TaurusDB API through the shared call layer; return its raw HTTP reply."""
        return self.call(params, operation, target, invoker.invoke, client.raw)

    def classify(self, exc, operation, target, params):
        return classify(exc, operation, target, params)


def classify(exc, operation, target, params):
    """Turn anything the Huawei SDK raises into a VendorError a person can act on."""
    where = "%s%s" % (operation or "the call", " for %s" % target if target else "")
    if getattr(exc, "status_code", None) is not None and hasattr(exc, "error_code"):
        return _service_answer(exc, operation, where)
    text = getattr(exc, "error_msg", None) or str(exc)
    iam = parse_iam_failure(text)
    if iam is not None:
        return _vendor_error("IAM project lookup for region %s" % params.get("region"), iam["status"], iam["code"],
                             iam["message"], iam["request_id"], extra_hint="Or set project_id to skip the lookup.")
    if "Failed to get project id" in text or "Multiple project ids" in text:
        return VendorError("IAM project lookup for region %s failed: %s" % (params.get("region"), text),
                           code="IAM.ProjectLookup",
                           hint="Set project_id, or check that the project of this region exists for these credentials.")
    if operation == "IAM project lookup":
        endpoint = params.get("iam_endpoint") or "the IAM endpoint"
    else:
        endpoint = params.get("endpoint") or "the TaurusDB endpoint of %s" % params.get("region")
    code, message, hint = connection_problem(text, endpoint)
    return VendorError("%s failed" % where, code=code, message=message, hint=hint)


def _service_answer(exc, operation, where):
    """An HTTP error answer, as the SDK's exception carries it."""
    status = exc.status_code
    if status == 429 and exc.error_code == "429":
        # The SDK's HTTP transport gives up on a 429 itself and keeps neither body nor request id.
        return _vendor_error(where, 429, "Throttled", "the service answered HTTP 429 Too Many Requests", None)
    error = _vendor_error(where, status, exc.error_code, exc.error_msg, exc.request_id)
    if operation == ENTERPRISE_QUOTAS_OPERATION and status in (403, 404):
        error.hint = OPEN_BETA_HINT + (" " + error.hint if error.hint else "")
    return error


def retry_after_seconds(value):
    """A Retry-After header (seconds, or an HTTP date) as seconds to wait; None when absent or unreadable."""
    if not value:
        return None
    from urllib3.util.retry import Retry

    try:
        return Retry().parse_retry_after(value)
    except Exception:  # an unreadable header is no request to wait: the backoff applies
        return None


def parse_iam_failure(text):
    """Code, status, message and request id of a failed IAM lookup, which the SDK gives only as text."""
    found = _IAM_FAILURE.search(text)
    if found is None:
        return None
    return dict(status=int(found.group("status")), code=found.group("code"), message=found.group("message"),
                request_id=found.group("request_id"))


def _vendor_error(where, status, code, message, request_id, extra_hint=None):
    retryable = status == 429 or status >= 500 or code in RETRYABLE_CODES
    hint = HINTS.get(code) or (SERVER_HINT if retryable else None)
    if extra_hint:
        hint = "%s %s" % (hint or "", extra_hint)
    return VendorError("%s failed" % where, code=code, message=message, status=status,
                       request_id=request_id or None, hint=hint, retryable=retryable)
