"""The exceptions users see: a located, SyntaxError-style message for their code, and
TypeError/ValueError subclasses for misuse of the API (bad argnums, a value grad cannot
differentiate). All of them are raised with the compiler's own frames dropped."""


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


class TreeDependentError(TranslationError):
    """Refused when an argument is a value (`x.name` with no rule, a dict comprehension
    over it), but the argument may be a parameter tree (a NamedTuple, a dict) whose
    structure the first call tells (compiler.py). Users see a TranslationError."""

    def plain(self):
        error = TranslationError(self.msg)
        error.args, error.filename, error.lineno = self.args, self.filename, self.lineno
        error.offset, error.text = self.offset, self.text
        return error


class UsageError(Exception):
    """Marks an error about how the API was called (not a bug inside s2s_ad), so the
    API re-raises it without the compiler's frames."""


class UsageTypeError(UsageError, TypeError):
    """A value of a type grad refuses: not a function, a complex argument, ..."""


class UsageValueError(UsageError, ValueError):
    """A value grad refuses: argnums out of range, ..."""
