"""Shared code of the clickstream KPI jobs: read bronze -> pure transformations -> write Iceberg."""
