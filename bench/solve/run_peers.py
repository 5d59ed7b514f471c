#!/usr/bin/env python3
"""Solve the same generated universes with wharf, libsolv, cargo and pip.

For each universe (gen_universe.py: sizes x shapes x flavors, plus the
reference case of the solver issue: 360 packages, 2,160 versions, forced
backtracking) this exports the problem to every tool, runs each tool once as
a whole process with a timeout, validates every answer against the neutral
universe.json (every requirement of every chosen version satisfied, one
version per package), and prints:

  1. a table: universe, packages, versions, the wall time of each tool, the
     ratios to wharf, and whether the answers agree (same solvable/unsolvable
     verdict, every solution valid, and how many chosen versions differ from
     wharf's);
  2. a growth table: wharf's time against universe size, per shape/flavor.

Tools:
  wharf    bench_solve_registry (bench/solve/solve_registry.cpp) on the
           generated file registry; reading the index files is included,
           through a warm cache of parsed index files (one untimed run
           first), as `wharf lock` reads them on a second lock.
  wharf-lock  the real binary (BUILD/src/cli/wharf, or --wharf): `wharf -q
           lock --update` on the same project, after one untimed run with the
           same WHARF_CACHE_DIR; the whole process as a user runs it, writing
           wharf.lock included.
  libsolv  `testsolv -r case.t` (Debian: apt-get install libsolv-tools).
  cargo    `cargo generate-lockfile --offline` in a root crate whose
           .cargo/config.toml replaces crates-io by a local-registry; a fresh
           temporary CARGO_HOME each run.
  pip      `pip install --dry-run --ignore-installed --report` against a
           file:// PEP 503 index of generated wheels, in --isolated mode.
A missing tool is reported and its column skipped. Nothing is downloaded.

  run_peers.py --build build --sizes 100,1000,10000
  run_peers.py --build build --tools wharf,libsolv --sizes 100 --no-reference
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_universe  # noqa: E402

ALL_TOOLS = ("wharf", "wharf-lock", "libsolv", "cargo", "pip")
REFERENCE = ("reference", 360, "shallow", True)  # the solver issue's case


# ------------------------------------------------------------------ validate


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("+")[0].split("-")[0].split("."))


def in_range(version: str, lo: str | None, hi: str | None) -> bool:
    v = parse_version(version)
    return (lo is None or v >= parse_version(lo)) and (hi is None or v < parse_version(hi))


def validate(universe: dict, versions: dict[str, str]) -> str | None:
    """None when `versions` solves the universe, else what is wrong."""
    packages = universe["packages"]
    for name, lo, hi in universe["root"]:
        if name not in versions:
            return f"root requirement {name} not chosen"
        if not in_range(versions[name], lo, hi):
            return f"root requirement {name} {lo}..{hi} got {versions[name]}"
    for name, ver in versions.items():
        if name not in packages:
            return f"unknown package {name}"
        key = ".".join(str(x) for x in parse_version(ver))
        deps = packages[name].get(key)
        if deps is None:
            return f"unknown version {name} {ver}"
        for dep, lo, hi in deps:
            if dep not in versions:
                return f"{name} {ver} needs {dep}, not chosen"
            if not in_range(versions[dep], lo, hi):
                return f"{name} {ver} needs {dep} in [{lo}, {hi}), got {versions[dep]}"
    return None


# ------------------------------------------------------------------- runners


class Answer:
    def __init__(self, status: str, ms: float | None = None, versions=None, message: str = "",
                 extra: dict | None = None):
        self.status = status  # solved | unsolvable | timeout | gave-up | error | skipped
        self.ms = ms
        self.versions = versions
        self.message = message
        self.extra = extra or {}
        self.problem: str | None = None  # validation failure
        self.cpu_ms = last_cpu_ms

    def to_json(self) -> dict:
        return {"status": self.status, "ms": self.ms, "cpu_ms": self.cpu_ms,
                "message": self.message,
                "problem": self.problem, "extra": self.extra,
                "versions": self.versions}


def children_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


# CPU time (user + system) of the last process timed(), in ms. On a shared
# machine it is steadier than the wall time, so ratios use it.
last_cpu_ms = 0.0


def timed(argv, timeout, **kwargs):
    """Runs argv; returns (CompletedProcess or None on timeout, wall ms)."""
    global last_cpu_ms
    cpu = children_cpu_ms()
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        proc = None
    wall = (time.perf_counter() - start) * 1000
    last_cpu_ms = children_cpu_ms() - cpu
    return proc, wall


REPEAT = 1  # --repeat: timed runs of the fast tools (wharf, wharf-lock, libsolv)


def timed_median(argv, timeout, **kwargs):
    """timed() REPEAT times; returns the run with the median CPU time (its
    process, wall ms; last_cpu_ms set to its CPU time). Stops at a timeout."""
    global last_cpu_ms
    runs = []
    for _ in range(max(1, REPEAT)):
        proc, wall = timed(argv, timeout, **kwargs)
        runs.append((last_cpu_ms, wall, proc))
        if proc is None:
            return proc, wall
    runs.sort(key=lambda r: r[0])
    cpu, wall, proc = runs[len(runs) // 2]
    last_cpu_ms = cpu
    return proc, wall


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def settle_index_files(project: Path) -> None:
    """Index files younger than a second are not remembered by identity
    (index_cache.hpp); wait until they are older so that the cache is warm."""
    newest = max(f.stat().st_mtime for f in (project / "registry" / "index").iterdir())
    time.sleep(max(0.0, newest + 1.1 - time.time()))


def run_wharf(driver: Path, uni_dir: Path, timeout: float) -> Answer:
    # Warm cache, as the target says: one untimed run fills the cache
    # of parsed index files that `wharf lock` keeps, then the timed run reads it.
    settle_index_files(uni_dir / "wharf")
    cmd = [str(driver), str(uni_dir / "wharf"), "--index-cache", str(uni_dir / "wharf-index-cache")]
    warm, _ = timed(cmd, timeout)
    if warm is None:
        return Answer("timeout", timeout * 1000, message=f"no answer within {timeout:.0f} s")
    proc, ms = timed_median(cmd, timeout)
    if proc is None:
        return Answer("timeout", ms, message=f"no answer within {timeout:.0f} s")
    if proc.returncode != 0:
        return Answer("error", ms, message=last_line(proc.stderr))
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return Answer("error", ms, message="not JSON: " + last_line(proc.stdout))
    extra = {"solve_ms": out["ms"]["solve"], "index_ms": out["ms"]["index"],
             "internal_total_ms": out["ms"]["total"]}
    if "cpu_ms" in out:
        extra.update({"solve_cpu_ms": out["cpu_ms"]["solve"],
                      "index_cpu_ms": out["cpu_ms"]["index"]})
    for key in ("decisions", "conflicts"):  # the solver's work counts
        if key in out:
            extra[key] = out[key]
    if out["status"] == "solved":
        return Answer("solved", ms, out["versions"], extra=extra)
    return Answer("unsolvable", ms, message=out.get("explanation", "")[:300], extra=extra)


LOCK_VERSION = re.compile(r'^  - name: (\S+)\n    version: "([^"]+)"', re.M)


def run_wharf_lock(wharf: Path, uni_dir: Path, timeout: float) -> Answer:
    """The real binary: `wharf lock --update` on the same file registry, with
    a warm cache (one untimed run first), as a user would run it."""
    project = uni_dir / "wharf"
    env = dict(os.environ, WHARF_CACHE_DIR=str(uni_dir / "wharf-lock-cache"), NO_COLOR="1")
    settle_index_files(project)
    cmd = [str(wharf), "-q", "lock", "--update"]
    warm, _ = timed(cmd, timeout, cwd=project, env=env)
    if warm is None:
        return Answer("timeout", timeout * 1000, message=f"no answer within {timeout:.0f} s")
    proc, ms = timed_median(cmd, timeout, cwd=project, env=env)
    if proc is None:
        return Answer("timeout", ms, message=f"no answer within {timeout:.0f} s")
    if proc.returncode == 1 and "no set of versions" in proc.stderr:
        return Answer("unsolvable", ms, message=last_line(proc.stderr))
    if proc.returncode != 0:
        return Answer("error", ms, message=last_line(proc.stderr))
    versions = {name: version
                for name, version in LOCK_VERSION.findall((project / "wharf.lock").read_text())}
    return Answer("solved", ms, versions)


def run_libsolv(uni_dir: Path, timeout: float) -> Answer:
    proc, ms = timed_median(["testsolv", "-r", "case.t"], timeout, cwd=uni_dir / "libsolv")
    if proc is None:
        return Answer("timeout", ms, message=f"no answer within {timeout:.0f} s")
    if proc.returncode != 0:
        return Answer("error", ms, message=last_line(proc.stderr or proc.stdout))
    versions = {}
    problems = []
    for line in proc.stdout.splitlines():
        if line.startswith("install "):
            nevra = line.split()[1].split("@")[0]  # p01-1.5.0-1.noarch
            name, ver, _rel = nevra.rsplit("-", 2)
            if name != "benchroot":
                versions[name] = ver
        elif line.startswith("problem ") and " info " in line:
            problems.append(line.split(" info ", 1)[1])
    if problems:
        return Answer("unsolvable", ms, message="; ".join(problems[:3]))
    return Answer("solved", ms, versions)


def run_cargo(uni_dir: Path, timeout: float) -> Answer:
    root = uni_dir / "cargo" / "root"
    (root / "Cargo.lock").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="wharf-bench-cargo-") as home:
        env = dict(os.environ, CARGO_HOME=home, CARGO_NET_OFFLINE="true",
                   CARGO_TERM_COLOR="never")
        proc, ms = timed(["cargo", "generate-lockfile", "--offline"], timeout, cwd=root, env=env)
    if proc is None:
        return Answer("timeout", ms, message=f"no answer within {timeout:.0f} s")
    if proc.returncode != 0:
        text = proc.stderr
        if "failed to select a version" in text or "version solving failed" in text:
            return Answer("unsolvable", ms, message=last_line(text))
        return Answer("error", ms, message=last_line(text))
    lock = tomllib.loads((root / "Cargo.lock").read_text())
    versions = {}
    duplicates = []
    for pkg in lock.get("package", []):
        if pkg["name"] == "bench-root":
            continue
        if pkg["name"] in versions:
            duplicates.append(pkg["name"])
        versions[pkg["name"]] = pkg["version"]
    answer = Answer("solved", ms, versions)
    if duplicates:
        answer.problem = f"several versions of {', '.join(duplicates[:3])}"
    return answer


def run_pip(uni_dir: Path, timeout: float) -> Answer:
    pip_dir = uni_dir / "pip"
    report = pip_dir / "report.json"
    report.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "pip", "install", "--isolated", "--dry-run",
            "--ignore-installed", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
            "--quiet", "--index-url", (pip_dir / "simple").resolve().as_uri(),
            "--report", str(report), "-r", str(pip_dir / "requirements.txt")]
    proc, ms = timed(argv, timeout)
    if proc is None:
        return Answer("timeout", ms, message=f"no answer within {timeout:.0f} s")
    if proc.returncode != 0:
        text = proc.stderr
        if "ResolutionTooDeep" in text or "resolution-too-deep" in text:
            return Answer("gave-up", ms, message=last_line(text))
        if "ResolutionImpossible" in text or "conflicting dependencies" in text:
            return Answer("unsolvable", ms, message=last_line(text))
        return Answer("error", ms, message=last_line(text))
    data = json.loads(report.read_text())
    versions = {item["metadata"]["name"]: item["metadata"]["version"]
                for item in data.get("install", [])}
    return Answer("solved", ms, versions)


def tool_available(tool: str, driver: Path | None, wharf: Path | None = None) -> str | None:
    """None when the tool can run, else why not."""
    if tool == "wharf-lock":
        if wharf is None or not wharf.exists():
            return "the wharf binary was not found; give --build or --wharf"
        return None
    if tool == "wharf":
        if driver is None or not driver.exists():
            return ("bench_solve_registry not found; build it: cmake --build BUILD "
                    "--target bench_solve_registry (configure with -DWHARF_BUILD_BENCH=ON)")
        return None
    if tool == "libsolv":
        return None if shutil.which("testsolv") else \
            "testsolv not found (Debian: apt-get install libsolv-tools)"
    if tool == "cargo":
        return None if shutil.which("cargo") else "cargo not found"
    if tool == "pip":
        proc = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True)
        return None if proc.returncode == 0 else f"pip not available for {sys.executable}"
    return f"unknown tool {tool}"


# -------------------------------------------------------------------- tables


def fmt_ms(answer: Answer | None) -> str:
    if answer is None or answer.status == "skipped":
        return "-"
    if answer.status in ("timeout", "gave-up", "error"):
        if not answer.ms:
            return answer.status
        return f"{answer.status} ({answer.ms / 1000:.0f} s / {answer.cpu_ms / 1000:.0f} s)"
    text = f"{answer.ms:.0f} / {answer.cpu_ms:.0f}"
    if answer.status == "unsolvable":
        text += " (unsolv)"
    if answer.problem:
        text += " INVALID"
    return text


def ratio(answer: Answer | None, base: Answer | None) -> str:
    if (answer is None or base is None or answer.ms is None or base.ms is None
            or answer.status not in ("solved", "unsolvable")
            or base.status not in ("solved", "unsolvable")):
        return "-"
    if base.cpu_ms <= 0:
        return "-"
    r = answer.cpu_ms / base.cpu_ms
    return f"{r:.2f}x" if r < 1 else f"{r:.1f}x"


def agreement(answers: dict[str, Answer]) -> str:
    done = {t: a for t, a in answers.items() if a.status in ("solved", "unsolvable")}
    if not done:
        return "no answers"
    notes = []
    invalid = [t for t, a in done.items() if a.problem]
    if invalid:
        notes.append("invalid: " + ",".join(invalid))
    verdicts = {a.status for a in done.values()}
    if len(verdicts) > 1:
        notes.append("verdicts differ: " +
                     ", ".join(f"{t}={a.status}" for t, a in done.items()))
    base_tool = "wharf" if "wharf" in done else next(iter(done))
    base = done[base_tool]
    if base.status == "solved":
        diffs = []
        for t, a in done.items():
            if t == base_tool or a.status != "solved" or a.versions is None:
                continue
            n = sum(1 for k in set(base.versions) | set(a.versions)
                    if base.versions.get(k) != a.versions.get(k))
            if n:
                diffs.append(f"{t}:{n}")
        if diffs:
            notes.append(f"versions differ from {base_tool}'s: " + " ".join(diffs))
    unfinished = [t for t, a in answers.items() if a.status in ("timeout", "gave-up", "error")]
    if not notes:
        text = "yes" if len(done) > 1 else "only " + ",".join(done)
        if base.status == "solved" and len(done) > 1:
            text += " (same versions)"
    else:
        text = "; ".join(notes)
    if unfinished:
        text += " [no answer: " + ",".join(unfinished) + "]"
    return text


def markdown(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    out = [line(header), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=Path, help="wharf build folder (finds bench/bench_solve_registry)")
    p.add_argument("--wharf-driver", type=Path, help="path of bench_solve_registry")
    p.add_argument("--wharf", type=Path,
                   help="the wharf binary for the wharf-lock tool (default: BUILD/src/cli/wharf)")
    p.add_argument("--sizes", default="100,1000,10000", help="package counts, comma-separated")
    p.add_argument("--shapes", default="shallow,deep")
    p.add_argument("--flavors", default="easy,bt", help="easy (no backtracking) and/or bt")
    p.add_argument("--tools", default=",".join(ALL_TOOLS))
    p.add_argument("--no-reference", action="store_true",
                   help="skip the 360-package reference universe")
    p.add_argument("--versions", type=int, default=6, help="versions per package")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1,
                   help="timed runs of wharf, wharf-lock and libsolv; the median CPU time counts")
    p.add_argument("--timeout", type=float, default=120, help="seconds per tool and universe")
    p.add_argument("--pip-max", type=int, default=1000,
                   help="skip pip on universes with more packages than this (0: never skip)")
    p.add_argument("--work", type=Path, help="where universes are written (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the generated universes")
    p.add_argument("--json", type=Path, help="write every answer and time here")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 unless wharf solved every universe with a valid answer and "
                        "no tool that answered contradicts it")
    args = p.parse_args(argv)
    global REPEAT
    REPEAT = args.repeat

    driver = args.wharf_driver
    if driver is None and args.build is not None:
        driver = args.build / "bench" / "bench_solve_registry"
    if driver is not None:
        driver = driver.resolve()
    wharf_bin = args.wharf
    if wharf_bin is None and args.build is not None:
        wharf_bin = args.build / "src" / "cli" / "wharf"
    if wharf_bin is not None:
        wharf_bin = wharf_bin.resolve()
    tools = [t for t in args.tools.split(",") if t]
    for t in tools:
        if t not in ALL_TOOLS:
            p.error(f"unknown tool {t!r}; choose from {', '.join(ALL_TOOLS)}")
    available = []
    for t in tools:
        why = tool_available(t, driver, wharf_bin)
        if why:
            print(f"skipping {t}: {why}", file=sys.stderr)
        else:
            available.append(t)
    if args.strict and "wharf" not in available:
        print("--strict needs wharf", file=sys.stderr)
        return 2

    cases = []
    if not args.no_reference:
        cases.append(REFERENCE)
    for size in [int(s) for s in args.sizes.split(",") if s]:
        for shape in [s for s in args.shapes.split(",") if s]:
            for flavor in [f for f in args.flavors.split(",") if f]:
                if flavor not in ("easy", "bt") or shape not in ("shallow", "deep"):
                    p.error(f"unknown shape/flavor {shape}/{flavor}")
                cases.append((f"{shape}-{flavor}-{size}", size, shape, flavor == "bt"))

    work_tmp = None
    if args.work is None:
        work_tmp = tempfile.mkdtemp(prefix="wharf-bench-universes-")
        work = Path(work_tmp)
    else:
        work = args.work
        work.mkdir(parents=True, exist_ok=True)

    results = []
    failures = []
    try:
        for label, size, shape, bt in cases:
            uni = gen_universe.generate(size, shape, bt, args.versions, args.seed, 3)
            gen_universe.check_planted(uni)
            uni_dir = work / label
            if uni_dir.exists():
                shutil.rmtree(uni_dir)
            uni_dir.mkdir(parents=True)
            neutral = uni.to_json()
            (uni_dir / "universe.json").write_text(json.dumps(neutral))
            run_here = [t for t in available
                        if not (t == "pip" and args.pip_max and size > args.pip_max)]
            for t in run_here:
                target = "wharf" if t == "wharf-lock" else t
                if not (uni_dir / target).exists():
                    gen_universe.EXPORTERS[target](uni, uni_dir / target)
            # Write the exported files out now, so that the kernel's writeback
            # does not compete with the tools being timed.
            os.sync()
            n_versions = sum(len(v) for v in uni.packages.values())
            print(f"{label}: {size} packages, {n_versions} versions", file=sys.stderr, flush=True)
            answers: dict[str, Answer] = {}
            for t in available:
                if t not in run_here:
                    answers[t] = Answer("skipped", message=f"more than --pip-max {args.pip_max}")
                    continue
                if t == "wharf":
                    a = run_wharf(driver, uni_dir, args.timeout)
                elif t == "wharf-lock":
                    a = run_wharf_lock(wharf_bin, uni_dir, args.timeout)
                elif t == "libsolv":
                    a = run_libsolv(uni_dir, args.timeout)
                elif t == "cargo":
                    a = run_cargo(uni_dir, args.timeout)
                else:
                    a = run_pip(uni_dir, args.timeout)
                if a.status == "solved" and a.problem is None:
                    a.problem = validate(neutral, a.versions)
                answers[t] = a
                print(f"  {t:8s} {a.status:10s} {a.ms or 0:10.1f} ms  "
                      f"{a.problem or a.message[:120]}", file=sys.stderr, flush=True)
            results.append({"universe": label, "packages": size, "versions": n_versions,
                            "shape": shape, "backtracking": bt, "answers": answers})
            w = answers.get("wharf")
            if args.strict and w is not None:
                if w.status != "solved":
                    failures.append(f"{label}: wharf {w.status}: {w.message}")
                elif w.problem:
                    failures.append(f"{label}: wharf's answer is invalid: {w.problem}")
                for t, a in answers.items():
                    if t != "wharf" and a.status == "solved" and not a.problem \
                            and w.status != "solved":
                        failures.append(f"{label}: {t} solved it but wharf did not")
    finally:
        if work_tmp and not args.keep:
            shutil.rmtree(work_tmp, ignore_errors=True)
        elif args.keep or args.work:
            print(f"universes kept in {work}", file=sys.stderr)

    header = ["universe", "packages", "versions"] + [f"{t} ms wall/cpu" for t in available]
    if "wharf" in available:
        header.insert(4, "wharf solve-only cpu ms")
        header += [f"{t}/wharf cpu" for t in available if t != "wharf"]
    header.append("agree")
    rows = []
    for r in results:
        a = r["answers"]
        row = [r["universe"], r["packages"], r["versions"]] + [fmt_ms(a.get(t)) for t in available]
        if "wharf" in available:
            w = a["wharf"]
            key = "solve_cpu_ms" if "solve_cpu_ms" in w.extra else "solve_ms"
            row.insert(4, f"{w.extra[key]:.1f}" if key in w.extra else "-")
            row += [ratio(a.get(t), w) for t in available if t != "wharf"]
        row.append(agreement(a))
        rows.append(row)
    print(markdown(header, rows))

    if "wharf" in available:
        print()
        print("Growth: wharf ms by universe size (whole process wall / whole process cpu / "
              "cpu of the solve alone, index reading excluded):")
        combos = sorted({(r["shape"], r["backtracking"]) for r in results
                         if not r["universe"].startswith("reference")})
        sizes = sorted({r["packages"] for r in results if not r["universe"].startswith("reference")})
        g_header = ["packages"] + [f"{s}-{'bt' if b else 'easy'}" for s, b in combos]
        g_rows = []
        for size in sizes:
            row = [size]
            for s, b in combos:
                match = [r for r in results if r["packages"] == size and r["shape"] == s
                         and r["backtracking"] == b and not r["universe"].startswith("reference")]
                w = match[0]["answers"]["wharf"] if match else None
                key = "solve_cpu_ms" if w is not None and "solve_cpu_ms" in w.extra else "solve_ms"
                if w is None or w.ms is None or key not in w.extra:
                    row.append(fmt_ms(w))
                else:
                    row.append(f"{w.ms:.0f} / {w.cpu_ms:.0f} / {w.extra[key]:.1f}")
            g_rows.append(row)
        print(markdown(g_header, g_rows))

    if args.json:
        args.json.write_text(json.dumps(
            [{**r, "answers": {t: a.to_json() for t, a in r["answers"].items()}}
             for r in results], indent=1))
    if failures:
        print("\n".join(["FAILED:"] + failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
