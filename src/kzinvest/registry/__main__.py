"""`python -m kzinvest.registry ...`: the registry commands without the rest of the CLI."""
from kzinvest.registry.cli import make_app

make_app()()
