"""Metrics history of a run: one record per log (iteration, phase, time, loss, loss terms, extra values)."""

from __future__ import annotations

__all__ = ["History"]


class History:
    """Columns ``iteration``, ``phase``, ``time``, ``loss``, ``terms`` ({name: list}) and any extra groups
    of named values (``{"parameters": {"k": [...]}}``), as plain lists (JSON-ready, checkpointed)."""

    def __init__(self):
        self.data = {"iteration": [], "phase": [], "time": [], "loss": [], "terms": {}}

    def add(self, iteration, phase, time, loss, terms=None, extra=None) -> dict:
        d = self.data
        d["iteration"].append(int(iteration))
        d["phase"].append(str(phase))
        d["time"].append(float(time))
        d["loss"].append(float(loss))
        for k, v in (terms or {}).items():
            d["terms"].setdefault(k, []).append(float(v))
        for group, values in (extra or {}).items():
            if group in ("iteration", "phase", "time", "loss", "terms"):
                raise ValueError(f"log value group {group!r} clashes with a history column")
            column = d.setdefault(group, {})
            for k, v in values.items():
                column.setdefault(k, []).append(float(v))
        return {"iteration": int(iteration), "phase": phase, "time": float(time), "loss": float(loss),
                "terms": {k: float(v) for k, v in (terms or {}).items()}}

    def __len__(self):
        return len(self.data["iteration"])

    def state_dict(self) -> dict:
        return self.data

    def load_state_dict(self, data: dict) -> None:
        self.data = data
