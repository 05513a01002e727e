"""The durable outbox: outbound work written in the same transaction as its cause."""
