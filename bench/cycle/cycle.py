#!/usr/bin/env python3
"""The full cycle on a P-package project from a local HTTP registry, beside pip + venv.

Usage: python3 bench/cycle/cycle.py --wharf build/src/cli/wharf
           [--packages 200] [--lock-packages 100] [--runs 5] [--fast-runs 20]
           [--min-kb 50] [--max-kb 200] [--no-pip] [--no-cache-control]
           [--timeout 300] [--keep]

Generates P packages (bench/benchlib.py: pkg000.., one 50-200 KB payload file
each, each from the 11th on depending on two earlier ones), packs them into a
wharf registry, and exports the same packages (same names, versions,
dependencies and payload bytes) as py3-none-any wheels in a PEP 503 simple
index (bench/solve/gen_universe.py's exporter). One threaded HTTP/1.1 server
on 127.0.0.1 serves both, sending `Cache-Control: max-age=600` with the index
files (wharf's registry.yaml and index/*.yaml, pip's simple pages) as PyPI does
for its simple pages; --no-cache-control leaves it out, so every warm lock
revalidates each index file (a 304 each). Then, interleaved over --runs runs (medians; the
fast steps --fast-runs times per run):

  step                        wharf                          pip + venv
  1 cold, no lock             sync: empty cache, no lock     venv + pip install -r reqs, empty PIP_CACHE_DIR
  2 cold, locked              sync: empty cache, wharf.lock  venv + pip install --no-deps --require-hashes
                                                             -r pinned.txt, empty PIP_CACHE_DIR
  3 warm cache, no env        sync: cache full, no .wharf    new venv + pip install -r reqs, warm cache
  4 no-op                     sync again                     pip install -r reqs again in that venv
  5 warm lock (L packages)    lock --update on an L-package  pip install --dry-run --ignore-installed
                              project, index cache warm      --report, warm cache
                              (and fresh, unless
                              --no-cache-control)
  5b same, constraint edited  lock after a constraint edit   -
     (where 5's time goes:    lock --update --offline: no revalidation of the
                              index cache; lock with a fresh lock: no solve;
                              lock --update --refresh: every index file
                              revalidated, fresh or not)
  6 run -- true               run -- true, synced env        - (beside `wharf --version`)

and prints a table (wharf median wall ms and CPU ms, pip median wall ms,
pip/wharf) and checks the targets of issue 6: a warm `wharf lock` of L=100
packages in 10 ms or less, and `wharf run -- true` within 3x of
`wharf --version` (both whole process, median wall time). pip only talks to
the local index (--index-url only, PIP_CONFIG_FILE=/dev/null, no PIP_* from
the caller); every process has a timeout.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "solve"))
import benchlib  # noqa: E402
import gen_universe  # noqa: E402

LOCK_TARGET_MS = 10.0
INDEX_MAX_AGE = 600  # seconds, PyPI's for simple pages
RUN_TARGET_RATIO = 3.0


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Timer:
    """Runs commands with a timeout and records wall and CPU ms per step."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    def run(self, argv, cwd=None, env=None):
        try:
            proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            sys.exit(f"timed out after {self.timeout:.0f} s: {' '.join(map(str, argv))}")
        if proc.returncode != 0:
            sys.exit(f"exit {proc.returncode}: {' '.join(map(str, argv))} (in {cwd})\n"
                     + proc.stderr.decode(errors="replace")[-3000:])

    def time(self, key, *commands):
        """Times the commands (argv, cwd, env) one after another as one sample."""
        cpu = cpu_children()
        start = time.perf_counter()
        for argv, cwd, env in commands:
            self.run(argv, cwd, env)
        self.wall.setdefault(key, []).append((time.perf_counter() - start) * 1000)
        self.cpu.setdefault(key, []).append((cpu_children() - cpu) * 1000)

    def median(self, key, cpu=False):
        samples = (self.cpu if cpu else self.wall).get(key)
        return statistics.median(samples) if samples else None


def write_manifest(path: Path, base: str, names: list[str], first_constraint: str = "*"):
    lines = ["name: bench", "registries:", "  - name: main", f"    url: {base}/registry",
             "dependencies:"]
    for i, n in enumerate(names):
        lines.append(f'  {n}: "{first_constraint if i == 0 else "*"}"')
    path.write_text("\n".join(lines) + "\n")


