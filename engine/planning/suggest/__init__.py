"""Suggested plans: partitions of administrative units and body mergers that meet targets."""
