"""The README's Python API example runs as written."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)  # the example names a scenario file by its path in the repository
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "macro" in out and "mixed" in out and "micro_equal_budget" in out
