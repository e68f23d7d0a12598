"""Models of the casework app (see ARCHITECTURE.md); filled in by its workflow issue."""
