"""The SQL index: what the indexer writes and the API reads."""
