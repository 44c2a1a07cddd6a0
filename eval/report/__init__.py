"""Writers for what a run produces: tables, per-system reports, the HTML report."""
