"""The shipped plans (YAML), written by scripts/make_plans.py."""
