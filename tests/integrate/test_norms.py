import math

import torch

from sciml.integrate.norms import mixed_rms_norm, rms_norm, seminorm


def rms(x):
    return math.sqrt(float((x * x).mean()))


def test_mixed_norm_is_the_largest_part_rms_in_joint_and_batch_layouts():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 12, generator=g, dtype=torch.float64)
    x[:, 3:10] *= torch.tensor([0.1, 5.0, 1.0, 0.01], dtype=torch.float64)[:, None]
    segments = [(0, 3), (3, 10), (10, 12)]
    norm = mixed_rms_norm(segments)
    expected = [max(rms(row[a:b]) for a, b in segments) for row in x]
    assert torch.allclose(norm(x), torch.tensor(expected, dtype=torch.float64), rtol=1e-14)
    assert abs(float(norm(x[1])) - expected[1]) < 1e-14


def test_mixed_norm_ignores_components_outside_its_segments():
    x = torch.tensor([1.0, 1.0, 1.0, 1e6])
    assert float(mixed_rms_norm([(0, 1), (1, 3)])(x)) == 1.0
    assert float(seminorm(3)(x)) == 1.0
    assert float(rms_norm(x)) > 1.0
