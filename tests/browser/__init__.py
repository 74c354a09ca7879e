"""Scenarios in a real browser (Debian's Chromium through Playwright); see conftest.py."""
