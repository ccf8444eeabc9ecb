"""The distributed runtime's log side: Kafka (aiokafka on the async paths, confluent admin for topics)."""
