"""Simple ODE data as CSV: a header row, the first column time, one column per state."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sciml.atomic import atomic_write
from sciml.data.dataset import ODEDataset
from sciml.errors import DataFormatError, InputError

__all__ = ["read_csv", "write_csv"]


def read_csv(path: str | Path) -> ODEDataset:
    """Read ``t, x, y, …`` columns; the header names the states (the first header cell is ignored)."""
    path = Path(path)

    def fail(item, expected, got=None):
        got_text = f", got {got}" if got is not None else ""
        raise DataFormatError(f"{path}: {item}: expected {expected}{got_text}")

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(cell.strip() for cell in r)]
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path}: not a readable CSV text file ({exc})") from None
    if len(rows) < 3:
        fail("content", "a header row and at least 2 data rows", f"{len(rows)} row(s)")
    header = [h.strip() for h in rows[0]]
    if len(header) < 2:
        fail("header", "a time column and at least one state column", header)
    values = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            fail(f"line {i}", f"{len(header)} columns", len(row))
        try:
            values[i - 2] = [float(cell) for cell in row]
        except ValueError:
            fail(f"line {i}", "numbers", row)
    return ODEDataset(values[:, 0], values[:, 1:], names=header[1:], attrs={"source": str(path)}, _fail=fail)


def write_csv(dataset: ODEDataset, path: str | Path) -> Path:
    """Write one trajectory without inputs as CSV (atomically)."""
    if not isinstance(dataset, ODEDataset) or dataset.n_trajectories != 1 or dataset.u is not None:
        raise InputError("dataset", "a single-trajectory ODE data set without inputs for CSV",
                         repr(dataset), "save it as .h5 instead")
    path = Path(path)
    with atomic_write(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["t", *dataset.names])
        for t, row in zip(dataset.t, dataset.y):
            writer.writerow([repr(float(t)), *(repr(float(v)) for v in row)])
    return path
