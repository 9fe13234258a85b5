"""The training loop on every device: placement, mixed precision (float16 with a gradient scaler on CUDA),
checkpoints written from the device and resumed there."""

import torch

from sciml import train


def fit(device, tmp_path=None, resume=None, precision=None, dtype=torch.float64):
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 64, dtype=dtype)[:, None]
    net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).to(dtype)

    def loss(batch):
        xb, yb = batch
        assert xb.device.type == device.type
        return torch.mean((net(xb).float() - yb.float()) ** 2)

    phases = [train.Adam(30, lr=1e-2, precision=precision)]
    if precision is None:
        phases.append(train.LBFGS(10))
    store = None if tmp_path is None else train.Checkpoints(tmp_path, every=10, seconds=None, keep=None)
    result = train.train(net, loss, data=train.Batches(x, torch.sin(3 * x), batch_size=16), phases=phases,
                         device=device, progress=False, checkpoint=store, resume=resume)
    return net, result


def test_training_runs_on_the_device_and_resumes_there(device, tmp_path):
    net, result = fit(device, tmp_path / "ck")
    assert next(net.parameters()).device.type == device.type
    assert result.history["loss"][-1] < result.history["loss"][0]
    again_net, again = fit(device, tmp_path / "again", resume=tmp_path / "ck" / "step-000000020")
    assert again.info["iterations"] == result.info["iterations"] == 40
    for a, b in zip(net.parameters(), again_net.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_mixed_precision(device):
    precision = "float16" if device.type == "cuda" else "bfloat16"
    net, result = fit(device, precision=precision, dtype=torch.float32)
    assert next(net.parameters()).dtype == torch.float32
    assert result.history["loss"][-1] < result.history["loss"][0]
