"""Who may see a track: the one rule every reader of the tracks read model applies."""

from __future__ import annotations

import pytest

from tuneton.domain.track.rules import visible_to


@pytest.mark.parametrize(
    ("visibility", "viewer", "visible"),
    [("private", "owner", True), ("private", "other", False), ("private", None, False),
     ("unlisted", "other", True), ("public", None, True)],
)  # fmt: skip
def test_private_tracks_exist_only_for_their_owner(visibility: str, viewer: str | None, visible: bool) -> None:
    assert visible_to(visibility=visibility, owner_id="owner", viewer=viewer) is visible
