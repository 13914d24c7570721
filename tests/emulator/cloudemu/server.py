# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP side: listeners (one per Alibaba region), the control API, the request log, the CLI."""
from __future__ import annotations

import argparse
import copy
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .alibaba import handle_alicloud
from .common import DROP, Exchange, Reply
from .huawei import handle_huawei


# --------------------------------------------------------------------------- control API
def handle_control(emu, ex: Exchange):
    """Control endpoints (main listener only, no auth). Returns (Reply, should_log)."""
    route = (ex.method, ex.path.rstrip("/"))
    if route == ("GET", "/_emulator/health"):
        return Reply(200, {"ok": True}), False
    if route == ("GET", "/_emulator/requests"):
        vendor = ex.query("vendor")
        entries = [e for e in emu.requests() if vendor is None or e["vendor"] == vendor]
        return Reply(200, {"requests": entries}), False
    if route == ("POST", "/_emulator/reset"):
        emu.reset()
        return Reply(200, {"ok": True}), False
    if route == ("PUT", "/_emulator/scenario"):
        try:
            scenario = json.loads(ex.body or b"null")
            if not isinstance(scenario, dict):
                raise ValueError("scenario must be a JSON object")
        except ValueError as exc:
            return Reply(400, {"ok": False, "error": f"bad scenario: {exc}"}), True
        emu.replace_scenario(scenario)
        return Reply(200, {"ok": True, "ports": emu.ports}), False
    return not_found(ex), True


def not_found(ex: Exchange) -> Reply:
    ex.log["error_code"] = "NotFound"
    return Reply(404, {"code": "NotFound", "message": f"No route for {ex.method} {ex.path}"})


# --------------------------------------------------------------------------- HTTP plumbing
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    server_version = "cloud-emulator/1.0"
    sys_version = ""
    timeout = 120  # an idle keep-alive socket is closed after this long

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()  # in this worker thread, not in the accept loop

    def log_message(self, fmt, *args):  # the JSON log replaces the stderr access log
        pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        emu = self.server.emulator
        generation = emu.generation
        ex = Exchange(self, self.read_body())
        should_log = True
        try:
            if ex.path.startswith("/_emulator/") and ex.listener_region is None:
                reply, should_log = handle_control(emu, ex)
            elif ex.path == "/":
                reply = handle_alicloud(emu, ex)
            elif ex.path.startswith("/v3/"):
                reply = handle_huawei(emu, ex)
            else:
                reply = not_found(ex)
        except Exception as exc:  # a malformed scenario must give a visible answer, not a silent hang-up
            ex.log["error_code"] = "EmulatorError"
            reply = Reply(500, {"code": "EmulatorError", "message": f"{type(exc).__name__}: {exc}"})
        if should_log:
            emu.record(ex, reply, generation)
        if reply is DROP:
            self.close_connection = True  # no bytes at all: the client sees a dropped connection
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)


class Listener(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # shutdown must not wait for hanging (hang_ms) workers
    request_queue_size = 256  # 50+ clients may connect at once
    allow_reuse_address = True

    def __init__(self, emulator, host, port, kms_region, ssl_context):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), Handler)
        self.emulator = emulator
        self.kms_region = kms_region
        self.scheme = "https" if ssl_context else "http"
        if ssl_context:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        # Clients that hang up or reject our self-signed cert are normal in tests; stay quiet.
        if not isinstance(sys.exc_info()[1], (OSError, ssl.SSLError)):
            super().handle_error(request, client_address)


def check_loopback(host: str) -> str:
    host = "127.0.0.1" if host == "localhost" else host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"refusing to bind to non-loopback address {host!r}")


