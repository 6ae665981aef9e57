"""The planner's workbench: server-rendered pages over the same library calls."""
