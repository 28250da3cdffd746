"""python -m pyfapi.demo: the --quick smoke run end to end, and the report / exit-status logic."""
import re

import numpy as np
import pytest

from pyfapi import demo


@pytest.fixture(scope="module")
def quick_run(run_python):
    return run_python("-m", "pyfapi.demo", "--quick", "--verbose", "2", check=False)


def test_quick_demo_runs_every_scenario_and_prints_the_table(quick_run):
    out = quick_run.stdout
    assert quick_run.returncode == 0, quick_run.stdout[-3000:] + quick_run.stderr[-3000:]
    for n in range(1, 8):
        assert f"Scenario {n}:" in out
    table = out[out.index("Summary ("):]
    header = table.splitlines()[2]
    for col in ("scenario", "params", "epochs", "s/epoch", "test metric", "threshold", "met?"):
        assert col in header
    rows = [line for line in table.splitlines() if re.match(r"^[1-7]  ", line)]
    assert [int(r.split()[0]) for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert "--quick: smoke run" in out
    # the summaries and Keras-style progress were printed
    assert out.count("Total params:") >= 8
    assert re.search(r"\d+/\d+ .*loss: ", out)  # Keras-style progress (no "Epoch 1/1" line
    # for a single epoch, as Keras 3)
    assert "3,466" in rows[0]                         # the notebook's MLP parameter count
    assert "20,861,480" in rows[6]                    # the Siamese Xception: base counted once
    assert "(None, 8, 8, 4096)" in out


def test_report_table_and_exit_status(monkeypatch, capsys):
    def ok(data, cfg):
        return demo.Result(1, "fine", 10, 2, 0.5, "acc 0.990", "0.95", True)

    def missed(data, cfg):
        return demo.Result(2, "too low", 20, 3, 0.25, "acc 0.500", "0.90", False)

    def no_threshold(data, cfg):
        return demo.Result(7, "timing only", 30, None, None, "fwd 1.00 s", "-", None)

    monkeypatch.setattr(demo, "SCENARIOS", {1: ok, 2: missed, 7: no_threshold})
    assert demo.main(["--scenario", "1", "--scenario", "7", "--verbose", "0"]) == 0
    out = capsys.readouterr().out
    assert "every threshold met" in out
    assert re.search(r"^1\s+fine\s+10\s+2\s+0\.50\s+acc 0\.990\s+0\.95\s+yes$", out, re.M)
    assert re.search(r"^7\s+timing only\s+30\s+-\s+-\s+fwd 1\.00 s\s+-\s+n/a$", out, re.M)
    assert demo.main(["--verbose", "0"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^2\s+too low\s+20\s+3\s+0\.25\s+acc 0\.500\s+0\.90\s+NO$", out, re.M)
    assert "threshold missed in scenario(s) [2]" in out


def test_bad_arguments_exit_with_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        demo.main(["--scenario", "9"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        demo.main(["--verbose", "5"])


def test_plot_needs_matplotlib(monkeypatch, tmp_path, capsys):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert demo.main(["--plot", str(tmp_path / "c.png"), "--scenario", "1"]) == 2
    assert "pip install 'pyfapi[plot]'" in capsys.readouterr().err


def test_plot_written(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(demo, "SCENARIOS", {1: lambda d, c: demo.Result(
        1, "curves", 1, 3, 0.1, "acc 1.000", "0.95", True,
        {"loss": [1.0, 0.5, 0.2], "accuracy": [0.5, 0.8, 0.9]})})
    path = tmp_path / "curves.png"
    assert demo.main(["--plot", str(path), "--verbose", "0"]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pairs_are_balanced_and_labelled_correctly():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 5)
    images = labels.astype("float32").reshape(-1, 1, 1) * np.ones((1, 8, 8), "float32")
    left, right, same = demo.make_pairs(images, labels, rng, pairs_per_image=2)
    assert len(same) == 4 * len(labels) and same.sum() == 2 * len(labels)
    # each image encodes its label in its pixels: check the targets from the pixels
    np.testing.assert_array_equal(same, (left[:, 0, 0] == right[:, 0, 0]).astype("float32"))


def test_second_view_is_a_shifted_noisy_copy():
    rng = np.random.default_rng(0)
    img = np.zeros((50, 8, 8, 1), "float32")
    img[:, 3:5, 3:5] = 1.0
    view = demo.second_view(img, rng)
    assert view.shape == img.shape and view.dtype == np.float32
    assert view.min() >= 0.0 and view.max() <= 1.0
    assert not np.array_equal(view, img)
    # at most one pixel of shift: the bright square stays within rows/cols 2..5
    assert np.all(view[:, [0, 7], :] < 0.5) and np.all(view[:, :, [0, 7]] < 0.5)


def test_a_failing_scenario_is_reported_and_fails_the_run(monkeypatch, capsys):
    def broken(data, cfg):
        raise RuntimeError("boom")

    def ok(data, cfg):
        return demo.Result(1, "fine", 10, 2, 0.5, "acc 0.990", "0.95", True)

    monkeypatch.setattr(demo, "SCENARIOS", {1: ok, 4: broken})
    assert demo.main(["--quick", "--verbose", "0"]) == 1
    captured = capsys.readouterr()
    assert "RuntimeError: boom" in captured.err
    assert re.search(r"^4\s+Inception \+ residual: FAILED\s+0\s+-\s+-\s+error: RuntimeError\s+"
                     r"0\.97\s+ERROR$", captured.out, re.M)
    assert "scenario(s) [4] raised an error" in captured.out
