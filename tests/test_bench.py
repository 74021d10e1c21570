"""The benchmark script runs end to end on a tiny case (the full bench is not a test)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_bench_quick(tmp_path):
    results = tmp_path / "RESULTS.md"
    subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--results", str(results)], check=True, capture_output=True)
    text = results.read_text(encoding="utf-8")
    for label in ("a. cold `render --year 2017 --unit 人社局`", "c. re-render", "d. cold `render --year 2023 --all`", "e. cold, 4 synthetic"):
        assert label in text
    assert "Scaling:" in text
