# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every part of the emulator shares: constants, the parsed request (Exchange) and the reply."""
from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlsplit


ALI_VERSION = "2016-01-20"
ALI_ACTIONS = ("GetKmsInstanceQuotaInfos", "ListKmsInstances")
ALI_RESOURCE_TYPES = ("key", "secret", "qps", "vpc")
ALI_DATE_WINDOW_S = 15 * 60
HW_LANGUAGES = ("en-us", "zh-cn")
SECRET_QUERY_WORDS = ("signature", "token", "secret", "password")
DROP = object()  # sentinel reply: close the socket without answering


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class Reply:
    """One HTTP answer; the handler always sends Content-Length so keep-alive works."""

    def __init__(self, status, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.content_type = content_type
        self.headers = dict(headers or {})


class Exchange:
    """A parsed request plus the log fields filled in while it is handled."""

    def __init__(self, handler, body: bytes):
        split = urlsplit(handler.path)
        self.handler = handler
        self.method = handler.command
        self.path = split.path or "/"
        self.query_pairs = parse_qsl(split.query, keep_blank_values=True)  # unquotes, '+' -> ' '
        self.body = body
        self.port = handler.server.server_address[1]
        self.listener_region = handler.server.kms_region  # None on the main listener
        self.log = {"vendor": "control", "operation": "unknown", "region": None, "access_key": None,
                    "target": None, "auth": None, "sts": False, "x_language": None, "fault": None,
                    "error_code": None, "request_id": None}

    def header(self, name: str, default=None):
        return self.handler.headers.get(name, default)

    def query(self, name: str, default=None):
        for key, value in self.query_pairs:
            if key == name:
                return value
        return default

    def safe_query(self) -> dict:
        """Query for the log, with anything secret-looking redacted."""
        out = {}
        for key, value in self.query_pairs:
            hidden = any(word in key.lower() for word in SECRET_QUERY_WORDS)
            out[key] = "<redacted>" if hidden else value
        return out
