"""The console for authorities and the portal for units, and the `run` job."""
