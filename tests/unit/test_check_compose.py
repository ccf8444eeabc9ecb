"""infra/check_compose.py: the compose file passes, and a registry that would forget its schemas does not."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def check_compose() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_compose", ROOT / "infra" / "check_compose.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_compose_file_passes(check_compose: ModuleType) -> None:
    assert check_compose.check(ROOT / "docker-compose.yml") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r["environment"].pop("APICURIO_STORAGE_SQL_KIND"), "APICURIO_STORAGE_SQL_KIND"),
        (lambda r: r["environment"].update(APICURIO_DATASOURCE_URL="jdbc:h2:mem:x"), "APICURIO_DATASOURCE_URL"),
        (lambda r: r.pop("depends_on"), "must depend on postgres"),
    ],
)
def test_a_registry_without_persistent_schemas_is_refused(
    check_compose: ModuleType, tmp_path: Path, change: object, problem: str
) -> None:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    change(data["services"]["registry"])  # type: ignore[operator]
    (tmp_path / "infra").symlink_to(ROOT / "infra")  # the bind mounts resolve beside the copy
    copy = tmp_path / "docker-compose.yml"
    copy.write_text(yaml.safe_dump(data))
    problems = check_compose.check(copy)
    assert len(problems) == 1
    assert problem in problems[0]
