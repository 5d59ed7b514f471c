#!/usr/bin/env python3
"""A static HTTP test server with fault injection, for wharf's tests.

Usage: http_server.py --root DIR [--faults FILE.json] [--tls-cert CERT --tls-key KEY]

Binds 127.0.0.1 on an ephemeral port and prints `PORT <n>` as its first line
on stdout. Serves the files under --root (GET and HEAD, no directory listings)
with ETag / Last-Modified, answers If-None-Match / If-Modified-Since with 304
and `Range: bytes=N-` (honouring If-Range) with 206.

Control endpoints (never counted, never faulted):
  GET  /__stats                      {"counts": {path: n}, "last_headers": {path: {...}},
                                      "last_status": {path: status},
                                      "max_in_flight": n}  (most requests served at once)
  POST /__fault?path=/x&mode=MODE    set (or with mode=none clear) the fault of a path
  POST /__headers?path=P&header=Name:%20value[&header=...]
                                     send these headers with every 200 and 304 for
                                     path P (P ending in `/`: every path under it),
                                     e.g. Cache-Control, Expires, Age; without any
                                     `header`, stop sending extra headers for P
  POST /__reset                      forget counts and faults (extra headers stay)

A fault is `NAME[:ARG]`. For the failure modes ARG is how many requests fail
before the path is served normally (absent: every request):
  drop-halfway   headers and half the body, then the connection closes
  fail-500       500 Internal Server Error
  fail-429       429 Too Many Requests with Retry-After: 1
  stall          headers and a few bytes, then nothing (bounded sleep)
  wrong-bytes    a body of the same length with different bytes
  reset          the connection is closed (RST) without any response
Other modes (ARG is a value, applied to every request):
  require-auth:V 401 unless the Authorization header equals V
  gzip           the body is sent with Content-Encoding: gzip when accepted
  redirect:URL   302 to URL
  delay:MS       wait MS milliseconds before answering (to make transfers overlap)
  trickle:MS     send the body in 10 pieces spread over MS milliseconds (a transfer
                 that is visibly in progress)

--faults FILE.json holds {"/path": "mode", ...} applied at start.

The server exits when its stdin reaches end-of-file (its parent died or
closed the pipe) or on SIGTERM, so no test leaves it running. Every wait is
bounded. HTTP/2 is not offered: the Python standard library cannot speak it.
"""

import argparse
import email.utils
import gzip
import hashlib
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STALL_LIMIT_SECONDS = 60.0
IDLE_TIMEOUT_SECONDS = 30.0

_lock = threading.Lock()
_counts = {}
_last_headers = {}
_last_status = {}
_faults = {}  # path -> {"name": str, "arg": str|None, "remaining": int|None}
_extra_headers = {}  # path or folder/ -> [(name, value)]
_stopping = threading.Event()
_in_flight = 0
_max_in_flight = 0

COUNTED_MODES = {"drop-halfway", "fail-500", "fail-429", "stall", "wrong-bytes", "reset"}
VALUE_MODES = {"require-auth", "gzip", "redirect", "delay", "trickle"}


def parse_fault(mode):
    name, _, arg = mode.partition(":")
    if name not in COUNTED_MODES and name not in VALUE_MODES:
        raise ValueError("unknown fault mode: " + mode)
    remaining = None
    if name in COUNTED_MODES and arg:
        remaining = int(arg)
    return {"name": name, "arg": arg or None, "remaining": remaining}


def set_fault(path, mode):
    with _lock:
        if mode in ("", "none"):
            _faults.pop(path, None)
        else:
            _faults[path] = parse_fault(mode)


def take_fault(path):
    """The fault to apply to this request of `path`, consuming one use."""
    with _lock:
        fault = _faults.get(path)
        if fault is None:
            return None
        if fault["remaining"] is not None:
            if fault["remaining"] <= 0:
                return None
            fault["remaining"] -= 1
        return dict(fault)


