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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402


def timed(fn, before=None):
    if before:
        before()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
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
    env = benchlib.clean_env(cache)
    try:
        print(f"generating {args.packages} packages in {work} ...", file=sys.stderr)
        specs = benchlib.package_specs(args.packages, args.min_kb, args.max_kb)
        registry = benchlib.pack_registry(wharf, work, specs, env)
        artifacts = sorted(os.listdir(os.path.join(registry, "artifacts")))
        total_bytes = sum(os.path.getsize(os.path.join(registry, "artifacts", a)) for a in artifacts)

        server = benchlib.Served(registry)
        base = server.base
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
            benchlib.remove_tree(cache)
            benchlib.remove_tree(os.path.join(project, ".wharf"))

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
        server.close()
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
            benchlib.remove_tree(work)


if __name__ == "__main__":
    main()
