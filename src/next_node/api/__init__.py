"""The REST API: reads the index (and the chain, for the head and the relay); never writes."""
