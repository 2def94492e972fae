"""`--device`/`--amp`: specs checked on this machine (CUDA faked where needed), a worker's
GPU, the device reaching a user's evaluator and the shared model's retraining, and the
command line's one message (exit 2) for each bad input."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from archlang.cli.search_cmd import search
from archlang.tasks import device

TINY = """network tiny() (x: [1, 8, 8]) {
    c = choice(2, 4)
    return x -> conv2d(c, 3, padding = 1) -> relu() -> global_avgpool() -> linear(10)
}
"""


@pytest.fixture
def gpus(monkeypatch):
    """Fake the number of CUDA devices this process sees."""

    def fake(count: int) -> None:
        monkeypatch.setattr(device, "cuda_count", lambda: count)

    return fake


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.arch"
    path.write_text(TINY, encoding="utf-8")
    return path


def invoke(*args):
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:  # click 8.1
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    else:
        runner = CliRunner()
    return runner.invoke(search, [str(a) for a in args])


# ------------------------------------------------------------------ specs


@pytest.mark.parametrize("count, spec, want", [
    (0, "auto", "cpu"), (2, "auto", "cuda"), (0, "cpu", "cpu"), (2, "CPU", "cpu"),
    (1, "cuda", "cuda"), (2, "cuda:1", "cuda:1"), (1, " cuda:0 ", "cuda:0")])
def test_a_spec_resolves_against_the_gpus_present(gpus, count, spec, want):
    gpus(count)
    assert device.resolve(spec) == want


@pytest.mark.parametrize("count, spec, amp, says", [
    (0, "cuda", False, "CUDA is not available"),
    (0, "cuda:0", False, "CUDA is not available"),
    (2, "cuda:2", False, "there is no GPU 2; this machine has 2 (cuda:0 .. cuda:1)"),
    (0, "cpu", True, "--amp needs a CUDA device"),
    (0, "auto", True, "--amp needs a CUDA device"),
    (1, "gpu", False, "unknown device 'gpu'"),
    (1, "cpu:0", False, "unknown device 'cpu:0'"),
    (1, "cuda:x", False, "unknown device 'cuda:x'")])
def test_a_spec_this_machine_cannot_serve_is_refused(gpus, count, spec, amp, says):
    gpus(count)
    with pytest.raises(device.DeviceError) as info:
        device.resolve(spec, amp)
    assert says in info.value.message
    assert info.value.hint


def test_amp_on_cuda_is_accepted(gpus):
    gpus(1)
    assert device.resolve("auto", amp=True) == "cuda"


def test_the_real_gpu_count_is_read_without_starting_cuda():
    import torch

    assert device.cuda_count() == torch.cuda.device_count()
    assert not torch.cuda.is_initialized()


def test_autocast_and_the_scaler_do_nothing_on_the_cpu():
    import torch

    with device.autocast("cpu", amp=True):
        x = torch.ones(2, 2) @ torch.ones(2, 2)
    assert x.dtype is torch.float32
    assert not device.grad_scaler("cpu", amp=True).is_enabled()


# ------------------------------------------------------------------ workers


def test_pool_workers_take_the_gpus_round_robin(gpus, monkeypatch):
    gpus(2)
    monkeypatch.setattr(device, "_worker", None)
    assert device.pick("cuda") == "cuda"  # the search process: the current GPU
    seen = []
    for index in range(5):
        device.enter_worker(index)
        seen.append(device.pick("cuda"))
    assert seen == ["cuda:0", "cuda:1", "cuda:0", "cuda:1", "cuda:0"]
    assert device.pick("cuda:1") == "cuda:1"  # an explicit index is kept
    assert device.pick("cpu") == "cpu"
    assert device.pick(None) == "cpu"


def test_one_gpu_is_shared_by_every_worker(gpus, monkeypatch):
    gpus(1)
    monkeypatch.setattr(device, "_worker", None)
    device.enter_worker(3)
    assert device.pick("cuda") == "cuda"


def _worker_gpu(arch) -> dict:
    return {"val_accuracy": 1.0, "gpu": int(device.pick("cuda").rpartition(":")[2])}


def test_each_forked_worker_of_a_pool_gets_its_own_gpu(gpus):
    import archlang
    from archlang.search import get_searcher, run_search

    gpus(2)  # inherited by the forked workers
    space = archlang.parse("network n() (x: [4]) { return x -> linear(choice(1, 2, 3, 4)) }"
                           ).network()
    study = run_search(space, _worker_gpu, get_searcher("grid"), budget=4, executor="pool",
                       workers=2)
    assert {t.metrics["gpu"] for t in study.trials if t.ok} == {0, 1}


def test_ray_workers_ask_for_a_gpu_only_on_cuda(monkeypatch):
    from archlang.search import executors

    made = {}

    class Recording:
        def __init__(self, space, evaluate, **options) -> None:
            made.update(options)

    monkeypatch.setattr(executors, "RayExecutor", Recording)
    executors.make_executor("ray", None, _worker_gpu, workers=2, gpus=1)  # type: ignore[arg-type]
    assert made["gpus"] == 1
    assert executors.actor_options(1) == {"num_cpus": 1, "max_restarts": 0, "num_gpus": 1}
    assert "num_gpus" not in executors.actor_options(0)


# ------------------------------------------------------------------ evaluators


def _user_task(tmp_path: Path, signature: str):
    from archlang.tasks import user

    (tmp_path / "scoring_dev.py").write_text(textwrap.dedent(f"""
        seen = []
        def evaluate({signature}):
            seen.append(dict(locals()))
            return {{"val_accuracy": 0.5}}
    """), encoding="utf-8")
    return user.make_task(f"{tmp_path / 'scoring_dev.py'}:evaluate")


def test_a_user_evaluator_gets_the_device_when_it_takes_one(tmp_path, gpus, monkeypatch,
                                                            elastic_arch):
    gpus(2)
    monkeypatch.setattr(device, "_worker", 1)
    task = _user_task(tmp_path, "module, arch, *, device='cpu', seed=0")
    task.evaluate(elastic_arch, seed=0, epochs=1, device="cuda")
    seen = task.info["function"].__globals__["seen"]
    assert seen[-1]["device"] == "cuda:1"  # this worker's own GPU


def test_a_user_evaluator_without_a_device_argument_is_not_given_one(tmp_path, elastic_arch):
    task = _user_task(tmp_path, "module, arch")
    assert task.evaluate(elastic_arch, seed=0, epochs=1, device="cpu") == {"val_accuracy": 0.5}
    with pytest.raises(TypeError, match="takes no amp argument"):
        task.evaluate(elastic_arch, seed=0, device="cpu", amp=True)


@pytest.fixture
def elastic_arch():
    import archlang

    return archlang.parse(TINY, path="tiny.arch").network().sample(seed=0)


def test_the_digits_trainer_on_the_cpu_device_is_the_default_one(elastic_arch):
    from archlang.tasks import digits

    plain = digits.evaluate(elastic_arch, epochs=1, seed=0)
    placed = digits.evaluate(elastic_arch, epochs=1, seed=0, device="cpu")
    keep = ("val_accuracy", "test_accuracy", "train_loss", "params")
    assert {k: placed[k] for k in keep} == {k: plain[k] for k in keep}
    with pytest.raises(ValueError, match="no option 'devise'"):
        digits.evaluate(elastic_arch, epochs=1, devise="cpu")


def test_one_shot_search_trains_and_retrains_on_the_device(monkeypatch, elastic_arch):
    import archlang
    from archlang.oneshot import run_weight_sharing_search
    from archlang.oneshot import search as oneshot_search
    from archlang.search import get_searcher
    from archlang.tasks import Task, digits

    got: dict = {}
    trained = oneshot_search.train_shared

    def train_shared(model, data, **options):
        got["train"] = (options["device"], options["amp"])
        return trained(model, data, **options)

    def evaluate(arch, **options):
        got["retrain"] = options
        return {"val_accuracy": 0.5}

    monkeypatch.setattr(oneshot_search, "train_shared", train_shared)
    task = Task("fake", "digits data, a recording evaluator", evaluate, "val_accuracy",
                load_data=digits.load_data)
    space = archlang.parse(TINY, path="tiny.arch").network()
    result = run_weight_sharing_search(space, task, get_searcher("random"), 2, steps=2,
                                       retrain_top=1, device="cpu",
                                       retrain_options={"epochs": 1})
    assert got == {"train": ("cpu", False), "retrain": {"epochs": 1, "device": "cpu"}}
    assert result.best is not None


# ------------------------------------------------------------------ the command line


@pytest.mark.parametrize("count, args, says", [
    (0, ["--device", "cuda"], "CUDA is not available on this machine"),
    (2, ["--device", "cuda:7"], "there is no GPU 7"),
    (0, ["--amp"], "--amp needs a CUDA device"),
    (0, ["--device", "cpu", "--amp", "--weight-sharing", "supernet"], "--amp needs a CUDA"),
    (1, ["--device", "tpu"], "unknown device 'tpu'")])
def test_the_command_refuses_a_bad_device_with_exit_2(tiny, gpus, count, args, says):
    gpus(count)
    result = invoke(tiny, "--task", "digits", "--budget", "1", "--epochs", "1", *args)
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert "Traceback" not in result.stderr + result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_command_trains_on_the_cpu_it_was_given(tiny):
    result = invoke(tiny, "--task", "digits", "--budget", "1", "--epochs", "1", "--quiet",
                    "--device", "cpu")
    assert result.exit_code == 0, result.stderr
