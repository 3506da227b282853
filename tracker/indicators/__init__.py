"""Indicators (KPIs), their yearly targets and values, computed or entered."""