def extra_headers_for(path):
    """The headers /__headers set for `path`: a folder's, then the path's own."""
    with _lock:
        rules = sorted(_extra_headers.items(), key=lambda item: len(item[0]))
        out = []
        for key, headers in rules:
            if key == path or (key.endswith("/") and path.startswith(key)):
                out.extend(headers)
        return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    server_version = "wharf-test-server"

    def log_message(self, format, *args):  # noqa: A002 - keep stderr quiet
        pass

    # -- helpers -----------------------------------------------------------
    def _split_target(self):
        target = self.path
        # Absolute-form targets arrive when a client uses this server as a proxy.
        if target.startswith("http://") or target.startswith("https://"):
            parsed = urllib.parse.urlsplit(target)
            target = parsed.path or "/"
            if parsed.query:
                target += "?" + parsed.query
        path, _, query = target.partition("?")
        return path, urllib.parse.parse_qs(query)

    def _send_simple(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _record(self, path):
        self._counted_path = path
        with _lock:
            _counts[path] = _counts.get(path, 0) + 1
            _last_headers[path] = {k: v for k, v in self.headers.items()}

    def send_response(self, code, message=None):
        path = getattr(self, "_counted_path", None)
        if path is not None:
            with _lock:
                _last_status[path] = code
        super().send_response(code, message)

    # -- control endpoints -------------------------------------------------
    def _control(self, path, query):
        global _max_in_flight
        if path == "/__stats":
            with _lock:
                body = json.dumps(
                    {
                        "counts": _counts,
                        "last_headers": _last_headers,
                        "last_status": _last_status,
                        "max_in_flight": _max_in_flight,
                    }
                ).encode()
            self._send_simple(200, body, {"Content-Type": "application/json"})
            return True
        if path == "/__fault" and self.command == "POST":
            try:
                set_fault(query["path"][0], query.get("mode", ["none"])[0])
            except (KeyError, ValueError) as error:
                self._send_simple(400, str(error).encode())
                return True
            self._send_simple(200, b"ok\n")
            return True
        if path == "/__headers" and self.command == "POST":
            try:
                target = query["path"][0]
                headers = []
                for item in query.get("header", []):
                    name, _, value = item.partition(":")
                    if not name.strip():
                        raise ValueError("a header needs a name: " + item)
                    headers.append((name.strip(), value.strip()))
            except (KeyError, ValueError) as error:
                self._send_simple(400, str(error).encode())
                return True
            with _lock:
                if headers:
                    _extra_headers[target] = headers
                else:
                    _extra_headers.pop(target, None)
            self._send_simple(200, b"ok\n")
            return True
        if path == "/__reset" and self.command == "POST":
            with _lock:
                _max_in_flight = 0
                _counts.clear()
                _last_headers.clear()
                _last_status.clear()
                _faults.clear()
            self._send_simple(200, b"ok\n")
            return True
        return False

    # -- serving -----------------------------------------------------------
    def _resolve(self, path):
        root = self.server.root
        relative = urllib.parse.unquote(path).lstrip("/")
        candidate = os.path.realpath(os.path.join(root, relative))
        if candidate != root and not candidate.startswith(root + os.sep):
            return None
        if not os.path.isfile(candidate):
            return None
        return candidate

    def _serve(self):
        self._counted_path = None
        path, query = self._split_target()
        if path.startswith("/__") and self._control(path, query):
            return
        if self.command == "POST":
            self._send_simple(405)
            return
        self._record(path)
        fault = take_fault(path)
        name = fault["name"] if fault else None

        if name == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if name == "fail-500":
            self._send_simple(500, b"injected failure\n")
            return
        if name == "fail-429":
            self._send_simple(429, b"slow down\n", {"Retry-After": "1"})
            return
        if name == "delay":
            time.sleep(min(int(fault["arg"] or "0"), 10000) / 1000.0)
        if name == "redirect":
            self._send_simple(302, b"", {"Location": fault["arg"]})
            return
        if name == "require-auth" and self.headers.get("Authorization") != fault["arg"]:
            self._send_simple(401, b"unauthorized\n", {"WWW-Authenticate": 'Basic realm="wharf"'})
            return

        file_path = self._resolve(path)
        if file_path is None:
            self._send_simple(404, b"not found\n")
            return
        with open(file_path, "rb") as handle:
            data = handle.read()
        mtime = int(os.path.getmtime(file_path))
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        validators = {"ETag": etag, "Last-Modified": last_modified}

        # A 304 carries the caching headers a 200 would (RFC 9110 15.4.5).
        for key, value in extra_headers_for(path):
            validators[key] = value
        if self._not_modified(etag, mtime):
            self.send_response(304)
            for key, value in validators.items():
                self.send_header(key, value)
            self.end_headers()
            return

        status = 200
        headers = dict(validators)
        if name == "wrong-bytes":
            data = bytes(b ^ 0x5A for b in data)
        start = self._range_start(etag, last_modified, len(data))
        if start is not None and name not in ("drop-halfway", "stall"):
            status = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
            data = data[start:]
        if name == "gzip" and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"

        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if name == "drop-halfway":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if name == "stall":
            # Only a few bytes: libcurl averages speed over ~5 s, so a big first
            # burst would hide the stall from a low-speed check for that long.
            self.wfile.write(data[: min(len(data) // 4, 16)])
            self.wfile.flush()
            deadline = time.monotonic() + STALL_LIMIT_SECONDS
            while time.monotonic() < deadline and not _stopping.is_set():
                time.sleep(0.1)
            self.close_connection = True
            return
        if name == "trickle":
            pause = min(int(fault["arg"] or "0"), 10000) / 1000.0 / 10
            step = max(1, (len(data) + 9) // 10)
            for at in range(0, len(data), step):
                self.wfile.write(data[at : at + step])
                self.wfile.flush()
                time.sleep(pause)
            return
        self.wfile.write(data)

    def _not_modified(self, etag, mtime):
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [t.strip() for t in if_none_match.split(",")]
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
            return mtime <= since
        return False

    def _range_start(self, etag, last_modified, length):
        value = self.headers.get("Range", "")
        if not value.startswith("bytes=") or not value.endswith("-"):
            return None
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range not in (etag, last_modified):
            return None
        try:
            start = int(value[len("bytes=") : -1])
        except ValueError:
            return None
        if start <= 0 or start >= length:
            return None
        return start

    def do_GET(self):  # noqa: N802 - http.server naming
        global _in_flight, _max_in_flight
        with _lock:
            _in_flight += 1
            _max_in_flight = max(_max_in_flight, _in_flight)
        try:
            self._serve()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            with _lock:
                _in_flight -= 1

    do_HEAD = do_GET
    do_POST = do_GET


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops SYNs when a client opens many connections
    # at once (each then waits a second to retry).
    request_queue_size = 64

    def handle_error(self, request, client_address):
        pass  # a client hanging up mid-response is routine here


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--faults")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()

    if args.faults:
        with open(args.faults, encoding="utf-8") as handle:
            for path, mode in json.load(handle).items():
                set_fault(path, mode)

    server = Server(("127.0.0.1", 0), Handler)
    server.root = os.path.realpath(args.root)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)

    def stop(*_):
        _stopping.set()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            stop()

    threading.Thread(target=watch_stdin, daemon=True).start()

    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
