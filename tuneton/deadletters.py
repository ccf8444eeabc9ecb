"""``tuneton deadletters list|replay``: look at parked records and put the real ones back.

Only records a processor could not use end up here (undecodable, refused by a projection): a store
that was down is retried by the processors themselves, never parked (issue 8). After fixing the cause
— a schema restored to the registry, a projection bug fixed — ``replay`` appends the chosen originals
to their source topics again (:mod:`tuneton.events.deadletters` says why that is safe).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator

from tuneton.events import topics
from tuneton.events.deadletters import DeadLetterFilter, replay_record, where
from tuneton.events.envelope import DeadLetter
from tuneton.settings import Settings


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``deadletters list`` and ``deadletters replay``."""
    commands = sub.add_parser("deadletters", help="dead-letter topic tools").add_subparsers(required=True)
    listing = commands.add_parser("list", help="print matching dead letters as JSON lines")
    _filters(listing)
    listing.set_defaults(handler=_list)
    replay = commands.add_parser("replay", help="append matching dead letters' records to their source topics")
    _filters(replay)
    replay.add_argument("--dry-run", action="store_true", help="only print what would be replayed")
    replay.set_defaults(handler=_replay)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topic", help="source topic of the parked record")
    parser.add_argument("--partition", type=int, help="source partition")
    parser.add_argument("--from-offset", type=int, help="lowest source offset (inclusive)")
    parser.add_argument("--to-offset", type=int, help="highest source offset (inclusive)")
    parser.add_argument("--error-type", help="error kind, e.g. UndecodableRecord")
    parser.add_argument("--key", help="record key (aggregate id)")
    parser.add_argument("--processor", help="consumer group that parked it, e.g. tuneton-projector-search")


def _filter(args: argparse.Namespace) -> DeadLetterFilter:
    return DeadLetterFilter(
        topic=args.topic,
        partition=args.partition,
        from_offset=args.from_offset,
        to_offset=args.to_offset,
        error_type=args.error_type,
        key=args.key,
        processor=args.processor,
    )


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> None:
        async for letter in matching(settings, _filter(args)):
            print(json.dumps(_describe(letter), ensure_ascii=False), flush=True)

    asyncio.run(run())
    return 0


def _replay(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> int:
        from tuneton.bootstrap import build_runtime

        chosen = [letter async for letter in matching(settings, _filter(args))]
        records = [replay_record(letter) for letter in chosen if letter.value is not None]
        if not args.dry_run and records:
            rt = build_runtime(settings)
            await rt.event_log.start()
            try:
                await rt.event_log.append(records)
            finally:
                await rt.event_log.close()
        for letter in chosen:
            state = "skipped: no value" if letter.value is None else "dry run" if args.dry_run else "replayed"
            print(json.dumps({**_describe(letter), "replay": state}, ensure_ascii=False), flush=True)
        return 0

    return asyncio.run(run())


async def matching(settings: Settings, wanted: DeadLetterFilter) -> AsyncIterator[DeadLetter]:
    """Every dead letter up to the topic's end (as seen at the start) that ``wanted`` matches."""
    from tuneton.bootstrap import build_runtime

    rt = build_runtime(settings)
    await rt.event_log.start()
    await rt.codec.start()
    try:
        ends = await rt.event_log.end_offsets(topics.DEADLETTER)
        subscription = await rt.event_log.subscribe([topics.DEADLETTER], group=None, from_beginning=True)
        try:
            while not _reached(await subscription.positions(), ends):
                for record in await subscription.poll(max_records=500, wait_s=0.5):
                    letter = await rt.codec.decode_deadletter(record.value)
                    if wanted.matches(letter):
                        yield letter
        finally:
            await subscription.close()
    finally:
        await rt.event_log.close()


def _reached(positions: dict[tuple[str, int], int], ends: dict[int, int]) -> bool:
    return all(positions.get((topics.DEADLETTER, p), 0) >= end for p, end in ends.items())


def _describe(letter: DeadLetter) -> dict[str, object]:
    return {
        "source": where(letter),
        "processor": letter.processor,
        "error_type": letter.error_type,
        "error": letter.error,
        "key": letter.key.decode("utf-8", "replace") if letter.key is not None else None,
        "value_bytes": None if letter.value is None else len(letter.value),
        "failed_at": letter.failed_at.isoformat(),
    }
