"""`python -m khavaran` runs the command line."""

from khavaran.cli import main

main()
