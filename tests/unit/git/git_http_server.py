#!/usr/bin/env python3
"""A smart-HTTP git server for the git module's tests.

Usage: git_http_server.py --root DIR [--auth USER:PASSWORD]

Serves the repositories under DIR through `git http-backend` on 127.0.0.1 (an
ephemeral port, printed as `PORT <n>` on the first line of stdout). With
--auth, every request without that Basic authorization gets a 401. Exits when
stdin reaches end-of-file (the test closed it or died) or on SIGTERM.
"""

import argparse
import base64
import http.server
import os
import subprocess
import sys
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--auth")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    expected = None
    if args.auth:
        expected = "Basic " + base64.b64encode(args.auth.encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *unused):
            pass

        def do_GET(self):
            self.backend()

        def do_POST(self):
            self.backend()

        def read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def backend(self):
            if expected is not None and self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            body = self.read_body()
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": root,
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_PROJECT_ROOT": root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
            }
            if self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
            if self.headers.get("Git-Protocol"):
                env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
            result = subprocess.run(["git", "http-backend"], input=body, env=env,
                                    capture_output=True, timeout=120)
            output = result.stdout
            separator = output.find(b"\r\n\r\n")
            skip = 4
            if separator < 0:
                separator, skip = output.find(b"\n\n"), 2
            head, payload = output[:separator], output[separator + skip:]
            status = 200
            headers = []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
