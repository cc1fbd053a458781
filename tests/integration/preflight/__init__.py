"""Helpers of the preflight integration tests (tests/integration/test_preflight*.py)."""
