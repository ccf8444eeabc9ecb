"""The query API: reads the read models, honouring consistency tokens for read-your-writes."""
