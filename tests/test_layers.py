"""The layers: imports run one way, from the core up to the report; a test fails on an import that runs back."""
import ast
from pathlib import Path

TRACKER = Path(__file__).resolve().parent.parent / "tracker"

# Lowest first. A module may import its own package and any package of a lower layer, never a higher one.
LAYERS = (
    ("core", "extensions", "urls"),
    ("auth",),
    ("audit",),
    ("plan",),
    ("activities",),
    ("evidence",),
    ("imports",),
    ("indicators",),
    ("assessments",),
    ("review",),
    ("notifications",),
    ("overview",),
    ("reports",),
    ("calendar",),
    ("home",),
    ("api",),
    ("admin", "backup", "demo"),
    ("__init__", "cli", "models", "errors", "templating"),  # the application: wires every feature together
)
LAYER_OF = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _package_of(module: str) -> str:
    """The top-level part of tracker a module belongs to ("tracker.plan.views" -> "plan")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path, root: Path = TRACKER) -> str:
    """The dotted name of a source file under tracker/ (root: the tracker folder)."""
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, root: Path = TRACKER) -> list[tuple[int, str]]:
    """Every tracker module a file imports (at any depth: local imports count too), with its line."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            found += [(node.lineno, t) for t in targets if t.startswith("tracker")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("tracker")]
    return found


def upward_imports(root: Path = TRACKER) -> list[str]:
    """Every import in a tracker/ folder that runs from a lower layer (or a sibling feature) to a higher one."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        here = _package_of(_module_name(path, root)) if path.parent != root else path.stem
        for line, target in _imports(path, root):
            there = _package_of(target)
            if there == here:
                continue
            shared = LAYER_OF[here] == LAYER_OF[there] in (0, len(LAYERS) - 1)  # the core and the app are one each
            if LAYER_OF[there] >= LAYER_OF[here] and not shared:
                problems.append(f"{path.relative_to(root.parent)}:{line} ({here}) imports {target} ({there})")
    return problems


def test_every_package_has_a_layer():
    packages = {p.name for p in TRACKER.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in TRACKER.glob("*.py")}
    assert packages | modules <= set(LAYER_OF), sorted((packages | modules) - set(LAYER_OF))


def test_imports_run_one_way():
    assert upward_imports() == []


def test_the_check_sees_an_import_that_runs_back(tmp_path):
    # Planted in a tree of its own: a file added to the real tree would fail the other test run in parallel.
    planted = tmp_path / "tracker" / "core" / "_planted_for_test.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("from ..reports import services  # noqa\n")
    assert any("_planted_for_test" in problem for problem in upward_imports(tmp_path / "tracker"))
