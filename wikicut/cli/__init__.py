"""The `wikicut` command: a thin click layer over the library (everything here is importable).

Errors the user can fix are one line on stderr and an exit code (2 bad input, 3 unsafe job,
4 interrupted); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import click

from .. import __version__
from .check import diff_cmd, verify
from .common import Group
from .design import part, parts_cmd, preview, profiles_cmd
from .run import batch, gcode, nest, recut


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wikicut")
@click.option("--debug", is_flag=True, help="Show the Python traceback on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """wikicut: WikiHouse-style plywood parts to cut-ready CNC jobs.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut part wall-rib -p length=2000 -o wall-rib.dxf
      wikicut gcode out/sheet-001.dxf --profile shopbot -o programs/
      wikicut verify out/sheet-001.nc --profile grbl --sheet out/sheet-001.dxf
    """
    ctx.obj = {"debug": debug}


main.add_command(nest)
main.add_command(batch)
main.add_command(part)
main.add_command(gcode)
main.add_command(recut)
main.add_command(verify)
main.add_command(preview)
main.add_command(diff_cmd)
main.add_command(profiles_cmd)
main.add_command(parts_cmd)
