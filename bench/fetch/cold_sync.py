#!/usr/bin/env python3
"""Cold `wharf sync` of P packages from a local HTTP registry, against curl.

Usage: python3 bench/fetch/cold_sync.py --wharf build/src/cli/wharf
           [--packages 200] [--min-kb 50] [--max-kb 200] [--jobs 16] [--runs 3]

Generates P packages (each one file of MIN..MAX KB, two thirds random bytes so
that gzip cannot shrink them to nothing, one third text), packs them with
`wharf pack`, indexes them with `wharf registry index`, and serves the
registry from a threaded keep-alive HTTP/1.1 server on 127.0.0.1. Then it
measures, interleaved, --runs times each (medians and the fastest run):

  wharf sync (locked)  wharf.lock present, empty cache: download, verify,
                       unpack and install every package
  wharf sync (cold)    no wharf.lock, empty cache: also fetch the index files
                       and solve
  curl serial          one curl process fetching the artifacts one after
                       another (one connection, reused)
  curl -P16            `xargs -P16 -n1 curl`: the artifacts fetched 16 at once

and prints wall times, MB/s over the artifacts' bytes, and the ratios of
wharf's times to the parallel curl fetch (the target: at most 1.2).
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of new
    # connections (the client retries after a second); real servers use ~511.
    request_queue_size = 128


def make_packages(wharf, work, count, min_kb, max_kb, env):
    rng = random.Random(4)
    registry = os.path.join(work, "registry")
    words = [b"alpha", b"beta", b"gamma", b"delta", b"lib", b"include", b"share", b"data"]
    for p in range(count):
        src = os.path.join(work, "src", f"pkg{p:03d}")
        os.makedirs(os.path.join(src, "share", f"pkg{p:03d}"))
        deps = ""
        if p >= 10:
            deps = "dependencies:\n" + "".join(
                f'  pkg{d:03d}: "^1"\n' for d in sorted(rng.sample(range(p), 2)))
        with open(os.path.join(src, "wharf-package.yaml"), "w") as f:
            f.write(f"name: pkg{p:03d}\nversion: 1.{p % 5}.0\nplatform: any\n{deps}")
        size = rng.randint(min_kb, max_kb) * 1024
        random_part = rng.randbytes(size * 2 // 3)
        text = bytearray()
        while len(text) < size - len(random_part):
            text += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
        with open(os.path.join(src, "share", f"pkg{p:03d}", "payload.bin"), "wb") as f:
            f.write(random_part + bytes(text[: size - len(random_part)]))
        subprocess.run([wharf, "-q", "pack", src, "-o", os.path.join(registry, "artifacts")],
                       check=True, env=env)
    subprocess.run([wharf, "-q", "registry", "index", registry], check=True, env=env)
    return registry


def timed(fn, before=None):
    if before:
        before()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def serve(directory):
    """The registry server, in its own process (so its GIL is its own)."""
    server = Server(("127.0.0.1", 0), partial(Handler, directory=directory))
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes the pipe


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wharf", required=True)
    ap.add_argument("--packages", type=int, default=200)
    ap.add_argument("--min-kb", type=int, default=50)
    ap.add_argument("--max-kb", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    wharf = os.path.abspath(args.wharf)
    work = tempfile.mkdtemp(prefix="wharf-bench-fetch-")
    cache = os.path.join(work, "cache")
    env = dict(os.environ, WHARF_CACHE_DIR=cache, NO_COLOR="1", no_proxy="*", NO_PROXY="*")
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(var, None)
    try:
        print(f"generating {args.packages} packages in {work} ...", file=sys.stderr)
        registry = make_packages(wharf, work, args.packages, args.min_kb, args.max_kb, env)
        artifacts = sorted(os.listdir(os.path.join(registry, "artifacts")))
        total_bytes = sum(os.path.getsize(os.path.join(registry, "artifacts", a)) for a in artifacts)

        server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", registry],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{int(server.stdout.readline())}"
        urls = [f"{base}/artifacts/{a}" for a in artifacts]

        project = os.path.join(work, "project")
        os.makedirs(project)
        with open(os.path.join(project, "wharf.yaml"), "w") as f:
            f.write(f"name: bench\nregistries:\n  - name: main\n    url: {base}\ndependencies:\n")
            for p in range(args.packages):
                f.write(f'  pkg{p:03d}: "*"\n')
        jobs = ["-j", str(args.jobs)]

        def run(cmd, **kw):
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, **kw)

        def reset_cache_and_env():
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(os.path.join(project, ".wharf"), ignore_errors=True)

        def reset_all():
            reset_cache_and_env()
            lock = os.path.join(project, "wharf.lock")
            if os.path.exists(lock):
                os.remove(lock)

        out = os.path.join(work, "curl-out")

        def fresh_out():
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)

        curl_args = []
        for u in urls:
            curl_args += ["-o", os.path.join(out, os.path.basename(u)), u]
        url_list = ("\n".join(urls) + "\n").encode()

        run([wharf, "-q", *jobs, "lock"], cwd=project)
        lock_bytes = open(os.path.join(project, "wharf.lock"), "rb").read()

        def restore_lock():
            reset_cache_and_env()
            with open(os.path.join(project, "wharf.lock"), "wb") as f:
                f.write(lock_bytes)

        # Interleaved, so that a busy machine slows every contender alike.
        samples = {"locked": [], "cold": [], "serial": [], "parallel": []}
        for _ in range(args.runs):
            samples["locked"].append(
                timed(lambda: run([wharf, "-q", *jobs, "sync"], cwd=project), restore_lock))
            samples["cold"].append(
                timed(lambda: run([wharf, "-q", *jobs, "sync"], cwd=project), reset_all))
            samples["serial"].append(timed(lambda: run(["curl", "-sSf", *curl_args]), fresh_out))
            samples["parallel"].append(timed(
                lambda: run(["xargs", f"-P{args.jobs}", "-n1", "curl", "-sSf", "-O",
                             "--output-dir", out], input=url_list), fresh_out))
        server.stdin.close()
        server.wait()
        parallel = statistics.median(samples["parallel"])

        mb = total_bytes / 1e6
        print(f"{args.packages} artifacts, {mb:.1f} MB, {args.runs} interleaved runs "
              f"(median and fastest), -j {args.jobs}")
        print(f"{'what':<22}{'wall':>10}{'fastest':>11}{'MB/s':>8}{'vs curl -P':>12}")
        rows = [("wharf sync (locked)", "locked"), ("wharf sync (cold)", "cold"),
                ("curl serial", "serial"), (f"xargs -P{args.jobs} curl", "parallel")]
        for name, key in rows:
            median = statistics.median(samples[key])
            print(f"{name:<22}{median * 1000:>8.0f}ms{min(samples[key]) * 1000:>8.0f}ms"
                  f"{mb / median:>8.1f}{median / parallel:>11.2f}x")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
