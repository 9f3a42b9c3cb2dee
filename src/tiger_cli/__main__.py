"""``python -m tiger_cli`` runs tiger-worker."""

from tiger_cli.main import main

main()
