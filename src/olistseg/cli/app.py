"""The Typer application, its global options, the shared option types and the exit codes.

Exit codes: 0 success, 1 internal error, 2 bad input (a one-paragraph message, no traceback
unless ``--debug``, which keeps the exit code), 3 ``monitor`` says RETRAIN, 130 interrupted.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperOption

from olistseg import __version__
from olistseg.errors import InputError, OlistsegWarning
from olistseg.runfolder import wait_for_writers


def _flag_type_hidden(option: TyperOption, ctx: Any) -> str | None:
    # Typer 0.29's rich help prints a "<bool>" type beside every flag (--help, --quiet, --no-x),
    # which reads as if the flag took a value: flags show no type.
    return None if option.is_flag else _option_type(option, ctx)


_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type_hidden  # type: ignore[method-assign]

app = typer.Typer(
    name="olistseg",
    help="Customer Experience KPIs, customer segments and a retrain cadence from Olist data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

#: Accepted before or after the command name (``olistseg -q load`` = ``olistseg load -q``).
GLOBAL_FLAGS = ("--quiet", "-q", "--debug", "--wait")


class _State:
    quiet = False
    debug = False


state = _State()
err_console = Console(stderr=True)


def console() -> Console:
    """The console commands print to: silent with ``--quiet``."""
    return Console(quiet=state.quiet)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"olistseg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="When another olistseg is writing the same --out folder, wait for it to "
            "finish instead of exiting with code 2.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """olistseg: load Olist-schema data, answer KPI questions, segment customers.

    --quiet, --debug and --wait may also follow the command name.
    """
    state.quiet, state.debug = quiet, debug
    wait_for_writers(wait)


# Options shared by several commands, declared once.
DataOption = Annotated[
    Path,
    typer.Option(
        "--data", help="Kaggle folder (.csv, .csv.gz or .parquet files), its .zip, or an olist.db."
    ),
]
WarehouseOption = Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")]
DataInput = Annotated[
    Path | None, typer.Option("--data", help="Input data (loaded to a temporary warehouse).")
]
WarehouseInput = Annotated[Path | None, typer.Option("--warehouse", help="DuckDB warehouse file.")]
# kpi, segment and score also run on Spark, whose --data may be a URL (s3a://, hdfs://...).
EngineDataInput = Annotated[
    str | None,
    typer.Option("--data", help="Input data; with --engine spark a Parquet folder or URL."),
]
EngineOption = Annotated[
    str, typer.Option("--engine", help="duckdb (one machine) or spark (PySpark, MLlib).")
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master", help="With --engine spark: local[*], spark://HOST:7077, yarn..."
    ),
]
ModelOption = Annotated[
    Path, typer.Option("--model", help="A model folder written by `olistseg segment`.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Reference time (YYYY-MM-DD); default: the end of the last complete month."
    ),
]
SeedOption = Annotated[int, typer.Option(help="Random seed: same seed, same results.")]


def timestamp(text: str | None, option: str = "--as-of") -> dt.datetime | None:
    """The datetime an option gives (YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'), None when absent."""
    from olistseg.kpi.run import parse_timestamp  # the KPI layer loads only when a date is parsed

    return parse_timestamp(text, option) if text else None


def hoist_global_flags(argv: list[str]) -> list[str]:
    """``argv`` with the global flags moved before the command name, so that they work in
    either place; anything after ``--`` is left alone."""
    end = argv.index("--") if "--" in argv else len(argv)
    flags = [a for a in argv[:end] if a in GLOBAL_FLAGS]
    rest = [a for a in argv[:end] if a not in GLOBAL_FLAGS]
    return flags + rest + argv[end:]


def _show_warning(
    message: Warning | str, category: type[Warning], *args: object, **kw: object
) -> None:
    if issubclass(category, OlistsegWarning):
        err_console.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False)
    else:
        _default_showwarning(message, category, *args, **kw)  # type: ignore[arg-type]


_default_showwarning = warnings.showwarning


class _AnnounceOnce(logging.Handler):
    """Prints each announcement (the analysis date, "as of ...: why"; a wait for another
    writer of the same --out) once, on stderr."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.seen and not state.quiet:
            self.seen.add(message)
            err_console.print(f"[bold]{escape(message)}[/]", highlight=False, soft_wrap=True)


def _announce_analysis_date() -> None:
    for name in ("olistseg.now", "olistseg.runfolder"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger.handlers = [_AnnounceOnce()]


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM unwinds like Ctrl+C, so temporary folders and partial builds are cleaned up.
    raise KeyboardInterrupt


def entrypoint(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes 2 (bad input) and 1 (internal)."""
    signal.signal(signal.SIGTERM, _terminate)
    warnings.showwarning = _show_warning
    _announce_analysis_date()
    args = hoist_global_flags(list(sys.argv[1:] if argv is None else argv))
    try:
        # Outside standalone mode Typer *returns* the code of a typer.Exit (and 130 for Ctrl+C)
        # instead of exiting with it: pass it on, or `monitor`/`dashboard` codes would be lost.
        code = app(args=args, prog_name="olistseg", standalone_mode=False)
        if isinstance(code, int) and code:
            if code == 130:
                err_console.print("aborted")
            sys.exit(code)
    except InputError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        if state.debug:
            err_console.print_exception()
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors: click's ClickException, vendored inside newer Typer releases.
        if callable(getattr(exc, "show", None)) and isinstance(
            getattr(exc, "exit_code", None), int
        ):
            exc.show()
            sys.exit(2)
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}",
            highlight=False,
        )
        if state.debug:
            err_console.print_exception()
        else:
            err_console.print("Run again with --debug for the traceback, and report it.")
        sys.exit(1)
