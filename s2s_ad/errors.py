"""The one exception family users see: a located, SyntaxError-style message."""


class TranslationError(SyntaxError):
    """s2s_ad could not translate (or differentiate) a piece of the user's code.

    It is a SyntaxError so Python prints the file, the line and a caret under the
    offending column, exactly as it does for a typo.
    """

    def __init__(self, message, loc=None):
        if loc is None:
            super().__init__(message)
        else:
            # SyntaxError's offset is 1-based; ast's col_offset is 0-based.
            super().__init__(message, (loc.filename, loc.lineno, loc.col + 1, loc.text))


class UnboundNameError(TranslationError):
    """A name the function reads is not (yet) bound in its globals or closure."""
