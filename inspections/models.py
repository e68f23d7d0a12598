"""Models of the inspections app (see ARCHITECTURE.md); filled in by its workflow issue."""
