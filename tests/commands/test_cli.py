import subprocess
import sys

from sciml.cli import main


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert "info" in out and "demo" in out


def test_info_prints_versions(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "torch" in out and "sciml" in out and "threads" in out


def test_demo_prints_table_and_plot(tmp_path, capsys):
    png = tmp_path / "demo.png"
    assert main(["demo", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("dopri5", "tsit5", "rk4", "euler"))]
    assert len(lines) == 4
    # adaptive methods meet their tolerance against scipy; Euler with h=0.01 does not
    errors = {line.split()[0]: float(line.split()[2]) for line in lines}
    assert errors["tsit5"] < 1e-4 and errors["dopri5"] < 1e-4 and errors["euler"] > 1e-3
    assert png.stat().st_size > 1000


def test_bad_argument_exits_with_message():
    out = subprocess.run([sys.executable, "-m", "sciml.cli", "demo", "--rtol", "-1"], capture_output=True,
                         text=True)
    assert out.returncode == 2 and "rtol" in out.stderr


HEAVY = {"torch", "sympy", "scipy", "matplotlib", "h5py", "pysindy", "pandas"}


def test_help_imports_no_heavy_module():
    # every --help, one process: after each, which heavy packages have been imported so far
    from sciml.cli import COMMANDS

    argvs = [["--help"], *[[name, "--help"] for name in COMMANDS], ["data", "make", "--help"],
             ["data", "info", "--help"]]
    code = (
        "import sys, contextlib, io\n"
        "from sciml.cli import main\n"
        f"heavy = {sorted(HEAVY)!r}\n"
        f"for argv in {argvs!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        "    print(' '.join(argv), sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == len(argvs)
    assert all(line.endswith("[]") for line in lines), lines


def test_errors_name_the_option_the_user_passed(tmp_path, capsys):
    from pathlib import Path

    assert main(["data", "make", "lorenz", "--out", str(tmp_path / "l.txt")]) == 2  # save(data, path=…)
    assert "error: --out: expected" in capsys.readouterr().err
    csv = tmp_path / "d.csv"
    csv.write_text("t,x\n" + "\n".join(f"{0.1 * i},{i * i}" for i in range(20)) + "\n")
    assert main(["discover", str(csv), "--max-degree", "0", "--no-progress"]) == 2  # SINDy(max_degree=…)
    assert "error: --max-degree: expected" in capsys.readouterr().err
    heat = Path(__file__).resolve().parents[2] / "problems" / "heat.py"
    assert main(["solve", str(heat), "--time-budget", "-1", "--out", str(tmp_path / "o")]) == 2
    assert "error: --time-budget: expected" in capsys.readouterr().err
