"""Self-improvement: reflection, retry with improvement plans, the eval-feedback loop."""
