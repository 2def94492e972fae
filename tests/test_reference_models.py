"""Sanity checks for the hand-written torchvision-equivalent reference models."""
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import reference_models as rm  # noqa: E402

CASES = [  # (constructor, torchvision parameter count, input spatial size)
    (rm.resnet18, 11_689_512, 224),
    (rm.resnet34, 21_797_672, 224),
    (rm.resnet50, 25_557_032, 64),
    (rm.mobilenet_v2, 3_504_872, 224),
]


@pytest.mark.parametrize("ctor,n_params,size", CASES, ids=[c[0].__name__ for c in CASES])
def test_param_count_and_forward(ctor, n_params, size):
    torch.manual_seed(0)
    model = ctor().eval()
    assert sum(p.numel() for p in model.parameters()) == n_params
    with torch.no_grad():
        out = model(torch.randn(1, 3, size, size))
    assert out.shape == (1, 1000)
    assert torch.isfinite(out).all()


def test_state_dict_key_layout():
    r18 = list(rm.resnet18().state_dict())
    assert r18[:7] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                       "bn1.running_var", "bn1.num_batches_tracked", "layer1.0.conv1.weight"]
    assert "layer2.0.downsample.0.weight" in r18 and "layer1.0.downsample.0.weight" not in r18
    assert r18[-2:] == ["fc.weight", "fc.bias"]
    mb = list(rm.mobilenet_v2().state_dict())
    assert mb[0] == "features.0.0.weight"
    assert "features.1.conv.0.0.weight" in mb and "features.2.conv.3.weight" in mb
    assert mb[-3:] == ["features.18.1.num_batches_tracked", "classifier.1.weight",
                       "classifier.1.bias"]
