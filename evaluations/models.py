"""Models of the evaluations app (see ARCHITECTURE.md); filled in by its workflow issue."""
