import { Icon } from "../ui/icons";
import { useEffect } from "preact/hooks";
import { player } from "../player/player";
import { useStore } from "../store";
import { TrackRow } from "../ui/components";

/** The session's queue (the server's: the same on every device), refreshed when the screen opens. */
export function QueueView() {
  const q = useStore(player.queue.state);
  useEffect(() => { void player.queue.refresh().catch(() => undefined); }, []);
  if (q.items.length === 0) return <p class="hint">The queue is empty. Play something from Home or Search.</p>;
  return (
    <ul class="list">{q.items.map((e, i) => (
      <TrackRow key={e.item_id} cover={null} title={e.title} sub={e.available ? e.artists.join(", ") : "No longer available"}
        current={i === q.index} openLabel={`Play ${e.title}`} onOpen={() => void player.jump(e.item_id)}>
        <button class="icon" aria-label={`Move ${e.title} up`} disabled={i === 0} onClick={() => void player.queue.move(i, i - 1)}><Icon name="up" /></button>
        <button class="icon" aria-label={`Move ${e.title} down`} disabled={i === q.items.length - 1} onClick={() => void player.queue.move(i, i + 1)}><Icon name="down" /></button>
        <button class="icon danger" aria-label={`Remove ${e.title} from the queue`} onClick={() => void player.removeFromQueue(e.item_id)}><Icon name="remove" /></button>
      </TrackRow>))}</ul>
  );
}
