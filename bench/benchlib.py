"""Helpers shared by the Python benchmarks in bench/ (not a benchmark itself).

- package_specs(): the generated packages of bench/fetch and bench/cycle
  (name, version, dependencies, one payload file each), deterministic;
- pack_registry(): writes them as source trees, packs them with `wharf pack`
  and indexes them with `wharf registry index`;
- serve(): a threaded keep-alive HTTP/1.1 static server on 127.0.0.1 in its
  own process (so its GIL is not the benchmark's), stopped on exit; with
  index_max_age it sends `Cache-Control: max-age=N` for index files (wharf's
  *.yaml, pip's simple pages), as PyPI does for its simple pages;
- clean_env(): the environment of the processes a benchmark times: no proxy,
  no colour, a given wharf cache;
- remove_tree(): removes a folder even where wharf made its files read-only.

Run as `python3 bench/benchlib.py --serve DIR [MAX_AGE]` it is the server process.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    index_max_age = None  # seconds, or None: no Cache-Control

    def end_headers(self):
        # Also on 304s, which must carry the Cache-Control a 200 would.
        path = self.path.split("?", 1)[0]
        if self.index_max_age is not None and (path.endswith(".yaml") or "/simple/" in path):
            self.send_header("Cache-Control", f"max-age={self.index_max_age}")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of new
    # connections (the client retries after a second); real servers use ~511.
    request_queue_size = 128


@dataclass
class PackageSpec:
    name: str
    version: str  # 1.N.0
    deps: list[str] = field(default_factory=list)  # each required as "^1"
    payload: bytes = b""  # installed as share/<name>/payload.bin


def package_specs(count: int, min_kb: int, max_kb: int, seed: int = 4) -> list[PackageSpec]:
    """P packages pkg000.., one file of MIN..MAX KB each (two thirds random
    bytes so that gzip cannot shrink them to nothing, one third text); each
    package from the 11th on depends on two earlier ones."""
    rng = random.Random(seed)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"lib", b"include", b"share", b"data"]
    specs = []
    for p in range(count):
        deps = [f"pkg{d:03d}" for d in sorted(rng.sample(range(p), 2))] if p >= 10 else []
        size = rng.randint(min_kb, max_kb) * 1024
        random_part = rng.randbytes(size * 2 // 3)
        text = bytearray()
        while len(text) < size - len(random_part):
            text += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
        specs.append(PackageSpec(f"pkg{p:03d}", f"1.{p % 5}.0", deps,
                                 random_part + bytes(text[: size - len(random_part)])))
    return specs


def pack_registry(wharf: str, work: str, specs: list[PackageSpec], env: dict) -> str:
    """Packs `specs` into the registry WORK/registry; returns its path."""
    registry = os.path.join(work, "registry")
    for spec in specs:
        src = os.path.join(work, "src", spec.name)
        os.makedirs(os.path.join(src, "share", spec.name))
        deps = ""
        if spec.deps:
            deps = "dependencies:\n" + "".join(f'  {d}: "^1"\n' for d in spec.deps)
        with open(os.path.join(src, "wharf-package.yaml"), "w") as f:
            f.write(f"name: {spec.name}\nversion: {spec.version}\nplatform: any\n{deps}")
        with open(os.path.join(src, "share", spec.name, "payload.bin"), "wb") as f:
            f.write(spec.payload)
        subprocess.run([wharf, "-q", "pack", src, "-o", os.path.join(registry, "artifacts")],
                       check=True, env=env)
    subprocess.run([wharf, "-q", "registry", "index", registry], check=True, env=env)
    return registry


def clean_env(cache: str | None = None) -> dict:
    """os.environ without proxies, with NO_COLOR and, if given, WHARF_CACHE_DIR."""
    env = dict(os.environ, NO_COLOR="1", no_proxy="*", NO_PROXY="*")
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(var, None)
    if cache is not None:
        env["WHARF_CACHE_DIR"] = cache
    return env


def remove_tree(path: str) -> None:
    """rmtree that also removes read-only files and folders (wharf's store and
    environments are read-only); a folder that stays behind is an error."""
    if not os.path.lexists(path):
        return
    subprocess.run(["chmod", "-R", "u+rwX", path], check=False)
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        raise RuntimeError(f"could not remove {path}")


class Served:
    """A static HTTP server for DIR on 127.0.0.1, in a child process."""

    def __init__(self, directory: str, index_max_age: int | None = None):
        extra = [] if index_max_age is None else [str(index_max_age)]
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve", directory, *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _serve(directory: str, index_max_age: int | None) -> None:
    _Handler.index_max_age = index_max_age
    server = _Server(("127.0.0.1", 0), partial(_Handler, directory=directory))
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes the pipe


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--serve":
        _serve(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else None)
    else:
        sys.exit("usage: benchlib.py --serve DIR [MAX_AGE] (the benchmarks start it themselves)")
