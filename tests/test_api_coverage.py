"""README's supported-API table is what tools/api_coverage.py generates from the pyfapi under test
against Keras 3's frozen public list (tools/keras_public_api.json)."""
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "tools", "api_coverage.py")

pytestmark = pytest.mark.skipif(not os.path.isfile(TOOL), reason="tools/ is not in this tree")


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("api_coverage", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_table_is_current(tool):
    fresh = tool.render(tool.load_frozen())
    assert tool.readme_block() == fresh, (
        "README.md's supported-API table is stale (the package's public names changed). "
        f"Regenerate it from the repository root with:  {tool.REGEN}")


def test_coverage_counts_names_pyfapi_exports(tool):
    frozen = {"keras_version": "3.x", "modules": {
        "layers": ["Dense", "NoSuchLayerInPyfapi"], "datasets": ["mnist", "no_such_dataset"]}}
    rows = {mod: (names, missing) for mod, names, missing in tool.coverage(frozen)}
    assert rows["layers"] == (["Dense", "NoSuchLayerInPyfapi"], ["NoSuchLayerInPyfapi"])
    assert rows["datasets"][1] == ["no_such_dataset"]
    assert rows["ops"] == ([], [])  # modules absent from the frozen list count nothing
    text = tool.render(frozen)
    assert "| `keras.layers` | 2 | 1 (50%) | 1 |" in text
    assert "`NoSuchLayerInPyfapi`" in text and text.startswith(tool.START)


def test_write_is_idempotent_and_only_touches_the_block(tool, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{tool.START}\nold\n{tool.END}\n\nafter\n")
    assert tool.write(str(readme)) is True
    first = readme.read_text()
    assert tool.write(str(readme)) is False
    assert readme.read_text() == first
    assert first.startswith("# title\n\n") and first.endswith(f"{tool.END}\n\nafter\n")
