import { Icon } from "../ui/icons";
import { player } from "../player/player";
import { useStore } from "../store";
import { TrackRow } from "../ui/components";

export function QueueView() {
  const q = useStore(player.queue.state);
  if (q.entries.length === 0) return <p class="hint">The queue is empty. Play something from Home or Search.</p>;
  return (
    <ul class="list">{q.entries.map((e, i) => (
      <TrackRow key={`${e.track_id}-${i}`} cover={null} title={e.title} sub={e.artists.join(", ")} current={i === q.index}
        openLabel={`Play ${e.title}`} onOpen={() => void player.openEntry(player.queue.jump(i))}>
        <button class="icon" aria-label={`Move ${e.title} up`} disabled={i === 0} onClick={() => player.queue.move(i, i - 1)}><Icon name="up" /></button>
        <button class="icon" aria-label={`Move ${e.title} down`} disabled={i === q.entries.length - 1} onClick={() => player.queue.move(i, i + 1)}><Icon name="down" /></button>
        <button class="icon danger" aria-label={`Remove ${e.title} from the queue`} onClick={() => player.queue.remove(i)}><Icon name="remove" /></button>
      </TrackRow>))}</ul>
  );
}