class Emulator:
    """Owns the scenario, the listeners, the fault counters and the request log."""

    def __init__(self, scenario: dict, host="127.0.0.1", log_path=None, tls=None, ports_file=None):
        self.host = check_loopback(host)
        self.scenario = copy.deepcopy(scenario)  # never shared with a caller who may keep mutating it
        self.ports_file = ports_file
        self._lock = threading.RLock()
        self._calls = {}
        self._log = []
        # Bumped by reset / scenario replace. A request that started before (for example one still
        # sleeping in hang_ms after its client gave up) must not land in the fresh in-memory log.
        self.generation = 0
        self._log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self._ssl = None
        if tls:
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.load_cert_chain(tls[0], tls[1])
        self.main = None
        self.kms = {}  # region -> Listener

    # -- lifecycle
    def start(self, port=0):
        self.main = self._listen(port, None)
        self._open_kms_listeners()
        return self

    def _listen(self, port, region) -> Listener:
        server = Listener(self, self.host, port, region, self._ssl)
        # A short poll interval keeps stop() fast (shutdown waits for the serving loop to notice).
        threading.Thread(target=server.serve_forever, args=(0.05,), name=f"emulator-{region or 'main'}",
                         daemon=True).start()
        return server

    def _open_kms_listeners(self):
        """One listener per Alibaba region named in the scenario (the listener *is* the region)."""
        ali = self.scenario.get("alicloud") or {}
        instances = [i for i in ali.get("instances") or [] if isinstance(i, dict)]
        regions = [ali.get("default_region")] + [i.get("region") for i in instances]
        regions += [key.split("/", 1)[1] for key in ali.get("list_faults") or {} if "/" in key]
        with self._lock:
            for region in regions:
                if isinstance(region, str) and region and region not in self.kms:
                    self.kms[region] = self._listen(0, region)
            self._write_ports_file()

    def stop(self):
        for server in [self.main, *self.kms.values()]:
            if server is not None:
                server.shutdown()
                server.server_close()
        with self._lock:  # a still-hanging worker may log later; it must find no closed file
            if self._log_file:
                self._log_file.close()
                self._log_file = None
        if self.ports_file and os.path.exists(self.ports_file):
            os.remove(self.ports_file)

    @property
    def ports(self) -> dict:
        """Same content as the ports file."""
        with self._lock:
            return {"pid": os.getpid(), "main": self.main.server_address[1],
                    "scheme": "https" if self._ssl else "http",
                    "kms": {region: srv.server_address[1] for region, srv in self.kms.items()}}

    def endpoint(self, kind: str = "main") -> str:
        """'127.0.0.1:PORT' of 'main' or of an Alibaba region's listener (the Alibaba SDK's `endpoint`)."""
        ports = self.ports
        port = ports["main"] if kind == "main" else ports["kms"][kind.removeprefix("kms:")]
        return f"[{self.host}]:{port}" if ":" in self.host else f"{self.host}:{port}"

    def url(self, kind: str = "main") -> str:
        return f"{self.ports['scheme']}://{self.endpoint(kind)}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _write_ports_file(self):
        if not self.ports_file:
            return
        tmp = f"{self.ports_file}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.ports, handle)
        os.replace(tmp, self.ports_file)  # atomic: readers never see a half-written file

    # -- state
    def replace_scenario(self, scenario: dict):
        with self._lock:
            self.scenario = copy.deepcopy(scenario)
            self._calls.clear()
            self._log.clear()
            self.generation += 1
        self._open_kms_listeners()

    def reset(self):
        with self._lock:
            self._calls.clear()
            self._log.clear()
            self.generation += 1

    def count_call(self, key: str) -> int:
        with self._lock:
            self._calls[key] = self._calls.get(key, 0) + 1
            return self._calls[key]

    def requests(self) -> list:
        with self._lock:
            return [dict(entry) for entry in self._log]

    def record(self, ex: Exchange, reply, generation=None):
        """Append one log entry. Only whitelisted fields: no secret, token, signature or Authorization.
        The file gets every request; the in-memory log only those that started after the last reset."""
        entry = {"ts": round(time.time(), 3), "port": ex.port, "method": ex.method, "path": ex.path,
                 "query": ex.safe_query(), "status": None if reply is DROP else reply.status,
                 "user_agent": (ex.header("User-Agent") or "")[:200], **ex.log}
        with self._lock:
            if generation is None or generation == self.generation:
                self._log.append(entry)
            if self._log_file:
                self._log_file.write(json.dumps(entry) + "\n")
                self._log_file.flush()


def start_emulator(scenario: dict, log_path=None, tls=None, *, host="127.0.0.1", port=0,
                   ports_file=None) -> Emulator:
    """In-process use (pytest fixtures): start every listener in background threads and return the
    Emulator (.ports, .url(kind), .endpoint(kind), .requests(), .reset(), .replace_scenario(), .stop()).
    tls = (cert_path, key_path) or None."""
    return Emulator(scenario, host, log_path, tls, ports_file).start(port)


# --------------------------------------------------------------------------- CLI
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Local Alibaba KMS + Huawei TaurusDB/IAM emulator")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ports-file")
    parser.add_argument("--log")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    with open(args.scenario, encoding="utf-8") as handle:
        scenario = json.load(handle)
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None

    stop = threading.Event()  # handlers first, so an early SIGTERM still means a clean exit 0
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emu = Emulator(scenario, args.host, args.log, tls, args.ports_file).start(args.port)
    print(json.dumps(emu.ports), flush=True)
    while not stop.wait(0.2):  # short waits keep the main thread responsive to signals
        pass
    emu.stop()
    return 0
