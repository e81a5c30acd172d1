#!/usr/bin/env python3
"""Fails when a dev-dependency turns on features of a crate that the normal build also uses
(issue #33): then `cargo test` builds that crate, and every crate above it (DataFusion's among
them), a second time with other features instead of reusing what `cargo build` built. Compares
`cargo tree -e features` of the normal build with that of the build with dev-dependencies, for
the packages both hold; the fix is to declare the same features in Cargo.toml's [dependencies].
"""
import re
import subprocess
import sys


def features(edges):
    text = subprocess.run(["cargo", "tree", "-e", edges, "-f", "{p} [{f}]", "--prefix", "none"],
                          check=True, capture_output=True, text=True).stdout
    out = {}
    for line in text.splitlines():
        m = re.match(r"(\S+) (v\S+).*? \[(.*)\]$", line.strip())
        if m:
            out[(m.group(1), m.group(2))] = set(filter(None, m.group(3).split(",")))
    return out


normal, with_dev = features("normal,build"), features("normal,build,dev")
differ = {k: sorted(with_dev[k] - normal[k]) for k in normal if k in with_dev and normal[k] != with_dev[k]}
for (name, version), extra in sorted(differ.items()):
    print(f"features_unified: {name} {version}: the dev-dependencies add {', '.join(extra)}")
print(f"features_unified: {len(normal)} packages of the normal build, {len(differ)} with other features under cargo test")
sys.exit(1 if differ else 0)
