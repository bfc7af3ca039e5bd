"""The independent auditor: `next-audit` verifies the contracts, the chain, the ledger and the gateway.

It shares no code with the gateway (next_node): it reads the chain over JSON-RPC, rebuilds the ledger
from the events with its own decoder, and compares. It uses only the shipped artifacts and build
procedure (next_contracts) and the base dependencies.
"""
