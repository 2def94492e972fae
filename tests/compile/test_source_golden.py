"""The generated source never changes by accident: a faster code generator must write every
network's module exactly as before (users read, diff and commit `archlang compile` output).

The golden file holds the SHA-256 of the nested and the flat source (and of `module_of`,
the state_dict prefixes) of every decided network of examples/ and stdlib/ and of seeded
members of every search space there (the files of tests/ir/test_hash_golden.py). The source
names each layer's `.arch` place by its absolute path, so the checkout's own folder is
taken out before digesting: the digest is the same in every clone. It was written by the
code before codegen was made faster (6796b23); regenerate it only for a deliberate change
of the emitted code (and say why in the commit):

    python -m tests.compile.test_source_golden --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import archlang
from archlang.compile.codegen import emit_torch
from tests.ir.test_hash_golden import FILES  # the same corpus

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "source" / "sources.json"
#: seeded members of each search space (a decided network is bound once)
SEEDS = 4


def _digest(arch: archlang.Arch, file: str, nested: bool) -> str:
    gen = emit_torch(arch.graph, file, nested=nested)
    text = json.dumps([gen.src, gen.class_name, gen.filename, gen.module_of])
    text = text.replace(str(ROOT), "<checkout>")
    return hashlib.sha256(text.encode()).hexdigest()


def cases() -> Iterator[tuple[str, str]]:
    """(label, digest) of every pinned source, in a fixed order."""
    for file in FILES:
        program = archlang.load(ROOT / file)
        for net in program.networks():
            space = program.network(net.name)
            members = [("", space.bind())] if space.size == 1 else [
                (f":seed={seed}", space.sample(seed=seed)) for seed in range(SEEDS)]
            for tag, arch in members:
                for nested in (True, False):
                    label = f"{file}:{net.name}{tag}:{'nested' if nested else 'flat'}"
                    yield label, _digest(arch, file, nested)


def test_every_pinned_network_keeps_its_generated_source():
    golden = json.loads(GOLDEN.read_text())
    now = dict(cases())
    assert sorted(now) == sorted(golden)
    changed = sorted(k for k, v in now.items() if golden[k] != v)
    assert not changed


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    GOLDEN.write_text(json.dumps(dict(cases()), indent=1) + "\n")
