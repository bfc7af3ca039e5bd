"""The web app's generated TypeScript is what scripts/webapp_types.py writes today: no ABI, member
kind or route shape that the contracts or the gateway changed since stays in the app."""

from __future__ import annotations

import importlib.util
import re

from tests.paths import ROOT

GENERATED = ROOT / "webapp" / "src" / "generated"
EXPORT = re.compile(r"^export const (\w+)", re.M)
NAMESPACE = re.compile(r'import \* as (\w+) from "\.\./generated/(\w+)\.js"')


def _generator():
    spec = importlib.util.spec_from_file_location("webapp_types", ROOT / "scripts" / "webapp_types.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_typescript_is_current():
    written = _generator().generated()
    assert sorted(written) == sorted(path.name for path in GENERATED.glob("*.ts"))
    for name, text in written.items():
        assert (GENERATED / name).read_text() == text, f"webapp/src/generated/{name} is stale: run make webapp-types"


def test_the_app_calls_only_functions_the_contracts_have():
    """What a view takes from a generated module exists there: tsc checks the TypeScript views, and
    this the JavaScript ones too (esbuild would bundle an undefined fragment without a word)."""
    exported = {path.stem: set(EXPORT.findall(path.read_text())) for path in GENERATED.glob("*.ts")}
    used = 0
    for source in (ROOT / "webapp" / "src").rglob("*.[jt]s"):
        text = source.read_text()
        for alias, module in NAMESPACE.findall(text):
            for name in re.findall(rf"(?<![/\w]){alias}\.(\w+)", text):
                used += 1
                assert name in exported[module], f"{source.name}: {alias}.{name} is not a function of {module}"
    assert used >= 10, "the views take their contracts' functions from the generated modules"
