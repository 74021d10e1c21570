"""The benchmark script runs end to end on a tiny case (the full bench is not a test).

About 80 s: marked ``bench`` and left out of the default run (``pytest -m bench`` runs it)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.bench
def test_bench_quick(tmp_path):
    results = tmp_path / "RESULTS.md"
    subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--results", str(results)], check=True, capture_output=True)
    text = results.read_text(encoding="utf-8")
    for label in ("a. cold `render --year 2017 --unit 人社局`", "c. re-render after one number",
                  "in `render --watch`", "e. cold, 8 synthetic", "| 4 synthetic 2023 forms |"):
        assert label in text
    assert "served" not in text  # no resident render process (issue 19)
    # the reading is written from this run's figures, not kept by hand
    assert "ours cold ≤ 1.3× one WeasyPrint run" in text and "peak RSS ≤ 500 MB at 8 forms" in text
    reading = text[text.index("## Reading the results"):]
    assert re.search(r"`--watch` \d+\.\d\d s \(save → files written \d+\.\d\d s\); `render` \d+\.\d\d s", reading)
    # the predicted breaks, and the comparison with the rounds, from this run
    assert re.search(r"- data: \d+ parts; .*prediction held \d+/\d+ .*different from the rounds: 0 ", text)
