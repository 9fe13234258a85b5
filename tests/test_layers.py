"""The layer map of DEVELOPERS.md, checked on the source: no import points up."""

import ast
from pathlib import Path

import sciml

ROOT = Path(sciml.__file__).parent
SHARED = {"errors", "atomic", "_lazy"}  # below every layer
ALLOWED = {
    "integrate": set(),
    "symbolic": set(),
    "train": set(),
    "pde": {"symbolic"},
    "data": {"integrate", "symbolic"},
    "discovery": {"data", "integrate", "symbolic", "pde"},
    "pinn": {"pde", "symbolic", "train"},
    "commands": {"integrate"},
    "compat": {"integrate"},
    "models": {"integrate", "train"},
}


def _is_module(name: str) -> bool:
    return (ROOT / name).is_dir() or (ROOT / f"{name}.py").exists()


def imported_layers(package: str) -> dict[str, str]:
    """``{layer: first file importing it}`` for every ``sciml.<layer>`` import, lazy ones included."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names]
                                         if node.module == "sciml" else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "sciml" and len(parts) > 1 and _is_module(parts[1]):
                    found.setdefault(parts[1], str(path.relative_to(ROOT)))
    return found


def test_every_package_is_in_the_map():
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(ALLOWED), f"add {packages - set(ALLOWED)} to the layer map"


def test_no_import_points_up():
    bad = []
    for package, allowed in ALLOWED.items():
        if not (ROOT / package).exists():
            continue
        for layer, where in imported_layers(package).items():
            if layer not in allowed | SHARED | {package}:
                bad.append(f"{where} imports sciml.{layer}")
    assert not bad, "imports against the layer map: " + "; ".join(bad)
