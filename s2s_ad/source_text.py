"""Generated source as users see it: a `str` that Jupyter renders as highlighted code.

`Source` is a plain `str` subclass, so code that compares `.source` with strings,
prints it or writes it to a file keeps working; a terminal shows its text (its `repr`
lists the lines rather than one long escaped string). In a notebook, `_repr_html_`
highlights it with pygments when that is installed (else an escaped <pre> block) and
`_repr_markdown_` gives a fenced Python block for front ends that prefer Markdown.
"""
import html


class Source(str):
    """The text of generated code, with notebook representations."""

    def __repr__(self):
        lines = self.splitlines()
        return "\n".join(["<s2s_ad generated source>"] + lines)

    def _repr_markdown_(self):
        fence = "```"
        while fence in self:            # a fence longer than any run inside the text
            fence += "`"
        return f"{fence}python\n{self}{'' if self.endswith(chr(10)) else chr(10)}{fence}\n"

    def _repr_html_(self):
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            return f'<pre class="s2s-ad-source"><code>{html.escape(str(self))}</code></pre>'
        return highlight(str(self), PythonLexer(), HtmlFormatter(noclasses=True))


def as_source(text):
    """`text` as a `Source` (None stays None)."""
    return None if text is None else Source(text)
