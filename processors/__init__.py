"""Stream processors: the decider, the projectors and the dead-letter routing, runtime-agnostic steps
plus their two hosts (faust-streaming on Kafka, an asyncio runner on the embedded log)."""
