"""Models of the procurement app (see ARCHITECTURE.md); filled in by its workflow issue."""
