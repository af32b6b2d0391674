"""The primitives users can call, by family, counted from the rule table (the README's
list is generated from this, and a test checks that it is current):

    python -m s2s_ad.rules.catalog            # print the Markdown block
    python -m s2s_ad.rules.catalog --write README.md

A primitive is a rule the user's code reaches by name or syntax: an operator, a
function of NumPy/SciPy/math or a builtin, an array method or attribute. A function
whose result is a tuple counts once (its parts are not primitives of their own); the
compiler's own helpers (the runtime functions gradients call, the effect tokens of
print, the list and dict displays) are not counted.
"""
import importlib
import sys

from . import _BY_OBJECT, _OPERATORS, load_optional_families
from .tuple_results import PART

FAMILIES = [
    ("operators", "Python operators and indexing"),
    ("builtins", "builtins"),
    ("math", "the math module"),
    ("numpy", "NumPy functions"),
    ("methods", "array methods and attributes"),
    ("numpy.linalg", "np.linalg"),
    ("numpy.fft", "np.fft"),
    ("random", "random draws (constants: their parameters are not differentiated)"),
    ("scipy.special", "scipy.special"),
    ("scipy.stats", "scipy.stats"),
    ("scipy.linalg", "scipy.linalg"),
]
_INTERNAL = {"copy", "save", "save_item", "list", "dict", "is", "is not"}
_OPERATOR_SPELLING = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "pow": "**", "mod": "%",
    "floordiv": "//", "matmul": "@", "neg": "unary -", "pos": "unary +",
    "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!=", "and_": "&",
    "or_": "|", "xor": "^", "invert": "~", "not_": "not", "indexing": "x[...]",
}


_LIBRARIES = ("numpy", "scipy", "math", "builtins", "random", "_random")


def _family(name, owner_module):
    if owner_module and owner_module.split(".")[0] not in _LIBRARIES:
        return None     # the compiler's own helpers, the user's custom_vjp functions
    if name.startswith(("RandomState.", "Random.")):
        return "random"
    for prefix in ("numpy.linalg", "numpy.fft", "scipy.special", "scipy.stats",
                   "scipy.linalg"):
        if name.startswith(prefix + "."):
            return prefix
    if name.startswith("numpy."):
        return "numpy"
    if name.startswith("math."):
        return "math"
    return "builtins"


def primitives():
    """{family: {display name: 'differentiated' | 'zero gradient' | 'refused'}}."""
    for module in ("s2s_ad", "s2s_ad.lower_effects", "s2s_ad.lower_values"):
        importlib.import_module(module)         # rules registered where they are lowered
    load_optional_families()
    out = {key: {} for key, _ in FAMILIES}
    for fn, rule in _BY_OBJECT.values():
        if getattr(rule, "user_supplied", False):
            continue    # custom_vjp, defvjp, grad(inner): the user's (or a test's) rules
        family = _family(rule.name, getattr(fn, "__module__", None) or "")
        if family == "random":
            out[family][_random_display(rule.name)] = "constant"
        elif family is not None:
            out[family][_display(rule.name)] = _status(rule)
    for (spelling, symbol), rule in _OPERATORS.items():
        if spelling == PART or rule.name in _INTERNAL:
            continue
        if spelling in ("method", "attribute"):
            out["methods"][_display(rule.name)] = _status(rule)
        else:
            out["operators"][_OPERATOR_SPELLING.get(rule.name, rule.name)] = _status(rule)
    return out


def _status(rule):
    if rule.refuses is not None:
        return "refused"
    if rule.zero_grad and getattr(rule, "tuple_parts", None) is None:
        return "zero gradient"
    return "differentiated"


def _random_display(name):
    """np.random.normal, random.gauss: both random modules have a `random`."""
    owner, _, method = name.partition(".")
    return f"np.random.{method}" if owner == "RandomState" else f"random.{method}"


def _display(name):
    if name.startswith("ndarray."):
        return "." + name[len("ndarray."):] + "()"
    if name == "transpose (.T)":
        return ".T"
    for prefix in ("numpy.linalg.", "numpy.fft.", "numpy.", "scipy.special.",
                   "scipy.stats.", "scipy.linalg.", "math.", "RandomState.", "Random."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def markdown():
    """The README's block: the count, then one line per family."""
    table = primitives()
    total = sum(len(v) for v in table.values())
    by_status = {}
    for names in table.values():
        for status in names.values():
            by_status[status] = by_status.get(status, 0) + 1
    lines = [f"**{total} primitives**: {by_status.get('differentiated', 0)} differentiated, "
             f"{by_status.get('zero gradient', 0)} piecewise constant (zero gradient, in "
             f"*italics*), {by_status.get('refused', 0)} refused where they are written "
             f"(complex values, ~~struck~~) and {by_status.get('constant', 0)} random "
             "draws. Generated from the rule table: `python -m s2s_ad.rules.catalog "
             "--write README.md`.", ""]
    for key, title in FAMILIES:
        names = table[key]
        if not names:
            continue
        shown = [_mark(n, s) for n, s in sorted(names.items(), key=lambda i: i[0].lower())]
        lines.append(f"- **{title}** ({len(names)}): {' '.join(shown)}")
    return "\n".join(lines) + "\n"


def _mark(name, status):
    text = f"`{name}`"
    return {"zero gradient": f"*{text}*", "refused": f"~~{text}~~"}.get(status, text)


START, END = "<!-- primitives:start -->", "<!-- primitives:end -->"


def readme_block(text):
    """The generated block of a README's text (between the markers), or None."""
    if START not in text or END not in text:
        return None
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def write(path):
    with open(path) as f:
        text = f.read()
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    with open(path, "w") as f:
        f.write(f"{head}{START}\n{markdown()}{END}{tail}")


def main(argv):
    for library in ("scipy.linalg", "scipy.special", "scipy.stats"):
        importlib.import_module(library)        # their families register on import
    if argv[:1] == ["--write"]:
        write(argv[1])
    else:
        sys.stdout.write(markdown())


if __name__ == "__main__":
    main(sys.argv[1:])
