"""``python -m tiger_cli.admin`` runs the ``tiger`` admin command."""

from tiger_cli.admin.main import main

main()
