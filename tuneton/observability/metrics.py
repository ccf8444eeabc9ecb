"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_LATENCY = Histogram(
    "tuneton_http_request_seconds",
    "HTTP request latency by route template and status class.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMMAND_LATENCY = Histogram(
    "tuneton_command_outcome_seconds",
    "Time from accepting a command at the edge to receiving the decider's outcome.",
    ["command_type", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AGE_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 10)
COMMAND_APPEND = Histogram(
    "tuneton_command_append_seconds",
    "Serving process: time from handing a command's record to the event log to its acknowledgement "
    "(Kafka: the produce request and the broker's acks=all answer; embedded: the group's SQLite commit). "
    "Commands handed to the embedded worker are appended there and not counted.",
    buckets=AGE_BUCKETS,
)
DECIDER_COMMAND_AGE = Histogram(
    "tuneton_decider_command_age_seconds",
    "Kafka decider: a command's age (now minus its record's timestamp) when it reaches a stage: arrived "
    "(handed over by the stream, before the batch window), and when its batch is handed (taken from the "
    "stream), durable (its snapshots acknowledged), sent (its events and outcome "
    "acknowledged, and every earlier batch's). Where the command's hop goes; the timestamp is the API host's clock.",
    ["stage"],
    buckets=AGE_BUCKETS,
)
EVENTS_PROCESSED = Counter(
    "tuneton_records_processed_total", "Records handled by a processor, by consumer group.", ["group"]
)
DEAD_LETTERS = Counter(
    "tuneton_dead_letters_total", "Records sent to the dead-letter topic, by consumer group.", ["group"]
)
CONSUMER_LAG = Gauge(
    "tuneton_consumer_lag_records",
    "Records not yet applied: log end minus the projector's stored position (read store, not Kafka offsets).",
    ["group", "topic"],
)
PROJECTOR_POSITION = Gauge(
    "tuneton_projector_position_records",
    "The projector's stored next offsets summed over partitions; flat while lag > 0 means it stopped.",
    ["group", "topic"],
)

RENDERS_STARTED = Counter("tuneton_renders_started_total", "Renders started by this render processor")
RENDERS_COALESCED = Counter(
    "tuneton_renders_coalesced_total", "Render requests that joined a render already in flight (redeliveries)"
)
RENDERS_FAILED = Counter("tuneton_renders_failed_total", "Renders that ended in RenderFailed", ["reason"])
RENDERS_RETRIED = Counter(
    "tuneton_renders_retried_total", "Unexpected render failures, each tried again or, the last, reported failed"
)
RENDER_FIRST_SEGMENT = Histogram(
    "tuneton_render_first_segment_seconds",
    "From job start to the first segment stored in the blob store",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0),
)
RENDER_SECONDS = Histogram(
    "tuneton_render_seconds",
    "Wall time of a whole render, job start to the last object stored",
    buckets=(1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300),
)
POSITION_GAPS = Counter(
    "tuneton_projector_position_gaps_total",
    "Batches that started past the projection's stored position; the skipped records were read and applied.",
    ["group"],
)
STORE_RETRIES = Counter(
    "tuneton_store_retries_total",
    "Failed attempts to persist a batch (read store, search index, log) that a processor retried.",
    ["group"],
)
STREAMS_REFUSED = Counter(
    "tuneton_streams_refused_total",
    "Audio requests refused with 429 too_many_streams: the user already played max_streams_per_user streams.",
)
