#!/usr/bin/env python3
"""Generate solver benchmark universes and export them to wharf and its peers.

A universe is a set of packages, each with versions 1.0.0 .. 1.(V-1).0, whose
versions depend on other packages through one half-open interval each
(`>=lo, <hi`, either side optional). One version scheme and one interval per
dependency keep the SAME problem expressible in every tool's syntax:

  wharf    a file registry (registry.yaml + index/<name>.yaml, FORMATS.md)
           and a wharf.yaml that depends on the root requirements;
  pip      a PEP 503 simple index of minimal py3-none-any wheels whose
           METADATA carries Requires-Dist, and a requirements.txt;
  cargo    a local-registry source (crates.io index JSON lines + .crate
           files) and a root crate with source replacement;
  libsolv  a testsolv testcase (testtags repo + `job install name`).

All versions are 1.x.0 so that cargo, which lets semver-incompatible
versions of one crate coexist, still picks one version per package.

Shapes:
  shallow  4 levels; a version depends on packages of any deeper level.
  deep     long chains: ~n/8 levels, dependencies go to the next few levels.
Packages only depend on deeper levels, so the graph is acyclic; the root
requires every level-0 package, and every package has a parent on the level
above that requires it in all versions, so the whole universe is reachable.

Solvability is planted: every dependency range of every version contains the
planted version of its target, so the planted assignment is a solution.
Without backtracking the planted version is the newest everywhere, and a
greedy newest-first solver never walks back. With backtracking (`bt`):
  - hubs are shared packages deep in the graph whose planted version is
    older than their newest;
  - a pinner (required by its parent in every version) caps each hub below
    its newest versions;
  - traps, higher up, require the hub's newest versions in their own newest
    versions, so a solver that picks a trap's newest version has to walk back
    once it meets the pinner, which it only reaches later.

The neutral form (universe.json) is what run_peers.py validates every tool's
answer against:

  {"format": 1, "name": ..., "versions_per_package": V,
   "root": [[name, lo, hi], ...],
   "packages": {name: {version: [[dep, lo, hi], ...]}},
   "planted": {name: version}}

lo/hi are version strings or null (unbounded). Usage:

  gen_universe.py --packages 360 --shape shallow --backtrack --out DIR
  (writes DIR/universe.json, DIR/wharf, DIR/pip, DIR/cargo, DIR/libsolv)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import zipfile
from pathlib import Path


def version_string(index: int) -> str:
    return f"1.{index}.0"


def version_index(text: str) -> int:
    return int(text.split(".")[1])


class Universe:
    def __init__(self, name: str, versions_per_package: int):
        self.name = name
        self.vpp = versions_per_package
        # name -> version index -> list of (dep name, lo index|None, hi index|None)
        self.packages: dict[str, dict[int, list[tuple[str, int | None, int | None]]]] = {}
        self.root: list[tuple[str, int | None, int | None]] = []
        self.planted: dict[str, int] = {}

    def to_json(self) -> dict:
        def bound(b):
            return None if b is None else version_string(b)

        return {
            "format": 1,
            "name": self.name,
            "versions_per_package": self.vpp,
            "root": [[n, bound(lo), bound(hi)] for n, lo, hi in self.root],
            "packages": {
                name: {
                    version_string(v): [[d, bound(lo), bound(hi)] for d, lo, hi in deps]
                    for v, deps in sorted(versions.items())
                }
                for name, versions in self.packages.items()
            },
            "planted": {n: version_string(v) for n, v in self.planted.items()},
        }


def generate(packages: int, shape: str, backtrack: bool, versions: int, seed: int,
             deps_per_version: int) -> Universe:
    rng = random.Random(seed)
    name = f"{shape}-{'bt' if backtrack else 'easy'}-{packages}"
    uni = Universe(name, versions)
    width = len(str(packages - 1))
    names = [f"p{i:0{width}d}" for i in range(packages)]
    levels = 4 if shape == "shallow" else max(4, packages // 8)
    level_of = {n: i * levels // packages for i, n in enumerate(names)}
    by_level: list[list[str]] = [[] for _ in range(levels)]
    for n in names:
        by_level[level_of[n]].append(n)
    newest = versions - 1
    uni.planted = {n: newest for n in names}

    hubs: list[str] = []
    pinners: dict[str, str] = {}  # pinner -> hub
    traps: dict[str, str] = {}  # trap -> hub
    hub_cap: dict[str, int] = {}  # hub -> first version the pinner excludes
    if backtrack and versions >= 3:
        hub_count = max(1, packages // 40)
        # Hubs need a pinner one level up and traps at least two levels up.
        hub_levels = [lvl for lvl in range(2, levels) if len(by_level[lvl]) > 0]
        used: set[str] = set()
        for _ in range(hub_count):
            hub_level = rng.choice(hub_levels) if shape == "deep" else levels - 1
            free = [n for n in by_level[hub_level] if n not in used]
            pin_free = [n for n in by_level[hub_level - 1] if n not in used]
            if not free or not pin_free:
                continue
            hub = rng.choice(free)
            pinner = rng.choice(pin_free)
            used.update({hub, pinner})
            cap = rng.randint(1, newest - 1)  # the pinner allows < cap
            hub_cap[hub] = cap
            uni.planted[hub] = cap - 1
            hubs.append(hub)
            pinners[pinner] = hub
            low = max(0, hub_level - 12) if shape == "deep" else 0
            trap_pool = [n for lvl in range(low, hub_level - 1) for n in by_level[lvl]
                         if n not in used]
            for trap in rng.sample(trap_pool, min(4, len(trap_pool))):
                used.add(trap)
                traps[trap] = hub
                uni.planted[trap] = rng.randint(0, newest - 1)

    def targets_for(level: int) -> list[str]:
        if shape == "shallow":
            return [n for lvl in range(level + 1, levels) for n in by_level[lvl]]
        return [n for lvl in range(level + 1, min(levels, level + 4)) for n in by_level[lvl]]

    def range_including(target: str) -> tuple[int | None, int | None]:
        p = uni.planted[target]
        lo = rng.choice([None, rng.randint(0, p)])
        hi = None
        if rng.random() < 0.3 and p < newest:
            hi = rng.randint(p + 1, newest)
        elif rng.random() < 0.15 and p < newest - 1:
            hi = p + 1
        return lo, hi

    # A parent on the level above for each package, required in all versions.
    forced: dict[str, list[str]] = {n: [] for n in names}
    for lvl in range(1, levels):
        for n in by_level[lvl]:
            parent = rng.choice(by_level[lvl - 1])
            forced[parent].append(n)
    for pinner, hub in pinners.items():
        if hub not in forced[pinner]:
            forced[pinner].append(hub)

    for n in names:
        lvl = level_of[n]
        pool = targets_for(lvl)
        uni.packages[n] = {}
        for v in range(versions):
            deps: dict[str, tuple[int | None, int | None]] = {}
            for t in forced[n]:
                deps[t] = range_including(t)
            extra = min(len(pool), rng.randint(max(0, deps_per_version - 2), deps_per_version + 1))
            for t in rng.sample(pool, extra) if extra else []:
                if t not in deps:
                    deps[t] = range_including(t)
            if n in pinners:
                hub = pinners[n]
                deps[hub] = (None, hub_cap[hub])
            for hub in hubs:
                # Only pinners and traps may exclude a hub's planted version;
                # keep everyone else's hub ranges wide enough for both.
                if hub in deps and n not in pinners:
                    lo, _ = deps[hub]
                    deps[hub] = (lo if lo is None or lo <= uni.planted[hub] else None, None)
            if n in traps:
                hub = traps[n]
                if v > uni.planted[n]:
                    deps[hub] = (hub_cap[hub], None)
                else:
                    deps[hub] = (None, None)
            uni.packages[n][v] = [(t, lo, hi) for t, (lo, hi) in sorted(deps.items())]

    uni.root = [(n, None, None) for n in by_level[0]]
    return uni


def check_planted(uni: Universe) -> None:
    """The planted assignment must satisfy every range; a generator bug otherwise."""
    def ok(idx, lo, hi):
        return (lo is None or idx >= lo) and (hi is None or idx < hi)

    for n, lo, hi in uni.root:
        assert ok(uni.planted[n], lo, hi), (n, lo, hi)
    for n, vmap in uni.packages.items():
        for d, lo, hi in vmap[uni.planted[n]]:
            assert ok(uni.planted[d], lo, hi), (n, d, lo, hi, uni.planted[d])


# ---------------------------------------------------------------- constraints


def wharf_constraint(lo, hi) -> str:
    parts = []
    if lo is not None:
        parts.append(f">={version_string(lo)}")
    if hi is not None:
        parts.append(f"<{version_string(hi)}")
    return ", ".join(parts) if parts else "*"


def pip_constraint(lo, hi) -> str:
    parts = []
    if lo is not None:
        parts.append(f">={version_string(lo)}")
    if hi is not None:
        parts.append(f"<{version_string(hi)}")
    return ",".join(parts)


def cargo_constraint(lo, hi) -> str:
    parts = []
    if lo is not None:
        parts.append(f">={version_string(lo)}")
    if hi is not None:
        parts.append(f"<{version_string(hi)}")
    return ", ".join(parts) if parts else "*"


def libsolv_requires(name, lo, hi) -> list[str]:
    out = []
    if lo is not None:
        out.append(f"=Req: {name} >= {version_string(lo)}")
    if hi is not None:
        out.append(f"=Req: {name} < {version_string(hi)}")
    if not out:
        out.append(f"=Req: {name}")
    return out


# ------------------------------------------------------------------ exporters


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def export_wharf(uni: Universe, out: Path) -> None:
    reg = out / "registry"
    write(reg / "registry.yaml", "format: 1\nname: bench\n")
    for name, vmap in uni.packages.items():
        lines = [f"name: {name}", "versions:"]
        for v, deps in sorted(vmap.items()):
            ver = version_string(v)
            lines.append(f"  - version: {ver}")
            if deps:
                lines.append("    dependencies:")
                for d, lo, hi in deps:
                    lines.append(f"      {d}: {yaml_quote(wharf_constraint(lo, hi))}")
            else:
                lines.append("    dependencies: {}")
            fake = hashlib.sha256(f"{name}-{ver}".encode()).hexdigest()
            lines += [
                "    artifacts:",
                "      - platform: any",
                f"        url: ../artifacts/{name}-{ver}.tar.gz",
                f'        sha256: "{fake}"',
                "        size: 1024",
                "    yanked: false",
            ]
        write(reg / "index" / f"{name}.yaml", "\n".join(lines) + "\n")
    manifest = [
        "name: bench-root",
        "registries:",
        "  - name: bench",
        "    url: file:./registry",
        "dependencies:",
    ]
    for n, lo, hi in uni.root:
        manifest.append(f"  {n}: {yaml_quote(wharf_constraint(lo, hi))}")
    write(out / "wharf.yaml", "\n".join(manifest) + "\n")


ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def _zip_add(zf: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    zf.writestr(info, data)


def export_pip(uni: Universe, out: Path, payloads: dict[str, bytes] | None = None) -> None:
    """`payloads` (package name -> bytes): a data file <name>/payload.bin to
    put in every wheel of that package (bench/cycle gives pip the same bytes
    to install as wharf)."""
    simple = out / "simple"
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    root_links = []
    for name, vmap in uni.packages.items():
        links = []
        for v, deps in sorted(vmap.items()):
            ver = version_string(v)
            dist = f"{name}-{ver}"
            metadata = [
                "Metadata-Version: 2.1",
                f"Name: {name}",
                f"Version: {ver}",
            ]
            for d, lo, hi in deps:
                spec = pip_constraint(lo, hi)
                metadata.append(f"Requires-Dist: {d}{spec}" if spec else f"Requires-Dist: {d}")
            files = {
                f"{name}/__init__.py": "",
                f"{dist}.dist-info/METADATA": "\n".join(metadata) + "\n\n",
                f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: wharf-bench\n"
                "Root-Is-Purelib: true\nTag: py3-none-any\n",
            }
            if payloads and name in payloads:
                files[f"{name}/payload.bin"] = payloads[name]
            record = []
            for path, data in files.items():
                raw = data if isinstance(data, bytes) else data.encode()
                digest = hashlib.sha256(raw).digest()
                b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                record.append(f"{path},sha256={b64},{len(raw)}")
            record.append(f"{dist}.dist-info/RECORD,,")
            files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as zf:
                for path, data in files.items():
                    _zip_add(zf, path, data)
            wheel_name = f"{dist}-py3-none-any.whl"
            blob = buf.getvalue()
            (wheels / wheel_name).write_bytes(blob)
            sha = hashlib.sha256(blob).hexdigest()
            links.append(f'<a href="../../wheels/{wheel_name}#sha256={sha}">{wheel_name}</a><br/>')
        write(simple / name / "index.html",
              "<!DOCTYPE html>\n<html><body>\n" + "\n".join(links) + "\n</body></html>\n")
        root_links.append(f'<a href="{name}/">{name}</a><br/>')
    write(simple / "index.html",
          "<!DOCTYPE html>\n<html><body>\n" + "\n".join(root_links) + "\n</body></html>\n")
    reqs = [f"{n}{pip_constraint(lo, hi)}" for n, lo, hi in uni.root]
    write(out / "requirements.txt", "\n".join(reqs) + "\n")


def cargo_index_path(name: str) -> str:
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[0:2]}/{name[2:4]}/{name}"


def _tar_add(tf: tarfile.TarFile, path: str, data: str) -> None:
    raw = data.encode()
    info = tarfile.TarInfo(path)
    info.size = len(raw)
    info.mtime = 1577836800
    info.mode = 0o644
    tf.addfile(info, io.BytesIO(raw))


def export_cargo(uni: Universe, out: Path) -> None:
    reg = out / "registry"
    for name, vmap in uni.packages.items():
        lines = []
        for v, deps in sorted(vmap.items()):
            ver = version_string(v)
            toml = [
                "[package]",
                f'name = "{name}"',
                f'version = "{ver}"',
                'edition = "2021"',
                "",
                "[dependencies]",
            ] + [f'{d} = "{cargo_constraint(lo, hi)}"' for d, lo, hi in deps]
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tf:
                _tar_add(tf, f"{name}-{ver}/Cargo.toml", "\n".join(toml) + "\n")
                _tar_add(tf, f"{name}-{ver}/src/lib.rs", "")
            blob = buf.getvalue()
            (reg / f"{name}-{ver}.crate").parent.mkdir(parents=True, exist_ok=True)
            (reg / f"{name}-{ver}.crate").write_bytes(blob)
            entry = {
                "name": name,
                "vers": ver,
                "deps": [
                    {
                        "name": d,
                        "req": cargo_constraint(lo, hi),
                        "features": [],
                        "optional": False,
                        "default_features": True,
                        "target": None,
                        "kind": "normal",
                    }
                    for d, lo, hi in deps
                ],
                "cksum": hashlib.sha256(blob).hexdigest(),
                "features": {},
                "yanked": False,
            }
            lines.append(json.dumps(entry, separators=(",", ":")))
        write(reg / "index" / cargo_index_path(name), "\n".join(lines) + "\n")
    root = out / "root"
    toml = [
        "[package]",
        'name = "bench-root"',
        'version = "0.1.0"',
        'edition = "2021"',
        "",
        "[dependencies]",
    ] + [f'{n} = "{cargo_constraint(lo, hi)}"' for n, lo, hi in uni.root]
    write(root / "Cargo.toml", "\n".join(toml) + "\n")
    write(root / "src" / "lib.rs", "")
    write(root / ".cargo" / "config.toml",
          '[source.crates-io]\nreplace-with = "bench"\n\n'
          f'[source.bench]\nlocal-registry = "{reg.resolve()}"\n')


def export_libsolv(uni: Universe, out: Path) -> None:
    lines = ["=Ver: 2"]
    for name, vmap in uni.packages.items():
        for v, deps in sorted(vmap.items()):
            lines.append(f"=Pkg: {name} {version_string(v)} 1 noarch")
            for d, lo, hi in deps:
                lines += libsolv_requires(d, lo, hi)
    lines.append("=Pkg: benchroot 1 1 noarch")
    for n, lo, hi in uni.root:
        lines += libsolv_requires(n, lo, hi)
    write(out / "universe.repo", "\n".join(lines) + "\n")
    write(out / "case.t",
          "repo available 0 testtags universe.repo\nsystem x86_64 rpm\njob install name benchroot\n")


EXPORTERS = {
    "wharf": export_wharf,
    "pip": export_pip,
    "cargo": export_cargo,
    "libsolv": export_libsolv,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, required=True)
    parser.add_argument("--shape", choices=["shallow", "deep"], default="shallow")
    parser.add_argument("--backtrack", action="store_true",
                        help="plant traps that force a newest-first solver to walk back")
    parser.add_argument("--versions", type=int, default=6, help="versions per package")
    parser.add_argument("--deps", type=int, default=3, help="average dependencies per version")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--targets", default="wharf,pip,cargo,libsolv",
                        help="comma-separated exports (wharf,pip,cargo,libsolv)")
    args = parser.parse_args(argv)
    if args.packages < 8:
        parser.error("--packages must be at least 8")
    uni = generate(args.packages, args.shape, args.backtrack, args.versions, args.seed, args.deps)
    check_planted(uni)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "universe.json", json.dumps(uni.to_json(), indent=1, sort_keys=True))
    for target in [t for t in args.targets.split(",") if t]:
        if target not in EXPORTERS:
            parser.error(f"unknown target {target!r}; choose from {', '.join(EXPORTERS)}")
        EXPORTERS[target](uni, args.out / target)
    edges = sum(len(d) for vm in uni.packages.values() for d in vm.values())
    print(f"{uni.name}: {len(uni.packages)} packages, "
          f"{sum(len(vm) for vm in uni.packages.values())} versions, {edges} edges -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
