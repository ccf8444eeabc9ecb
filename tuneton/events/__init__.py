"""The event contract at the edge: topics, envelopes and the Avro codec (Confluent wire format)."""
