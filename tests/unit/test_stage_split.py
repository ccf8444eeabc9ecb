"""The backbone benchmark's split of a process's CPU per command into stages, and its edge-only
requests (benchmarks/command_load.py).

The stacks are shortened from real py-spy samples of the Faust worker and the Kafka API process: a
frame the split does not know (a renamed agent, a new aiokafka task) would silently land in the
residual "other" row, which is how the worker's CPU went unsplit until the eleventh session.
"""

from __future__ import annotations

import pytest

from benchmarks.command_load import refused_at_the_edge, stage_split

F = "(faust_app.py:140)"
SAMPLES = {
    f"Agent._execute_actor (agent.py:1);_decider_agent.<locals>.decide {F};decide_batch (decider_batch.py:9)": (
        "decider: decide, encode events and outcome"
    ),
    f"_decider_agent.<locals>.decide {F};decide_batch (decider_batch.py:9);dump (snapshots.py:3)": "decider: snapshot",
    "OrderedPipeline._finish (decider_pipeline.py:80);Channel._send_now (channel.py:1);Producer.send (producer.py:2)": (
        "decider: awaiting the changelog, events and outcome sends"
    ),
    f"_projector_agent.<locals>.project {F};_Sink._persist (sinks.py:1);PostgresReadStore.apply (readstore.py:2)": (
        "projection"
    ),
    "Sender._send_produce_req (sender.py:1);SendProduceReqHandler.do (sender.py:2);AIOKafkaClient.send (client.py:3)": (
        "Kafka client: produce requests"
    ),
    "ThreadDelegateConsumer._getmany (consumer.py:1);AIOKafkaConsumerThread.getmany (aiokafka.py:2)": (
        "Kafka client: fetches"
    ),
    "Fetcher._fetcher (fetcher.py:1);Fetcher._proc_fetch_request (fetcher.py:2)": "Kafka client: fetches",
    "Coordinator._heartbeat_routine (group.py:1);AIOKafkaClient.send (client.py:3)": (
        "Kafka client: other requests (offset commits, heartbeats, metadata)"
    ),
    "run_asgi (httptools_impl.py:1);add_track (playlists.py:2);dispatch (dispatch.py:3);CommandBus.submit (bus.py:4)": (
        "append or hand-off (edge → log)"
    ),
    "Grouped._flush (grouped.py:1);CommandBus.use_hand_off.<locals>.flush (bus.py:2);packed (peer_link.py:3)": (
        "append or hand-off (edge → log)"
    ),
    "PeerLink._readable (peer_link.py:1);HandedCommands._append (embedded_worker.py:2)": (
        "append or hand-off (edge → log)"
    ),
    "DeciderRunner.process (embedded.py:1);_send_outcomes (embedded_worker.py:2)": (
        "outcome listener, or outcomes over the worker's link"
    ),
    "run_asgi (httptools_impl.py:1);add_track (playlists.py:2);visible_track (track_access.py:3)": (
        "edge: track visibility lookup"
    ),
    "BaseEventLoop._run_once (base_events.py:1);EpollSelector.select (selectors.py:2)": "other (event loop, GC)",
}


@pytest.mark.parametrize(("stack", "stage"), SAMPLES.items(), ids=list(SAMPLES.values()))
def test_each_sampled_stack_lands_in_its_stage(stack: str, stage: str) -> None:
    assert stage_split(f"{stack} 3\n", cpu_ms=2.0) == {stage: 2.0}


def test_a_process_s_cpu_is_divided_in_proportion_to_its_samples() -> None:
    stacks = list(SAMPLES)
    raw = f"{stacks[0]} 6\n{stacks[4]} 3\n\n{stacks[4]} 1\n"  # the same stack may come on several lines
    assert stage_split(raw, cpu_ms=5.0) == {
        "decider: decide, encode events and outcome": 3.0,
        "Kafka client: produce requests": 2.0,
    }
    assert stage_split("", cpu_ms=5.0) == {}


def test_requests_refused_at_the_edge_name_another_client_s_track() -> None:
    targets = ";".join(f'/v1/playlists/p{n}/items|token{n}|{{"track_id": "t{n}"}}' for n in range(3))
    refused = [entry.split("|") for entry in refused_at_the_edge(targets).split(";")]
    own = [(f"/v1/playlists/p{n}/items", f"token{n}") for n in range(3)]
    assert [(path, token) for path, token, _ in refused] == own
    assert [body for _, _, body in refused] == ['{"track_id": "t1"}', '{"track_id": "t2"}', '{"track_id": "t0"}']
