"""Views of the inspections app: ``tasks`` (the flow's human steps) and ``staff`` (inspection and notice
pages, the phone's draft saving, and the actions outside the flow)."""
