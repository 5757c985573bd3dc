"""Alerts: rules over the marts after each build, a state store with their history, delivery with a retry spool."""
