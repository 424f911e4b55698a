"""Events, their lifecycle and the sweeper."""
