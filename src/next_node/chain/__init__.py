"""The chain side of the gateway: the embedded anvil node and typed access to the ledger."""
