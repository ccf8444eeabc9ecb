"""Commands at load, measured with ``wrk``, beside a no-op GET in the same run; CPU per request; stages.

The figures the backbone benchmark reports for issue 12's first aim: add-track commands per second
from 16 connections (each command answered only after the decider's verdict), the same server's
``GET /healthz`` rate (the ceiling of this HTTP stack on this machine), their ratio, and the CPU
seconds the product's processes spent per request (from ``/proc/<pid>/stat``, so it holds on a busy
machine where rates do not). With ``--profile`` (needs ``py-spy``, a dev dependency) every product
process is sampled during the command phase and its CPU per command is split into stages.
"""

from __future__ import annotations

import collections
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from benchmarks import machine_cpu, pyspy, wrk
from benchmarks.product_env import auth_headers

NOOP = 'request = function() return wrk.format("GET", "/healthz") end\n'

# Each request goes to the next of the prepared (playlist, token, body) targets, round robin.
ADD_TRACK = """
local targets = {}
for entry in string.gmatch(os.getenv("BENCH_TARGETS"), "[^;]+") do
  local path, token, body = string.match(entry, "([^|]+)|([^|]+)|(.+)")
  table.insert(targets, {path = path, body = body,
    headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}})
end
local n = 0
request = function()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  return wrk.format("POST", t.path, t.headers, t.body)
end
"""

SERVING = ("serve", "api")  # the benchmark's label of the ``tuneton serve`` process, embedded / Kafka

# Where a sampled stack's time belongs: the first stage one of whose frame names occurs in it. The
# names cover both hosts: the embedded runners, and the Faust worker's agents (``<locals>`` functions of
# processors/faust_app.py) with the aiokafka client's own tasks and consumer thread, which the Kafka
# runtime's processes spend a third of their samples in and which no product frame calls directly.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    (
        "append or hand-off (edge → log)",
        (
            "EmbeddedEventLog.append", "KafkaEventLog.append", "CommandBus.submit", "EmbeddedWorker.hand_off",
            "HandedCommands.", "use_hand_off.<locals>.flush",
        ),
    ),
    ("decider: commit (events, outcome, snapshot, offsets)", ("EmbeddedEventLog.transact",)),
    ("decider: snapshot", ("dump (",)),
    ("decider: decode", ("DeciderStep.decode",)),
    ("outcome listener, or outcomes over the worker's link", ("CommandBus._listen", "CommandBus.resolve", "_send_outcomes")),
    ("decider: decide, encode events and outcome", ("DeciderRunner", "_decider_agent.<locals>.decide")),
    ("decider: awaiting the changelog, events and outcome sends", ("OrderedPipeline.",)),
    ("projection", ("ProjectorRunner", "_projector_agent.<locals>.project")),
    ("search index", ("SearchRunner", "_search_agent.<locals>.index")),
    ("edge: sign-in check", ("Authenticator.identify",)),
    ("edge: track visibility lookup", ("visible_track",)),
    ("edge: FastAPI dependencies", ("solve_dependencies",)),
    ("edge: HTTP, routing, validation, response", ("run_asgi", "HttpToolsProtocol", "RequestResponseCycle")),
    ("Kafka client: produce requests", ("Sender._sender_routine", "Sender._send_produce_req", "SendProduceReqHandler")),
    ("Kafka client: fetches", ("Fetcher.", "AIOKafkaConsumerThread", "ThreadDelegateConsumer", "Consumer.getmany")),
    ("Kafka client: other requests (offset commits, heartbeats, metadata)", ("AIOKafkaClient.", "AIOKafkaConnection.")),
]


async def prepare_targets(base: str, env: dict[str, str], clients: int, make_track: Any) -> str:
    """One playlist and one visible track per client; the Lua script's ``BENCH_TARGETS`` value."""
    entries = []
    # Users of this run only: a track's id is its bytes' and its uploader's, and on Kafka the decider's
    # state outlives the run's read-model database. A user of an earlier run uploading the same tone again
    # got a duplicate with nothing new to wait for, and its track was missing from this run's database.
    run = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        for n in range(clients):
            user = f"wrk{n}-{run}"
            headers = auth_headers(env, user)
            created = await api.post("/v1/playlists", json={"name": f"wrk {n}"}, headers=headers)
            created.raise_for_status()
            track = await make_track(api, env, user)
            token = headers["Authorization"].split()[1]
            entries.append(
                f"/v1/playlists/{created.json()['aggregate_id']}/items|{token}|{json.dumps({'track_id': track})}"
            )
    return ";".join(entries)