def export_wheels(specs, out: Path):
    """The same packages as wheels: gen_universe's exporter over a universe
    with one version each (1.N.0 is version index N there)."""
    uni = gen_universe.Universe("cycle", 5)
    for s in specs:
        # "^1" in wharf; no 2.x exists, so >=1.0.0 is the same set.
        uni.packages[s.name] = {gen_universe.version_index(s.version): [(d, 0, None) for d in s.deps]}
        uni.root.append((s.name, None, None))
    gen_universe.export_pip(uni, out, {s.name: s.payload for s in specs})
    pinned = []
    for s in specs:
        wheel = out / "wheels" / f"{s.name}-{s.version}-py3-none-any.whl"
        sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        pinned.append(f"{s.name}=={s.version} --hash=sha256:{sha}")
    (out / "pinned.txt").write_text("\n".join(pinned) + "\n")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wharf", required=True)
    ap.add_argument("--packages", type=int, default=200)
    ap.add_argument("--lock-packages", type=int, default=100,
                    help="packages of the project the warm lock is timed on")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fast-runs", type=int, default=20,
                    help="samples per run of the fast steps (no-op, lock, run, --version)")
    ap.add_argument("--min-kb", type=int, default=50)
    ap.add_argument("--max-kb", type=int, default=200)
    ap.add_argument("--no-pip", action="store_true", help="time wharf only")
    ap.add_argument("--no-cache-control", action="store_true",
                    help="serve index files without Cache-Control (every warm lock revalidates)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per process")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    if args.lock_packages > args.packages:
        ap.error("--lock-packages must not exceed --packages")

    wharf = os.path.abspath(args.wharf)
    work = Path(tempfile.mkdtemp(prefix="wharf-bench-cycle-"))
    cache = work / "wharf-cache"
    env = benchlib.clean_env(str(cache))
    pip_env = {k: v for k, v in benchlib.clean_env().items() if not k.startswith("PIP_")}
    pip_env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
                   PIP_CONFIG_FILE=os.devnull, PYTHONDONTWRITEBYTECODE="1")
    t = Timer(args.timeout)
    load_before = uptime()
    server = None
    try:
        print(f"generating {args.packages} packages in {work} ...", file=sys.stderr)
        specs = benchlib.package_specs(args.packages, args.min_kb, args.max_kb)
        registry = benchlib.pack_registry(wharf, str(work / "www"), specs, env)
        art_bytes = sum(f.stat().st_size for f in Path(registry, "artifacts").iterdir())
        if not args.no_pip:
            export_wheels(specs, work / "www" / "pip")
        server = benchlib.Served(str(work / "www"),
                                 None if args.no_cache_control else INDEX_MAX_AGE)
        base = server.base
        index_url = f"{base}/pip/simple"

        names = [s.name for s in specs]
        project = work / "project"
        project.mkdir()
        write_manifest(project / "wharf.yaml", base, names)
        project100 = work / "project100"
        project100.mkdir()
        write_manifest(project100 / "wharf.yaml", base, names[: args.lock_packages])
        lock = project / "wharf.lock"
        env_dir = project / ".wharf"
        probe = env_dir / "envs" / "default" / "share" / names[-1] / "payload.bin"

        t.run([wharf, "-q", "lock"], project, env)
        lock_bytes = lock.read_bytes()
        # The warm-lock step must really solve: check that once.
        t.run([wharf, "-q", "lock"], project100, env)
        check = subprocess.run([wharf, "--json", "lock", "--update"], cwd=project100, env=env,
                               capture_output=True, text=True, timeout=args.timeout)
        if '"resolved": true' not in check.stdout.replace('"resolved":true', '"resolved": true'):
            sys.exit("`wharf lock --update` did not re-solve:\n" + check.stdout + check.stderr)

        def sync(key):
            t.time(key, ([wharf, "-q", "sync"], project, env))

        venv = work / "venv"
        pip_cache = work / "pip-cache"
        reqs = work / "www" / "pip" / "requirements.txt"
        reqs100 = work / "reqs100.txt"
        reqs100.write_text("\n".join(names[: args.lock_packages]) + "\n")
        pinned = work / "www" / "pip" / "pinned.txt"
        pip_site_probe = None

        def new_venv_and_install(key, extra):
            benchlib.remove_tree(str(venv))
            penv = dict(pip_env, PIP_CACHE_DIR=str(pip_cache))
            t.time(key, ([sys.executable, "-m", "venv", str(venv)], work, penv),
                   ([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                     "--index-url", index_url, *extra], work, penv))

        def pip(key, extra):
            penv = dict(pip_env, PIP_CACHE_DIR=str(pip_cache))
            t.time(key, ([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                          "--index-url", index_url, *extra], work, penv))

        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs} ...", file=sys.stderr, flush=True)
            # 1. cold: empty cache, no lock
            benchlib.remove_tree(str(cache))
            benchlib.remove_tree(str(env_dir))
            lock.unlink(missing_ok=True)
            sync("cold")
            # 2. cold with the committed lock
            benchlib.remove_tree(str(cache))
            benchlib.remove_tree(str(env_dir))
            lock.write_bytes(lock_bytes)
            sync("locked")
            # 3. warm cache, no environment
            benchlib.remove_tree(str(env_dir))
            sync("warm")
            if not probe.is_file():
                sys.exit(f"sync did not install {probe}")
            if lock.read_bytes() != lock_bytes:
                sys.exit("the lock changed between runs")
            # 4, 6: no-op sync, run -- true beside --version (interleaved)
            for _ in range(args.fast_runs):
                sync("noop")
                t.time("version", ([wharf, "--version"], project, env))
                t.time("run", ([wharf, "run", "--", "true"], project, env))
            # 5. warm lock: index cache warm (one untimed lock fills it), re-solve forced
            t.run([wharf, "-q", "lock", "--update"], project100, env)
            for i in range(args.fast_runs):
                t.time("lock", ([wharf, "-q", "lock", "--update"], project100, env))
                # 5b: a constraint edit makes the lock stale, so `wharf lock` re-solves
                write_manifest(project100 / "wharf.yaml", base, names[: args.lock_packages],
                               ">=1.0.0" if i % 2 == 0 else "*")
                t.time("lock-edit", ([wharf, "-q", "lock"], project100, env))
                # Where the time goes: the same re-solve without the network
                # (the cached index, no revalidation), and a lock that is fresh
                # (start, read wharf.yaml and wharf.lock, check the hash; no solve).
                t.time("lock-offline", ([wharf, "-q", "--offline", "lock", "--update"],
                                        project100, env))
                t.time("lock-fresh", ([wharf, "-q", "lock"], project100, env))
                # And with every index file revalidated however fresh (a 304 each).
                t.time("lock-refresh", ([wharf, "-q", "lock", "--update", "--refresh"],
                                        project100, env))

            if args.no_pip:
                continue
            # pip 1: cold resolve + install; 3: warm cache, new venv; 4: no-op; 5: dry-run report
            benchlib.remove_tree(str(pip_cache))
            new_venv_and_install("pip-cold", ["-r", str(reqs)])
            new_venv_and_install("pip-warm", ["-r", str(reqs)])
            if pip_site_probe is None:
                found = list(venv.glob(f"lib/python*/site-packages/{names[-1]}/payload.bin"))
                if not found:
                    sys.exit(f"pip did not install {names[-1]}/payload.bin into {venv}")
                pip_site_probe = found[0]
            for _ in range(max(1, args.fast_runs // 4)):
                pip("pip-noop", ["-r", str(reqs)])
                pip("pip-lock", ["--dry-run", "--ignore-installed", "--report",
                             str(work / "report.json"), "-r", str(reqs100)])
            # pip 2: cold, pinned with hashes (the lock equivalent), no resolve
            benchlib.remove_tree(str(pip_cache))
            new_venv_and_install("pip-locked", ["--no-deps", "--require-hashes", "-r", str(pinned)])
        load_after = uptime()
    finally:
        if server is not None:
            server.close()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            benchlib.remove_tree(str(work))

    print(f"{args.packages} packages ({art_bytes / 1e6:.1f} MB of wharf artifacts), "
          f"{args.runs} interleaved runs, fast steps {args.fast_runs}x per run; medians; "
          + ("index files without Cache-Control" if args.no_cache_control
             else f"index files with Cache-Control: max-age={INDEX_MAX_AGE}"))
    print(f"load before: {load_before}")
    print(f"load after:  {load_after}")
    rows = [
        ("1 cold sync, no lock", "cold", "venv + pip install, empty cache"),
        ("2 cold sync, wharf.lock", "locked", "venv + pip install --require-hashes --no-deps"),
        ("3 warm cache, no env", "warm", "new venv + pip install, warm cache"),
        ("4 no-op sync", "noop", "pip install again"),
        (f"5 warm lock --update ({args.lock_packages} pkgs)", "lock",
         "pip install --dry-run --report"),
        (f"5b lock after edit ({args.lock_packages} pkgs)", "lock-edit", None),
        ("  5 with --offline (no revalidation)", "lock-offline", None),
        ("  5 with --refresh (all revalidated)", "lock-refresh", None),
        ("  lock, lock fresh (no solve)", "lock-fresh", None),
        ("6 run -- true", "run", None),
        ("  wharf --version", "version", None),
    ]
    header = f"{'step':<36}{'wharf ms':>10}{'cpu ms':>9}{'pip ms':>10}{'pip/wharf':>11}  pip step"
    print(header)
    print("-" * len(header))
    for label, key, pip_label in rows:
        w, c = t.median(key), t.median(key, cpu=True)
        if args.no_pip:
            pip_label = None
        p = t.median("pip-" + key) if pip_label else None
        ratio = f"{p / w:>10.1f}x" if p and w else f"{'-':>11}"
        pcol = f"{p:>10.0f}" if p else f"{'-':>10}"
        print(f"{label:<36}{w:>10.1f}{c:>9.1f}{pcol}{ratio}  {pip_label or ''}")
    lock_ms = t.median("lock")
    run_ratio = t.median("run") / t.median("version")
    print()
    print(f"target: warm `wharf lock` of {args.lock_packages} packages <= {LOCK_TARGET_MS:.0f} ms: "
          f"{lock_ms:.1f} ms (fastest {min(t.wall['lock']):.1f} ms) "
          f"{'PASS' if lock_ms <= LOCK_TARGET_MS else 'MISS'}")
    print(f"target: `wharf run -- true` <= {RUN_TARGET_RATIO:.0f}x `wharf --version`: "
          f"{t.median('run'):.1f} / {t.median('version'):.1f} ms = {run_ratio:.2f}x "
          f"{'PASS' if run_ratio <= RUN_TARGET_RATIO else 'MISS'}")


if __name__ == "__main__":
    main()
