"""Worker roles: each role is its own Faust app id, i.e. its own consumer group, with only its agents."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors import roles
from processors.faust_app import create_app
from tuneton.settings import Settings

pytestmark = pytest.mark.kafka  # the app asks the cluster its size (changelog replication)


def _app(role: str, kafka_bootstrap: str, tmp_path: Path) -> tuple[str, set[str], set[str]]:
    app = create_app(Settings(worker_role=role, kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path))
    agents = {name.rsplit(".", 1)[-1] for name in app.agents}
    return app.conf.id, agents, set(app.tables)


@pytest.mark.parametrize(
    ("role", "group", "agents"),
    [
        ("playlists", "tuneton-projector-playlists", {"projector-playlists"}),
        ("search", "tuneton-projector-search", {"projector-search"}),
        ("render", "tuneton-render", {"render"}),
        ("decider", "tuneton-processors", {"decider"}),
    ],
)
def test_a_role_runs_its_agents_alone_in_its_own_group(
    role: str, group: str, agents: set[str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    app_id, got, tables = _app(role, kafka_bootstrap, tmp_path)
    assert (app_id, got) == (group, agents)
    assert bool(tables) == (role == "decider"), "only the decider recovers snapshot tables"


def test_all_runs_every_agent_in_the_decider_group(kafka_bootstrap: str, tmp_path: Path) -> None:
    app_id, agents, _ = _app("all", kafka_bootstrap, tmp_path)
    assert app_id == roles.APP_ID
    assert {"decider", "render", "projector-search", "projector-playlists", "projector-tracks"} <= agents


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown worker role 'nope'"):
        roles.group_of("nope")
