"""Simple ODE data as CSV: a header row, the first column time, one column per state."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sciml.atomic import atomic_write
from sciml.data.dataset import ODEDataset
from sciml.errors import DataFormatError, InputError

__all__ = ["read_csv", "write_csv"]

_BLOCK_ROWS = 4096


def read_csv(path: str | Path) -> ODEDataset:
    """Read ``t, x, y, …`` columns; the header names the states (the first header cell is ignored)."""
    path = Path(path)

    def fail(item, expected, got=None):
        got_text = f", got {got}" if got is not None else ""
        raise DataFormatError(f"{path}: {item}: expected {expected}{got_text}")

    header, blocks, block = None, [], []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            for row in reader:  # row by row into float blocks: memory follows the numbers, not the text
                if not row or not any(cell.strip() for cell in row):
                    continue
                if header is None:
                    header = [h.strip() for h in row]
                    if len(header) < 2:
                        fail("header", "a time column and at least one state column", header)
                    continue
                if len(row) != len(header):
                    fail(f"line {reader.line_num}", f"{len(header)} columns", len(row))
                try:
                    block.append([float(cell) for cell in row])
                except ValueError:
                    fail(f"line {reader.line_num}", "numbers", row[:8])
                if len(block) == _BLOCK_ROWS:
                    blocks.append(np.array(block))
                    block = []
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path}: not a readable CSV text file ({exc})") from None
    if block:
        blocks.append(np.array(block))
    n_rows = sum(len(b) for b in blocks)
    if header is None or n_rows < 2:
        fail("content", "a header row and at least 2 data rows", f"{n_rows + (header is not None)} row(s)")
    values = np.concatenate(blocks)
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
