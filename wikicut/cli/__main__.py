"""`python -m wikicut.cli`."""

from . import main

main()
