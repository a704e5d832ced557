"""Run the registry CLI with the fake extractor installed (for subprocess tests)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_extract  # noqa: E402

fake_extract.install()
from kzinvest.registry.cli import make_app  # noqa: E402

make_app()(prog_name="kzinvest")
