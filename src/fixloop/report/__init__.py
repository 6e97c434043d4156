"""Reports: the self-contained HTML report with its charts, and the terminal tables."""
