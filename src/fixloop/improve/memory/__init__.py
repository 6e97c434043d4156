"""Typed memory admitted through CI: `MemoryCard` and its lifecycle (`card`), the scan, the
replay through the gate (`ci`), retrieval into the agent's context, and extraction from
stored trajectories."""
