"""``python -m nn.playground``: serve the classroom playground and open the browser.

python -m nn.playground                     # this computer only: http://127.0.0.1:8000/
python -m nn.playground --host 0.0.0.0      # students join from their laptops on the room's network
"""

from __future__ import annotations

import argparse
import threading
import webbrowser


def build_parser(prog: str = "python -m nn.playground") -> argparse.ArgumentParser:
    """The command-line options (``prog``: how the command was typed, for its usage line)."""
    from ..usage import help_text

    p = argparse.ArgumentParser(
        prog=prog,
        description=help_text(__doc__, prog, "nn.playground"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole network)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a name students may use for this computer besides its address (repeatable); "
        "a page at any other name may not open the playground's sockets",
    )
    return p


def main(argv: list[str] | None = None, prog: str = "python -m nn.playground") -> None:
    """Start the server (until Ctrl-C)."""
    args = build_parser(prog).parse_args(argv)
    try:
        from .server import create_app
        from .serving import run
    except ImportError as exc:
        raise SystemExit(
            f"the playground needs its extra: pip install 'chainrule[playground]' ({exc})"
        ) from None
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"chainrule playground on {url} (Ctrl-C stops it)")
    if args.host in ("0.0.0.0", "::"):
        print(f"students: open http://<this computer's address on the room's network>:{args.port}/")
    if not args.no_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    run(create_app(allowed_hosts=args.allow_host), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
