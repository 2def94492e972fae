"""`Arch.hash` recognises equal networks: the same graph up to node order, the order and
grouping of summed (multiplied) inputs, and identity/dropout(0) nodes — and nothing more."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import archlang

ROOT = Path(__file__).resolve().parents[2]
#: one step of a branch; each one gives a [8] tensor from a [8] tensor
STEPS = ["relu()", "tanh()", "sigmoid()", "linear(8)", "linear(8, bias = false)",
         "layernorm()", "identity()"]
branch = st.lists(st.sampled_from(STEPS), min_size=1, max_size=3)
branches = st.lists(branch, min_size=2, max_size=4)


def network(parts: list[list[str]], merge: str = "add", grouped: bool = False) -> str:
    """`parts` as parallel branches from x, written in the given order, then merged."""
    lines = [f"    b{i} = x -> {' -> '.join(p)}" for i, p in enumerate(parts)]
    names = [f"b{i}" for i in range(len(parts))]
    if grouped:  # ((b0 + b1) + b2) + ...
        expr = names[0]
        for n in names[1:]:
            expr = f"({expr}, {n}) -> {merge}()"
        lines.append(f"    return {expr}")
    else:
        lines.append(f"    return ({', '.join(names)}) -> {merge}()")
    return "network n() (x: [8]) {\n" + "\n".join(lines) + "\n}\n"


def hash_of(text: str) -> str:
    return archlang.parse(text).network().bind().hash


def meaning(part: list[str]) -> tuple[str, ...]:
    """What a branch computes: identity steps compute nothing."""
    return tuple(s for s in part if s != "identity()")


@settings(max_examples=40, deadline=None)
@given(branches, st.randoms(use_true_random=False), st.sampled_from(["add", "mul"]))
def test_reordering_branches_and_regrouping_a_sum_keep_the_hash(parts, rnd, merge):
    shuffled = parts[:]
    rnd.shuffle(shuffled)
    h = hash_of(network(parts, merge))
    assert hash_of(network(shuffled, merge)) == h
    assert hash_of(network(shuffled, merge, grouped=True)) == h


@settings(max_examples=40, deadline=None)
@given(branches, branches)
def test_sums_hash_equal_exactly_when_they_sum_the_same_branches(a, b):
    same = sorted(map(meaning, a)) == sorted(map(meaning, b))
    assert (hash_of(network(a)) == hash_of(network(b))) == same


@settings(max_examples=30, deadline=None)
@given(branches, st.data())
def test_changing_one_op_changes_the_hash(parts, data):
    i = data.draw(st.integers(0, len(parts) - 1))
    j = data.draw(st.integers(0, len(parts[i]) - 1))
    new = data.draw(st.sampled_from([s for s in STEPS if s not in (parts[i][j], "identity()")]))
    changed = [p[:] for p in parts]
    changed[i][j] = new
    if sorted(map(meaning, changed)) != sorted(map(meaning, parts)):
        assert hash_of(network(changed)) != hash_of(network(parts))


def test_concat_order_matters():
    parts = [["relu()"], ["tanh()"]]
    assert hash_of(network(parts, "concat")) != hash_of(network(parts[::-1], "concat"))


def test_a_shared_layer_is_not_two_layers():
    shared = "network n() (x: [8]) {\n    a = x -> linear(8)\n    return (a, a) -> add()\n}"
    twice = ("network n() (x: [8]) {\n    a = x -> linear(8)\n    b = x -> linear(8)\n"
             "    return (a, b) -> add()\n}")
    assert hash_of(shared) != hash_of(twice)


def test_identity_and_dropout_zero_compute_nothing_but_dropout_does():
    plain = hash_of("network n() (x: [8]) { return x -> relu() }")
    assert hash_of("network n() (x: [8]) { return x -> identity() -> relu() }") == plain
    assert hash_of("network n() (x: [8]) { return x -> relu() -> dropout(0.0) }") == plain
    assert hash_of("network n() (x: [8]) { return x -> relu() -> dropout(0.5) }") != plain


def test_the_hash_is_the_same_in_another_process():
    """No salted `hash()` anywhere: a fresh interpreter with another hash seed agrees."""
    code = ("import archlang; s = archlang.load('examples/dag_inputs.arch').network(); "
            "print(s.sample(seed=4).hash)")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == archlang.load(ROOT / "examples" / "dag_inputs.arch").network().sample(
        seed=4).hash
