"""Pages for action plans (plans.py), readings (measurements.py) and a program's thresholds (thresholds.py)."""
