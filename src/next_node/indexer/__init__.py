"""The indexer: chain logs -> decoded events -> one database transaction per batch of blocks."""
