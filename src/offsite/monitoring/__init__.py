"""Rule evaluation, check results and findings."""
