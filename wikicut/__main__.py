"""`python -m wikicut`: the `wikicut` command, for an environment whose scripts are not on PATH
(a venv not activated, `pipx run`, a scheduler that calls the interpreter)."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="wikicut")
