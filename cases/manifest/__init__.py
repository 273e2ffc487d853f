"""Manifest import (issue 16): reading a flight's list (`reading`), its rows as people (`rows`) and
the duplicate check for all of them at once (`matching`). The writes are in cases/actions/manifest.py."""
