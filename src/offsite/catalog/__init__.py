"""The supervision item list: scenarios, rules, thresholds, periods."""
