#!/usr/bin/env python3
"""Checks that Cargo.toml's rust-version is true of the dependency graph:
no crate the build uses (normal and build dependencies, every platform)
declares a newer rust-version. clippy's incompatible_msrv lint checks our
own code against it."""
import json
import subprocess
import sys

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked"]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]


def version(text):
    parts = [int(x) for x in (text or "0").split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


ours = packages[root]["rust_version"]
seen, stack = set(), [root]
while stack:
    node = stack.pop()
    if node in seen:
        continue
    seen.add(node)
    for dep in nodes[node]["deps"]:
        if all(k["kind"] == "dev" for k in dep["dep_kinds"]):
            continue
        stack.append(dep["pkg"])
newer = sorted(
    (packages[i]["name"], packages[i]["rust_version"])
    for i in seen
    if i != root and version(packages[i].get("rust_version")) > version(ours)
)
if newer:
    sys.exit(f"rust-version {ours} is not true: these dependencies need more: {newer}")
highest = max((version(packages[i].get("rust_version")), packages[i]["name"]) for i in seen if i != root)
print(f"rust-version {ours}: every dependency allows it (highest: {highest[1]} "
      f"{'.'.join(map(str, highest[0]))})")
