"""The layering contract (DESIGN.md), read from every import in the source, function-local ones
included:

    core         workbench: backend, core, dtypes, errors, ops/ (incl. tf.nn ops), random, …
    gradients    gradients/
    compiler     workbench/compiler/ (wb.function)
    ragged, probability
    kit          everything else in workbench (layers, optimizers, data, checkpoint, tracking, cli, …)

A module imports only its own layer and the layers below it; no package imports another's
private names; ragged and probability do not import each other in a circle.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("workbench", "gradients", "ragged", "probability")
CORE = {"backend", "core", "dtypes", "errors", "nest", "hostcache", "ops", "random", "math", "linalg",
        "config", "debugging", "signal", "image", "strings", "sparse", "io", "tensor_shape"}
RANK = {"core": 0, "gradients": 1, "compiler": 2, "ragged": 3, "probability": 3, "kit": 4}
# imports that run against the contract today, each to be removed by the change that fixes it
KNOWN: set = set()


def layer(module):
    parts = module.split(".")
    if parts[0] in ("gradients", "ragged", "probability"):
        return parts[0]
    if parts[0] != "workbench" or len(parts) == 1:
        return None   # outside the project, or the package face (which may re-export anything)
    if parts[1] in CORE:
        return "core"
    if parts[1] == "compiler":
        return "compiler"
    if parts[1] == "nn":   # TF's tf.nn: ops
        return "core"
    return "kit"


def _modules():
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts = parts[:-1]
            yield ".".join(parts), is_pkg, path


def _imports(module, is_pkg, path):
    """(imported module, imported name or None, line) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = module.split(".") if is_pkg else module.split(".")[:-1]
            if node.level:
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                # ``from workbench import compiler`` imports a module, not a name
                yield (sub if (ROOT / sub.replace(".", "/")).exists()
                       or (ROOT / (sub.replace(".", "/") + ".py")).exists() else target), alias.name, node.lineno


def _violations():
    found = []
    for module, is_pkg, path in _modules():
        src = layer(module)
        if src is None:
            continue
        for target, name, line in _imports(module, is_pkg, path):
            dst = layer(target)
            where = f"{path.relative_to(ROOT)}:{line}"
            if dst is not None and dst != src and (RANK[dst] > RANK[src] or RANK[dst] == RANK[src]):
                if (module, target) not in KNOWN:
                    found.append(f"{where}: {module} ({src}) imports {target} ({dst})")
            if (name and name.startswith("_") and not name.startswith("__")
                    and target.split(".")[0] in PACKAGES and target.split(".")[0] != module.split(".")[0]):
                found.append(f"{where}: {module} imports the private name {target}.{name}")
    return found


def test_every_import_follows_the_layers():
    found = _violations()
    assert not found, "imports against the layering:\n" + "\n".join(found)


def test_the_known_exceptions_still_exist():
    # an exception that no longer happens must leave the list (it may not come back unnoticed)
    present = set()
    for module, is_pkg, path in _modules():
        for target, _, _ in _imports(module, is_pkg, path):
            present.add((module, target))
    assert KNOWN <= present, f"no longer imported, remove from KNOWN: {sorted(KNOWN - present)}"


@pytest.mark.parametrize("module,expected", [
    ("workbench.core", "core"), ("workbench.ops.nn", "core"), ("workbench.nn", "core"),
    ("workbench.keras.layers.core", "kit"), ("workbench.compiler.trace", "compiler"),
    ("gradients.walk", "gradients"), ("workbench.tracking.buffer", "kit"), ("numpy", None),
])
def test_layer_of_a_module(module, expected):
    assert layer(module) == expected


def test_function_local_imports_say_why():
    """An import inside a function (a lazy optional dependency, a circular import within a
    package) carries a comment saying why, on its line or the line above."""
    silent = []
    for module, _, path in _modules():
        lines = path.read_text(encoding="utf-8").split("\n")
        tree = ast.parse("\n".join(lines), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    line, above = lines[sub.lineno - 1], lines[sub.lineno - 2].strip()
                    if "#" not in line and not above.startswith("#"):
                        silent.append(f"{path.relative_to(ROOT)}:{sub.lineno}: {line.strip()}")
    assert not sorted(set(silent)), "function-local imports without a reason:\n" + "\n".join(sorted(set(silent)))
