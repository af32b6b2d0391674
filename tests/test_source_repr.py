"""`.source` and export sources: a str with notebook renderings and a readable repr."""
import numpy as np
import pytest

from s2s_ad import export, grad
from s2s_ad.source_text import Source


def f(x):
    return np.sum(np.sin(x) * x)


def compiled_source():
    g = grad(f)
    g(np.ones(3))
    return g.source


def test_source_is_still_a_str():
    source = compiled_source()
    assert isinstance(source, str) and isinstance(source, Source)
    assert source == str(source) and source.startswith("def f_grad(x):")
    assert "def f_grad" in source


def test_terminal_repr_shows_the_lines():
    source = compiled_source()
    text = repr(source)
    assert "\\n" not in text                       # not one escaped line
    assert text.splitlines()[1:] == source.splitlines()


def test_markdown_is_a_fenced_python_block():
    md = compiled_source()._repr_markdown_()
    assert md.startswith("```python\ndef f_grad(x):") and md.endswith("\n```\n")
    tricky = Source("s = '```'\n")
    assert tricky._repr_markdown_().startswith("````python\n")


def test_html_without_pygments_is_escaped(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pygments(name, *args, **kwargs):
        if name.startswith("pygments"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pygments)
    html = Source("if a < b:\n    x = 1\n")._repr_html_()
    assert html.startswith("<pre") and "a &lt; b" in html and "a < b" not in html


def test_html_with_pygments_is_highlighted():
    pytest.importorskip("pygments")
    html = compiled_source()._repr_html_()
    assert "<span" in html and "f_grad" in html


def test_export_source_has_the_reprs():
    text = export(f, np.ones(3))
    assert isinstance(text, Source)
    assert "import numpy" in text._repr_markdown_()
