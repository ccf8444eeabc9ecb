"""Sample playlist activity for the analyst examples in docs/topic-contract.md.

    tuneton serve --data-dir /tmp/sample &        # embedded, nothing else needed
    python docs/examples/playlist_activity.py http://127.0.0.1:8080
    tuneton --data-dir /tmp/sample events export tuneton.playlist.events --out /tmp/export

Six users build playlists from a pool of ten tracks, then reorder and prune them; seeded, so every run
issues the same commands (ids and times differ).
"""

from __future__ import annotations

import random
import sys

import httpx

TRACKS = [f"track-{n:02d}" for n in range(10)]


def main(base: str) -> None:
    """Issue the sample commands against the API at ``base``."""
    rng = random.Random(7)  # noqa: S311 - sample data, not security
    for user in ("ann", "bo", "cy", "di", "ed", "flo"):
        with httpx.Client(base_url=base, headers={"X-Tuneton-User": user}, timeout=60) as api:
            for name in rng.sample(["Road trip", "Focus", "Gym", "Sunday"], rng.randint(1, 2)):
                playlist = api.post("/v1/playlists", json={"name": name}).json()["aggregate_id"]
                token = ""
                for track in rng.sample(TRACKS, rng.randint(3, 7)):
                    added = api.post(f"/v1/playlists/{playlist}/items", json={"track_id": track})
                    token = added.raise_for_status().json()["consistency_token"]
                body = api.get(f"/v1/playlists/{playlist}", params={"consistency": token}).json()
                items = [item["item_id"] for item in body["items"]]
                for _ in range(rng.randint(0, 3)):  # move an item to the front
                    move = {"after_item_id": None}
                    api.post(f"/v1/playlists/{playlist}/items/{rng.choice(items)}/move", json=move).raise_for_status()
                if rng.random() < 0.5:
                    api.delete(f"/v1/playlists/{playlist}/items/{rng.choice(items)}").raise_for_status()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
