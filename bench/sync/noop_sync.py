#!/usr/bin/env python3
"""No-op `wharf sync` and `wharf run -- true` on a synced environment of
P packages x F files, beside `wharf --version` (process start), `true` and
`git status` in the same folder. Also times the first (warm-cache-less) sync.

Usage: python3 bench/sync/noop_sync.py --wharf build/src/cli/wharf [--packages 200] [--files 50] [--runs 20]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def timed(cmd, cwd, env, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wharf", required=True)
    ap.add_argument("--packages", type=int, default=200)
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    wharf = os.path.abspath(args.wharf)
    work = tempfile.mkdtemp(prefix="wharf-bench-sync-")
    env = dict(os.environ, WHARF_CACHE_DIR=os.path.join(work, "cache"), NO_COLOR="1")
    try:
        reg = os.path.join(work, "registry")
        for p in range(args.packages):
            src = os.path.join(work, "src", f"pkg{p}")
            os.makedirs(os.path.join(src, "share", f"pkg{p}"))
            with open(os.path.join(src, "wharf-package.yaml"), "w") as f:
                f.write(f"name: pkg{p}\nversion: 1.0.{p % 7}\nplatform: any\n")
            for i in range(args.files):
                with open(os.path.join(src, "share", f"pkg{p}", f"f{i}.txt"), "w") as f:
                    f.write(f"package {p} file {i}\n" * 64)
            subprocess.run([wharf, "-q", "pack", src, "-o", os.path.join(reg, "artifacts")], check=True, env=env)
        subprocess.run([wharf, "-q", "registry", "index", reg], check=True, env=env)
        proj = os.path.join(work, "project")
        os.makedirs(proj)
        with open(os.path.join(proj, "wharf.yaml"), "w") as f:
            f.write("name: bench\nregistries:\n  - name: main\n    url: file:../registry\ndependencies:\n")
            for p in range(args.packages):
                f.write(f'  pkg{p}: "*"\n')
        subprocess.run(["git", "init", "-q"], cwd=proj, check=True)
        start = time.perf_counter()
        subprocess.run([wharf, "-q", "sync"], cwd=proj, env=env, check=True)
        cold = (time.perf_counter() - start) * 1000
        shutil.rmtree(os.path.join(proj, ".wharf"))
        start = time.perf_counter()
        subprocess.run([wharf, "-q", "sync"], cwd=proj, env=env, check=True)
        warm = (time.perf_counter() - start) * 1000
        rows = [
            ("wharf --version", [wharf, "--version"]),
            ("true", ["true"]),
            ("git status", ["git", "status", "--short"]),
            ("wharf sync (no-op)", [wharf, "-q", "sync"]),
            ("wharf run -- true", [wharf, "run", "--", "true"]),
        ]
        results = {name: timed(cmd, proj, env, args.runs) for name, cmd in rows}
        base = results["wharf --version"][0]
        print(f"environment: {args.packages} packages x {args.files} files")
        print(f"first sync (empty cache: lock, import, unpack, install): {cold:.0f} ms")
        print(f"sync with a warm cache and no environment: {warm:.0f} ms")
        print(f"{'command':<24} {'median ms':>10} {'min ms':>8} {'x --version':>12}")
        for name, (median, best) in results.items():
            print(f"{name:<24} {median:>10.2f} {best:>8.2f} {median / base:>12.2f}")
    finally:
        subprocess.run(["chmod", "-R", "u+w", work])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