def refused_at_the_edge(targets: str) -> str:
    """The same requests as ``targets``, each naming the next client's track instead of its own.

    Tracks are private to their uploader, so every request is refused with 404 ``track_not_found``
    by the route itself, after all of the edge (middleware, routing, the credentials, the
    Idempotency-Key, the path and body validation, the track lookup) and before anything reaches the
    log. Its rate is what the serving process can do with no backbone behind it: the ceiling of this
    HTTP edge for these commands, beside which the commands' rate shows what the backbone costs. A
    refusal's lookup is read afresh (commands/track_access.py): in-process SQLite on the embedded
    runtime, a PostgreSQL round trip on Kafka, where the figure would not be the edge's alone.
    """
    entries = [entry.rsplit("|", 1) for entry in targets.split(";")]
    bodies = [body for _, body in entries]
    rotated = bodies[1:] + bodies[:1]
    return ";".join(f"{head}|{body}" for (head, _), body in zip(entries, rotated, strict=True))


def measure(
    base: str,
    script: str,
    work: Path,
    pids: list[int],
    *,
    connections: int,
    seconds: int,
    env: dict[str, str],
    labels: list[str] | None = None,
) -> dict[str, Any]:
    """One wrk phase and the CPU the product's processes spent per request during it (``labels``:
    a name per pid, for the split by process), and the whole machine's (benchmarks/machine_cpu.py)."""
    before = machine_cpu.snapshot(pids)
    figures = wrk.run(base, script, work, connections=connections, seconds=seconds, env=env)
    after = machine_cpu.snapshot(pids)
    spent = [after.processes[pid][1] - before.processes[pid][1] for pid in pids]
    requests = max(1, figures["requests"])
    figures["product_cpu_ms_per_request"] = round(sum(spent) * 1000 / requests, 3)
    figures |= machine_cpu.per_request(before, after, requests)
    if len(pids) > 1:
        names = labels or [str(pid) for pid in pids]
        figures["cpu_ms_per_request_by_process"] = {
            name: round(s * 1000 / requests, 3) for name, s in zip(names, spent, strict=True)
        }
    return figures


def profiled(
    base: str,
    work: Path,
    pids: list[int],
    *,
    targets: str,
    connections: int,
    seconds: int,
    labels: list[str] | None = None,
) -> dict[str, Any]:
    """The command phase with py-spy sampling every product process; figures plus each one's stage split.

    Each split divides that process's own CPU per command (``cpu_ms_per_request_by_process``) among its
    stages; ``stages_ms_per_command`` is the serving process's (``tuneton serve``).
    """
    names = labels or [str(pid) for pid in pids]
    raws = [work / f"commands-{n}.pyspy" for n in range(len(pids))]
    samplers = [pyspy.record(pid, raw, seconds) for pid, raw in zip(pids, raws, strict=True)]
    figures = measure(
        base,
        ADD_TRACK,
        work,
        pids,
        connections=connections,
        seconds=seconds,
        env={"BENCH_TARGETS": targets},
        labels=labels,
    )
    for sampler in samplers:
        sampler.wait(timeout=seconds + 60)
    own = figures.get("cpu_ms_per_request_by_process", {names[0]: figures["product_cpu_ms_per_request"]})
    splits = {name: stage_split(raw.read_text(), own[name]) for name, raw in zip(names, raws, strict=True)}
    figures["stages_ms_per_command"] = splits[next((n for n in names if n in SERVING), names[0])]
    if len(splits) > 1:
        figures["stages_ms_per_command_by_process"] = splits
    return figures


def stage_split(raw: str, cpu_ms: float) -> dict[str, float]:
    """py-spy's raw (collapsed) stacks → CPU ms per command per stage, in proportion to the samples."""
    samples: collections.Counter[str] = collections.Counter()
    total = 0
    for stack, count in pyspy.stacks(raw):
        total += count
        stage = next((name for name, frames in STAGES if any(f in stack for f in frames)), "other (event loop, GC)")
        samples[stage] += count
    return {name: round(cpu_ms * n / total, 3) for name, n in samples.most_common()} if total else {}
