"""`RayExecutor`'s bookkeeping against a scripted stand-in for Ray (no Ray, no cluster): a trial
whose actor died runs on the actors left, even when Ray cannot place a new one."""

from __future__ import annotations

from typing import Any

import pytest
from search_spaces import make_space, reward

from archlang.search import executors, get_searcher, run_search
from archlang.search.executors import RayExecutor
from archlang.search.study import COMPLETE

WIDTHS = """network w() (x: [4]) {
    width = choice(8, 16, 32)
    return x -> linear(width) -> relu() -> linear(2)
}
"""
NEVER = 10**9


class RayError(Exception):
    pass


class RayActorError(RayError):
    pass


class Ref:
    def __init__(self, ray: FakeRay, after: int, value: Any = None,
                 error: Exception | None = None) -> None:
        self.at, self.value, self.error = ray.clock + after, value, error


class Handle:
    """An actor: started `start` ticks after it is asked for (NEVER: Ray cannot place it);
    each evaluation takes two ticks, or dies after one when the script says so."""

    def __init__(self, ray: FakeRay, cls: type, args: tuple[Any, ...], start: int) -> None:
        self.ray, self.worker, self.start = ray, cls(*args), start
        self.number = len(ray.actors)  # the order it was asked for in
        self.runs: list[dict[str, Any]] = []
        self.killed = False
        self.__ray_ready__ = _Method(lambda: Ref(ray, start))
        self.run = _Method(self._run)

    def _run(self, assignment: dict[str, Any]) -> Ref:
        """As on Ray, a call waits for the actor to start (forever if it is never placed)."""
        assert not self.killed, "ran on a dead actor"
        after = max(0, self.start - self.ray.clock)
        self.runs.append(assignment)
        if self.ray.dies(self, assignment):
            self.killed = True
            return Ref(self.ray, after + 1, error=RayActorError("The actor died unexpectedly"))
        return Ref(self.ray, after + 2, self.worker.run(assignment))


class _Method:
    def __init__(self, call: Any) -> None:
        self.remote = call


class FakeRay:
    """What `RayExecutor` uses of Ray, on a clock that ticks once per blocking `wait`."""

    class exceptions:  # noqa: N801 - as Ray spells it
        RayError, RayActorError = RayError, RayActorError

    def __init__(self, starts: list[int], dies: Any) -> None:
        self.clock = 0
        self.starts, self.dies = list(starts), dies
        self.actors: list[Handle] = []

    def is_initialized(self) -> bool:
        return True

    def put(self, value: Any) -> Any:
        return value

    def remote(self, **options: Any) -> Any:
        ray = self

        class ActorClass:
            def __init__(self, cls: type) -> None:
                self.cls = cls

            def remote(self, *args: Any) -> Handle:
                handle = Handle(ray, self.cls, args, ray.clock + ray.starts.pop(0))
                ray.actors.append(handle)
                return handle

        return ActorClass

    def wait(self, refs: list[Ref], num_returns: int, timeout: float | None) -> Any:
        assert refs
        if timeout != 0:
            while not any(r.at <= self.clock for r in refs):
                self.clock += 1
                assert self.clock < 1000, "the executor waits for something that never comes"
        done = [r for r in refs if r.at <= self.clock][:num_returns]
        return done, [r for r in refs if r not in done]

    def get(self, ref: Ref) -> Any:
        if ref.error is not None:
            raise ref.error
        return ref.value

    def kill(self, actor: Handle, no_restart: bool) -> None:
        actor.killed = True


@pytest.fixture
def fake_ray(monkeypatch: pytest.MonkeyPatch):
    def make(starts: list[int], dies: Any) -> FakeRay:
        ray = FakeRay(starts, dies)
        monkeypatch.setattr(executors, "import_ray", lambda: ray)
        return ray
    return make


def test_the_trial_of_a_lost_node_runs_on_the_actor_left_when_no_new_one_can_be_placed(
        fake_ray):
    # two actors; the second one's node dies under its first trial, and the actor asked
    # for in its place is never placed (no room left on the cluster)
    ray = fake_ray([1, 1] + [NEVER] * 5,
                   lambda actor, _: actor.number == 1 and not actor.runs[:-1])
    space = make_space(WIDTHS)
    executor = RayExecutor(space, reward, workers=2)
    study = run_search(space, reward, get_searcher("grid"), budget=3, executor=executor)
    assert [t.state for t in study.trials] == [COMPLETE] * 3
    assert [t.lost for t in study.trials] == [0, 1, 0]
    first, second, spare = ray.actors
    assert len(second.runs) == 1 and spare.runs == []  # the lost trial ran on the first one
    assert second.runs[0] in first.runs and len(first.runs) == 3
    executor.close()
    assert all(actor.killed for actor in ray.actors)  # the unplaced one too


def test_an_actor_that_cannot_start_fails_its_trials_after_one_retry(fake_ray):
    ray = fake_ray([1] * 20, lambda actor, _: False)
    space = make_space(WIDTHS)
    executor = RayExecutor(space, reward, workers=1)
    # every actor dies while it starts (a remote node without the .arch file's imports)
    executor.actor_class = type("Dead", (), {"remote": staticmethod(lambda *a: _dead(ray))})
    study = run_search(space, reward, get_searcher("grid"), budget=2, executor=executor)
    assert [t.lost for t in study.trials] == [2, 2]
    assert all("died while starting" in t.error and "died once already" in t.error
               for t in study.trials)


def _dead(ray: FakeRay) -> Any:
    handle = type("DeadHandle", (), {})()
    handle.__ray_ready__ = handle.run = _Method(
        lambda *_: Ref(ray, 1, error=RayActorError("The actor died in its constructor")))
    return handle
