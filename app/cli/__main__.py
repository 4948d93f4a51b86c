"""``python -m app.cli``: the same as the ``codecommons`` console script."""

from app.cli.main import main

main()
