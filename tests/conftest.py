"""Shared test settings: one torch thread per worker, a headless plot backend."""

import os

# Parallel test workers on a 2-core machine slow each other badly when each uses several threads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


CUDA = torch.cuda.is_available()


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not CUDA, reason="no CUDA device"))])
def device(request):
    """Each device this machine has: tests taking it run on CPU, and on CUDA where there is a GPU
    (``benchmarks/gpu_check.py`` runs them with ``-k cuda``)."""
    return torch.device(request.param)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield
