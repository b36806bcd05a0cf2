"""``python -m nn.playground``: serve the classroom playground and open the browser.

python -m nn.playground                     # this computer only: http://127.0.0.1:8000/
python -m nn.playground --host 0.0.0.0      # students join from their laptops on the room's network

The teacher's page, /teach, leads a class: it shows a room code, and students who open
/join/<code> follow the teacher's Graph view and answer the exercises put to the room.
It opens on this computer; from another device, with the teacher token printed at start.
"""

from __future__ import annotations

import argparse
import socket
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
    from .rooms import new_token

    everywhere = args.host in ("0.0.0.0", "::")
    url = f"http://{'127.0.0.1' if everywhere else args.host}:{args.port}/"
    token = new_token()
    join_hosts = None  # the name the teacher's page uses
    print(f"chainrule playground on {url} (Ctrl-C stops it)")
    if everywhere:
        join_hosts = [*args.allow_host, *lan_addresses()] or ["<this computer's address>"]
        print(f"students: open http://{join_hosts[0]}:{args.port}/")
    print(f"teacher: {url}teach on this computer leads a class (students join with its room code)")
    elsewhere = f"http://{join_hosts[0] if join_hosts else args.host}:{args.port}/teach?token={token}"
    print(f"teacher token: {token} (from another device of yours: {elsewhere})")
    if not args.no_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    app = create_app(allowed_hosts=args.allow_host, teacher_token=token, join_hosts=join_hosts)
    run(app, host=args.host, port=args.port)


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses other than loopback, as its name resolves locally."""
    try:
        found = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({str(info[4][0]) for info in found if not str(info[4][0]).startswith("127.")})


if __name__ == "__main__":
    main()
