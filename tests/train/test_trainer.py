"""The shared training loop: phases, schedules, clipping, accumulation, callbacks, budget, resume."""

import math

import pytest
import torch

from sciml import train
from sciml.errors import InputError, SolverError


def regression(seed=0, n=48):
    torch.manual_seed(seed)
    x = torch.linspace(-1, 1, n, dtype=torch.float64)[:, None]
    y = torch.sin(3 * x)
    net = torch.nn.Sequential(torch.nn.Linear(1, 12), torch.nn.Tanh(), torch.nn.Linear(12, 1)).double()

    def loss(batch):
        xb, yb = batch
        err = net(xb) - yb
        return torch.mean(err**2), {"mse": torch.mean(err**2), "max": err.abs().max()}

    return net, loss, train.Batches(x, y, batch_size=16, seed=3)


def weights(net):
    return [p.detach().clone() for p in net.parameters()]


def rich_phases():
    return [train.Adam(30, lr=2e-2, schedule=train.StepDecay(10, 0.5), clip_norm=1.0, accumulate=2),
            train.Optimizer(10, torch.optim.SGD, lr=1e-2, momentum=0.9, schedule=train.CosineDecay()),
            train.LBFGS(12, chunk=4, restart_every=8)]


def test_phases_run_in_order_and_report_why_they_stopped():
    net, loss, data = regression()
    result = train.train(net, loss, data=data, phases=rich_phases(), log_every=5, progress=False)
    names = [p["name"] for p in result.info["phases"]]
    assert names == ["adam", "sgd", "lbfgs"]
    assert result.phase("adam")["iterations"] == 30 and result.phase("sgd")["iterations"] == 10
    assert result.phase("lbfgs")["iterations"] == 12 and len(result.phase("lbfgs")["reasons"]) == 2  # two rounds
    assert result.info["iterations"] == 52
    h = result.history
    assert h["phase"][-1] == "final" and set(h["terms"]) == {"mse", "max"}
    assert h["loss"][-1] < h["loss"][0]
    assert len(h["loss"]) == len(h["iteration"]) == len(h["terms"]["mse"])


def test_schedule_and_clipping_act_on_the_optimizer():
    net, loss, data = regression()
    seen = []

    class LR(train.Callback):
        def on_step_end(self, trainer):
            seen.append(trainer.phase_run.optimizer.param_groups[0]["lr"])

    train.train(net, loss, data=data, phases=[train.Adam(25, lr=0.1, schedule=train.StepDecay(10, 0.5))],
                callbacks=[LR()], progress=False)
    assert seen[8] == 0.1 and seen[9] == 0.05 and seen[19] == 0.025

    net, loss, data = regression()
    norms = []

    class Norm(train.Callback):
        def on_optimizer_step(self, trainer):
            norms.append(float(torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in net.parameters()]))))

    train.train(net, loss, data=data, phases=[train.Adam(5, lr=1e-3, clip_norm=1e-3)], callbacks=[Norm()],
                progress=False)
    assert max(norms) <= 1e-3 * (1 + 1e-9)


