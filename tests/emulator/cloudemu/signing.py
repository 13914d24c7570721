# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request signatures, verified as the real services do: ACS3-HMAC-SHA256 (Alibaba) and SDK-HMAC-SHA256 (Huawei)."""
from __future__ import annotations

import calendar
import hmac
import time
from urllib.parse import quote, unquote

from .common import ALI_DATE_WINDOW_S, Exchange, hmac_sha256_hex, sha256_hex


def parse_auth_fields(value: str, scheme: str, ak_field: str):
    """Split 'SCHEME K=v,K=v' (commas with or without spaces) -> (ak, [signed headers], signature)."""
    if not value or not value.startswith(scheme + " "):
        return None
    fields = {}
    for part in value[len(scheme) + 1:].split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val.strip()
    if not all(fields.get(k) for k in (ak_field, "SignedHeaders", "Signature")):
        return None
    return fields[ak_field], fields["SignedHeaders"].lower().split(";"), fields["Signature"]


def canonical_headers(handler, signed_headers, join_duplicates: bool) -> str:
    lines = []
    for name in signed_headers:
        values = [v.strip() for v in handler.headers.get_all(name, [])]
        # The Alibaba SDK joins repeated headers sorted with ','; Huawei keeps one value.
        value = ",".join(sorted(values)) if join_duplicates else (values[-1] if values else "")
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def acs3_string_to_sign(ex: Exchange, signed_headers, content_sha256: str) -> str:
    # Keys sorted (as the SDK sorts dict keys), values re-quoted after URL unquoting.
    pairs = sorted(ex.query_pairs)
    query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in pairs)
    headers = canonical_headers(ex.handler, signed_headers, join_duplicates=True)
    request = f"{ex.method}\n{ex.path or '/'}\n{query}\n{headers}\n{';'.join(signed_headers)}\n{content_sha256}"
    return "ACS3-HMAC-SHA256\n" + sha256_hex(request.encode())


def sdk_string_to_sign(ex: Exchange, signed_headers) -> str:
    uri = "/".join(quote(seg, safe="~") for seg in unquote(ex.path).split("/"))
    if not uri.endswith("/"):
        uri += "/"
    query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(ex.query_pairs))
    headers = canonical_headers(ex.handler, signed_headers, join_duplicates=False)
    if not ex.body:
        payload_hash = sha256_hex(b"")
    elif ex.header("X-Sdk-Content-Sha256") == "UNSIGNED-PAYLOAD":
        payload_hash = "UNSIGNED-PAYLOAD"
    else:
        payload_hash = sha256_hex(ex.body)
    request = f"{ex.method}\n{uri}\n{query}\n{headers}\n{';'.join(signed_headers)}\n{payload_hash}"
    return f"SDK-HMAC-SHA256\n{ex.header('X-Sdk-Date', '')}\n{sha256_hex(request.encode())}"


def acs_date_ok(value) -> bool:
    try:
        stamp = calendar.timegm(time.strptime(value or "", "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return False
    return abs(time.time() - stamp) <= ALI_DATE_WINDOW_S


def verify_acs3(ex: Exchange, credentials: dict, dialect):
    """Return an error Reply, or None when the ACS3 signature and STS token check out."""
    parsed = parse_auth_fields(ex.header("Authorization"), "ACS3-HMAC-SHA256", "Credential")
    token = ex.header("x-acs-security-token")
    ex.log["sts"] = token is not None

    def fail(status, code, message):
        ex.log["auth"] = code
        return dialect.error(status, code, message)

    if parsed is None:
        return fail(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
    ak, signed_headers, signature = parsed
    cred = credentials.get(ak)
    if not isinstance(cred, dict):
        return fail(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if not acs_date_ok(ex.header("x-acs-date")):
        return fail(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    content_sha = ex.header("x-acs-content-sha256", "")
    expected = hmac_sha256_hex(str(cred.get("secret", "")), acs3_string_to_sign(ex, signed_headers, content_sha))
    if content_sha != sha256_hex(ex.body) or not hmac.compare_digest(expected, signature):
        return fail(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
    if cred.get("security_token") is not None and token != cred["security_token"]:
        return fail(400, "InvalidSecurityToken.Mismatch", "Specified SecurityToken mismatch with the AccessKey.")
    if cred.get("security_token") is None and token is not None:
        return fail(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
    ex.log["auth"] = "ok"
    return None


def verify_sdk_hmac(ex: Exchange, credentials: dict, dialect):
    parsed = parse_auth_fields(ex.header("Authorization"), "SDK-HMAC-SHA256", "Access")
    token = ex.header("X-Security-Token")
    ex.log["sts"] = token is not None
    cred = credentials.get(parsed[0]) if parsed else None
    if parsed is None or not isinstance(cred, dict):
        ex.log["auth"] = "APIGW.0301"
        return dialect.auth_error("verify aksk signature fail")
    unused_access_key, signed_headers, signature = parsed
    expected = hmac_sha256_hex(str(cred.get("secret", "")), sdk_string_to_sign(ex, signed_headers))
    if not hmac.compare_digest(expected, signature):
        ex.log["auth"] = "APIGW.0301"
        return dialect.auth_error("verify aksk signature fail")
    # A temporary key needs its token; a permanent key must not present one.
    if token != cred.get("security_token"):
        ex.log["auth"] = "APIGW.0301"
        return dialect.auth_error("security token invalid")
    ex.log["auth"] = "ok"
    return None
