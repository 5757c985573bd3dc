"""Tests of the dbt project and the warehouse build-then-swap."""
