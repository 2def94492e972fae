"""A ground truth for one-shot ranking: members of a space, each trained standalone with
several seeds, stored as JSON so that a benchmark can score a shared model against it in
minutes instead of retraining hundreds of networks.

    from archlang.oneshot.truth import GroundTruth

    truth = GroundTruth.load("benchmarks/oneshot/truth.json")
    space = truth.check(archlang.load(truth.space_file).network())  # refuses another space
    truth.seed_to_seed_tau()     # how well two seeds agree: the ceiling of any proxy
    truth.tau(scores)            # Kendall tau-b of scores (one per member) against the means

The file (``format: "archlang.oneshot.truth/1"``) holds the settings it was made with (the
task, its options, the seeds), the space's decisions (key and domain of each), and one row per
member: its assignment, its network hash and its objective under each seed. `check` binds
every stored assignment and compares the hash, so a table made for another version of the
space is refused with what differs rather than silently scored.
"""

from __future__ import annotations

import itertools
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archlang.ir.space import Space

FORMAT = "archlang.oneshot.truth/1"


class TruthMismatch(ValueError):
    """A ground-truth file that does not describe the space it is checked against."""


@dataclass
class Member:
    """One trained member: its assignment, its network's hash and one objective per seed."""

    assignment: dict[str, Any]
    hash: str
    values: list[float]
    seconds: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)


@dataclass
class GroundTruth:
    """Members of one space trained standalone with `seeds`; see the module docstring."""

    network: str
    space_file: str
    task: str
    objective: str
    options: dict[str, Any]
    seeds: list[int]
    decisions: dict[str, str]  # decision key -> its domain, as `archlang show` prints it
    members: list[Member]
    #: wall seconds of the build, and the number of worker processes it used
    build_seconds: float = 0.0
    workers: int = 1
    command: str = ""

    # ------------------------------------------------------------ files

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        data = json.loads(Path(path).read_text())
        if data.get("format") != FORMAT:
            raise TruthMismatch(f"{path} is not a ground-truth file (format "
                                f"{data.get('format')!r}, expected {FORMAT!r})")
        members = [Member(**m) for m in data.pop("members")]
        data.pop("format")
        return cls(members=members, **data)

    def save(self, path: str | Path) -> None:
        data = {"format": FORMAT, **{k: v for k, v in self.__dict__.items() if k != "members"},
                "members": [m.__dict__ for m in self.members]}
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        tmp.replace(path)  # a kill while writing leaves the previous table whole

    @staticmethod
    def describe(space: Space) -> dict[str, str]:
        """The space's decisions as stored: key -> domain text."""
        return {d.key: d.describe() for d in space.tree.decisions}

    def check(self, space: Space) -> Space:
        """`space` when this table was made from it; `TruthMismatch` saying what differs
        otherwise (the network's name, its decisions, or the networks the stored
        assignments now build)."""
        if space.name != self.network:
            raise TruthMismatch(f"the ground truth is of network `{self.network}`, "
                                f"not `{space.name}`")
        now = self.describe(space)
        if now != self.decisions:
            gone = sorted(set(self.decisions) - set(now))
            new = sorted(set(now) - set(self.decisions))
            changed = sorted(k for k in set(now) & set(self.decisions)
                             if now[k] != self.decisions[k])
            parts = [f"{label}: {', '.join(keys)}" for label, keys in
                     (("missing", gone), ("new", new), ("other domain", changed)) if keys]
            raise TruthMismatch(f"the ground truth was made for other decisions of "
                                f"`{space.name}` ({'; '.join(parts)})")
        from archlang.diagnostics import ArchError

        for i, m in enumerate(self.members):
            try:
                built = space.bind(m.assignment).hash
            except ArchError as exc:
                raise TruthMismatch(f"member {i} of the ground truth no longer builds: "
                                    f"{exc.diagnostic.message}") from None
            if built != m.hash:
                raise TruthMismatch(
                    f"member {i} of the ground truth now builds another network (hash "
                    f"{built[:12]}, stored {m.hash[:12]}): the space changed since the "
                    f"table was made; rebuild it")
        return space

    # ------------------------------------------------------------ figures

    @property
    def means(self) -> list[float]:
        return [m.mean for m in self.members]

    def seed_column(self, i: int) -> list[float]:
        return [m.values[i] for m in self.members]

    def seed_to_seed_taus(self) -> list[float]:
        """Kendall tau-b between every pair of seeds' rankings of the members."""
        pairs = itertools.combinations(range(len(self.seeds)), 2)
        return [kendall_tau(self.seed_column(a), self.seed_column(b)) for a, b in pairs]

    def seed_to_seed_tau(self) -> float:
        """The mean tau between two seeds: how well any proxy could hope to rank."""
        return statistics.fmean(self.seed_to_seed_taus())

    def spread(self) -> float:
        """The standard deviation of the members' mean objectives."""
        return statistics.pstdev(self.means)

    def seed_noise(self) -> float:
        """The mean over members of the standard deviation across seeds."""
        return statistics.fmean(statistics.stdev(m.values) for m in self.members)

    def tau(self, scores: list[float]) -> float:
        """Kendall tau-b of `scores` (one per member, in order) against the seed means."""
        if len(scores) != len(self.members):
            raise ValueError(f"{len(scores)} scores for {len(self.members)} members")
        return kendall_tau(scores, self.means)


def distinct_members(space: Space, n: int) -> list[Any]:
    """The first `n` distinct networks (by hash) of `space` drawn with seeds 0, 1, 2, ...:
    the members a ground truth of `n` is made of, the same ones on every run."""
    out, seen, seed = [], set(), 0
    while len(out) < n:
        arch = space.sample(seed=seed)
        seed += 1
        if arch.hash not in seen:
            seen.add(arch.hash)
            out.append(arch)
    return out


def kendall_tau(a: list[float], b: list[float]) -> float:
    """Kendall's tau-b (ties counted as SciPy does)."""
    from scipy.stats import kendalltau  # scikit-learn, a dependency, brings SciPy

    return float(kendalltau(a, b).statistic)
