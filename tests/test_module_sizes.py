"""The middle of the compiler stays in small pieces (issue "Never a wrong gradient"):
no module over 400 lines and no class over 250. The middle is every module that
docs/architecture.md's stage table names, with the IR, the pipeline and the compiler
state beside them; a module added to the table is checked from then on."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "s2s_ad"
MODULE_LINES, CLASS_LINES = 400, 250


def middle_modules():
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("| stage |"):text.index("Around the compiler")]
    names = set(re.findall(r"`([a-z_/]+\.py)`", table)) | {"ir.py", "pipeline.py",
                                                           "compiler.py"}
    return sorted(PACKAGE / n for n in names)


def test_the_stage_table_names_real_modules():
    modules = middle_modules()
    assert len(modules) > 30
    missing = [m.name for m in modules if not m.exists()]
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_no_module_or_class_of_the_middle_is_too_long():
    too_long = []
    for path in middle_modules():
        source = path.read_text()
        lines = source.count("\n")
        if lines > MODULE_LINES:
            too_long.append(f"{path.name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                size = node.end_lineno - node.lineno + 1
                if size > CLASS_LINES:
                    too_long.append(f"{path.name}: class {node.name}, {size} lines")
    assert not too_long, too_long
