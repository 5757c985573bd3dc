"""The read-only web dashboard: server-rendered pages, Plotly charts fed by JSON endpoints."""
