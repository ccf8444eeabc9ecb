"""The listening read model: sessions, queues and the listening history."""
