"""The citizen's wallet: keys in encrypted keystores, payments signed locally, sent to a node."""