def test_accumulation_equals_one_step_on_the_joined_batch():
    torch.manual_seed(0)
    x = torch.randn(16, 3, dtype=torch.float64)
    y = torch.randn(16, 1, dtype=torch.float64)
    nets = [torch.nn.Linear(3, 1).double() for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    for net, batch, acc in ((nets[0], 8, 2), (nets[1], 16, 1)):
        data = train.Batches(x, y, batch_size=batch, shuffle=False)
        train.train(net, lambda b, net=net: torch.mean((net(b[0]) - b[1]) ** 2), data=data,
                    phases=[train.Optimizer(1, torch.optim.SGD, lr=0.1, accumulate=acc)], progress=False)
    torch.testing.assert_close(nets[0].weight, nets[1].weight, rtol=1e-14, atol=1e-15)


def test_bfloat16_autocast_trains():
    net, loss, data = regression()
    result = train.train(net, loss, data=data, phases=[train.Adam(40, lr=1e-2, precision="bfloat16")],
                         progress=False)
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert next(net.parameters()).dtype == torch.float64
    with pytest.raises(InputError, match="float16"):
        train.train(net, loss, data=data, phases=[train.Adam(1, precision="float16")], progress=False)


def test_callbacks_stop_early_and_later_phases_are_skipped():
    net, loss, data = regression()
    result = train.train(net, loss, data=data, phases=[train.Adam(100), train.LBFGS(10)], log_every=1,
                         callbacks=[train.on_log(lambda it, value, terms: it >= 7)], progress=False)
    assert result.info["iterations"] == 7 and "callback" in result.info["stopped"]
    assert [p["name"] for p in result.info["phases"]] == ["adam"]
    net, loss, data = regression()
    data = train.Batches(*data.tensors, shuffle=False)  # with lr=0 the loss never improves
    early = train.EarlyStopping(patience=2)
    result = train.train(net, loss, data=data, phases=[train.Optimizer(500, torch.optim.SGD, lr=0.0)],
                         callbacks=[early], log_every=1, progress=False)
    assert result.info["iterations"] == 3


def test_keep_best_restores_the_lowest_logged_loss():
    net, loss, data = regression()
    best = train.KeepBest(net, restore=("sgd",))
    result = train.train(net, loss, data=data, log_every=1, callbacks=[best], progress=False,
                         phases=[train.Adam(20, lr=1e-2), train.Optimizer(3, torch.optim.SGD, lr=50.0)])
    assert "restored the parameters with the lowest logged loss" in result.phase("sgd")["reasons"]
    assert result.history["phase"][-2:] == ["sgd", "final"]
    assert result.history["loss"][-1] < 0.1 * result.history["loss"][-2]  # the diverged SGD steps are undone


def test_time_budget_ends_phases_at_their_share():
    net, loss, data = regression()
    result = train.train(net, loss, data=data, budget=0.3, progress=False,
                         phases=[train.Adam(None, until=0.5), train.LBFGS(10**6)])
    assert "time budget" in result.phase("adam")["reasons"][-1]
    assert any("time budget" in r for r in result.phase("lbfgs")["reasons"])
    assert result.info["wall_s"] < 5


def test_non_finite_loss_and_bad_arguments_are_named():
    net, _, data = regression()
    with pytest.raises(SolverError, match="became nan at Adam step 1"):
        train.train(net, lambda b: torch.tensor(math.nan, requires_grad=True), data=data,
                    phases=[train.Adam(3)], progress=False)
    with pytest.raises(InputError, match="loss"):
        train.train(net, lambda b: (net(b[0]) - b[1]), data=data, phases=[train.Adam(1)], progress=False)
    for kwargs, name in (({"phases": ["adam"]}, "phases"), ({"log_every": 0}, "log_every"),
                         ({"budget": -1}, "budget"), ({"data": [1, 2]}, "data"), ({"callbacks": [print]}, "callbacks"),
                         ({"phases": [train.Adam(None)]}, "phases"), ({"resume": True}, "resume")):
        with pytest.raises(InputError, match=name):
            train.Trainer(net, lambda b: 0, **kwargs)
    for make, name in ((lambda: train.Adam(-1), "steps"), (lambda: train.Adam(1, lr=0), "lr"),
                       (lambda: train.LBFGS(5, history=0), "history"), (lambda: train.Adam(1, until=2), "until"),
                       (lambda: train.Optimizer(1, torch.optim.LBFGS), "optimizer"),
                       (lambda: train.StepDecay(0), "every"), (lambda: train.Batches(torch.zeros(3), torch.zeros(4)),
                                                              "tensors")):
        with pytest.raises(InputError, match=name):
            make()


def test_batches_cover_every_row_once_per_epoch_and_shard_contiguously():
    data = train.Batches(torch.arange(10), batch_size=4, seed=0)
    epoch = torch.cat([data.next() for _ in range(data.batches_per_epoch)])
    assert sorted(epoch.tolist()) == list(range(10))
    parts = []
    for rank in range(2):
        d = train.Batches(torch.arange(10), batch_size=4, seed=0)
        d.shard(rank, 2)
        parts.append(d.next())
        assert d.share == 0.5
    whole = train.Batches(torch.arange(10), batch_size=4, seed=0).next()
    assert torch.equal(torch.cat(parts), whole)


def test_resume_from_every_checkpoint_is_bit_identical(tmp_path):
    net, loss, data = regression()
    ref = train.train(net, loss, data=data, phases=rich_phases(), log_every=3, progress=False,
                      checkpoint=train.Checkpoints(tmp_path / "ck", every=5, seconds=None, keep=None))
    final = weights(net)
    steps = sorted(p for p in (tmp_path / "ck").iterdir() if p.name.startswith("step-"))
    assert len(steps) >= 10 and steps[-1].name.endswith("-final")
    for step in steps:
        net2, loss2, data2 = regression(seed=1)  # other initial weights: all must come from the checkpoint
        again = train.train(net2, loss2, data=data2, phases=rich_phases(), log_every=3, progress=False, resume=step,
                            checkpoint=train.Checkpoints(tmp_path / f"r{step.name}", every=1000))
        assert all(torch.equal(a, b) for a, b in zip(final, weights(net2))), step.name
        assert again.history["loss"] == ref.history["loss"]
        assert again.info["phases"] == ref.info["phases"]
