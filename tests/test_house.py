"""The shape of the house, read from the imports: data flows one way (crawlers never import the analysis
package) and no module takes a private name from another."""

from __future__ import annotations

import ast
from pathlib import Path

from scrapy.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crawlers", "reputation", "reports")


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Every import in the module, at top level or inside a function: (module, names, line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
    return found


def test_the_crawlers_never_import_the_analysis_package():
    offending = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                 for path in modules("crawlers") for module, _, line in imports(path)
                 if module.split(".")[0] in ("reputation", "reports")]
    assert offending == []


def test_no_module_imports_a_private_name_from_another():
    offending = [f"{path.relative_to(ROOT)}:{line} takes {name} from {module}"
                 for package in PACKAGES for path in modules(package)
                 for module, names, line in imports(path) if module.split(".")[0] in PACKAGES
                 for name in names if name.startswith("_") and not name.startswith("__")]
    assert offending == []


def test_the_crawl_child_hands_the_store_in_after_the_stamp(sqlite_url):
    from reputation.crawl_child import prepare
    from reputation.crawl_store import PIPELINE
    from reputation.db import get_engine

    get_engine(sqlite_url)  # a database with its schema
    settings = Settings({"ITEM_PIPELINES": {"crawlers.pipelines.StampPipeline": 100}, "REPMON_DB": sqlite_url})
    lock = prepare(settings)
    try:
        pipelines = settings.getdict("ITEM_PIPELINES")
        assert list(pipelines) == ["crawlers.pipelines.StampPipeline", PIPELINE]
        assert pipelines[PIPELINE] > pipelines["crawlers.pipelines.StampPipeline"]
    finally:
        lock.release()


def test_without_a_database_the_crawl_child_stores_nothing():
    from reputation.crawl_child import prepare

    settings = Settings({"ITEM_PIPELINES": {"crawlers.pipelines.StampPipeline": 100}})
    assert prepare(settings) is None
    assert list(settings.getdict("ITEM_PIPELINES")) == ["crawlers.pipelines.StampPipeline"]
