"""``hotspots fetch crimes|boundaries|imd``: open data in one step, on a connected machine.

``hotspots.cli`` hands the ``fetch`` sub-command here (:func:`add_parser`, :func:`run`);
``python -m hotspots.cli.fetch crimes ...`` runs it alone. The exit codes follow the main
CLI: 0 done, 2 bad input or an unreachable service (one ``error:`` line naming the address
and the fix), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["add_parser", "run", "main"]


def add_parser(sub, parser_class=argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``fetch`` with its three datasets to an argparse sub-parser set."""
    f = sub.add_parser("fetch", help="download police.uk crimes, ONS LSOA boundaries or the IoD files",
                       description="Fetch open data into files 'hotspots analyse' reads. Every service address "
                                   "can be set by a flag or an environment variable (a local mirror works).")
    kinds = f.add_subparsers(dest="dataset", parser_class=parser_class, required=True)

    c = kinds.add_parser("crimes", help="police.uk street-level crimes for the study area, as street CSVs")
    area = c.add_mutually_exclusive_group(required=True)
    area.add_argument("--boundaries", metavar="PATH", help="the study's LSOA boundaries (their union is the area)")
    area.add_argument("--force", metavar="ID", help="a police.uk force id (e.g. kent): its neighbourhoods' area")
    c.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month (default: the newest)")
    c.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month (default: --from)")
    c.add_argument("--police-api", metavar="URL",
                   help="police.uk API base URL (default $HOTSPOTS_POLICE_API, else https://data.police.uk/api)")
    c.add_argument("--cache", metavar="DIR", help="tile cache (default OUT/.hotspots-cache)")
    c.add_argument("--name", help="area name in the file names (default: the boundary file's name)")
    c.add_argument("--rate", type=int, default=15, metavar="N", help="requests per second (police.uk allows 15)")
    c.add_argument("--retries", type=int, default=5, metavar="N")

    b = kinds.add_parser("boundaries", help="ONS LSOA boundaries (2011 or 2021) as GeoJSON")
    b.add_argument("--year", choices=["2011", "2021"], default="2021")
    b.add_argument("--resolution", choices=["BGC", "BFC", "BSC"], default="BGC",
                   help="generalised clipped (default), full or super-generalised")
    barea = b.add_mutually_exclusive_group(required=True)
    barea.add_argument("--lad", metavar="NAME", action="append", help="local authority name (repeatable)")
    barea.add_argument("--boundaries", metavar="PATH", help="take the bounding box of this study file")
    barea.add_argument("--bbox", metavar="W,S,E,N", help="longitude/latitude box")
    b.add_argument("--ons-api", metavar="URL", help="ArcGIS REST services base (default $HOTSPOTS_ONS_API)")
    b.add_argument("--service", metavar="NAME", help="feature-service name, when ONS republishes a layer")

    i = kinds.add_parser("imd", help="IMD 2019 Files 1 and 6, or IoD 2025 File 7, from GOV.UK")
    i.add_argument("--release", choices=["imd2019", "iod2025", "all"], default="imd2019")
    i.add_argument("--imd-url", metavar="URL", help="a mirror folder holding the files (default $HOTSPOTS_IMD_URL)")

    for p, wait in ((c, 30.0), (b, 60.0), (i, 300.0)):
        p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if missing)")
        p.add_argument("--timeout", type=_seconds, default=wait, metavar="S",
                       help=f"seconds one request may take in all, a stalled answer included (default {wait:g})")
        p.add_argument("--max-mb", type=_megabytes, default=None, metavar="MB",
                       help="the largest answer accepted, in MB (default 256: an endless answer stops there)")
        p.add_argument("--quiet", action="store_true", help="no progress messages")
        p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return f


def _seconds(text: str) -> float:
    import math

    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (0.1 <= v <= 86_400):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds from 0.1 to 86400")
    return v


def _megabytes(text: str) -> int:
    import math

    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (1 <= v <= 1_000_000):
        raise argparse.ArgumentTypeError(f"'{text}' is not a size in MB from 1 to 1000000")
    return int(v * 1_000_000)


def _printer(quiet: bool):
    start = time.perf_counter()
    last = {"msg": ""}

    def show(message: str, fraction: float) -> None:
        if quiet or message == last["msg"]:
            return
        last["msg"] = message
        sys.stderr.write(f"[{time.perf_counter() - start:6.1f}s] {fraction:4.0%} {message}\n")

    return show


def _bbox(args: argparse.Namespace) -> tuple[float, float, float, float] | None:
    from ..data.errors import DataError

    if args.bbox:
        try:
            w, s, e, n = (float(v) for v in args.bbox.split(","))
        except ValueError:
            raise DataError("--bbox", f"'{args.bbox}' is not W,S,E,N", hint="e.g. --bbox 0.03,50.9,1.45,51.5") from None
        return w, s, e, n
    if args.boundaries:
        from ..data.boundaries import read_boundaries

        bnd, _ = read_boundaries(args.boundaries)
        w, s, e, n = bnd.to_crs(4326).total_bounds
        return float(w), float(s), float(e), float(n)
    return None


def run(args: argparse.Namespace) -> int:
    """Run one parsed ``fetch`` command; DataError and Cancelled are left to the caller.

    A file system that refuses the writes (full, read-only, not permitted) is a DataError
    naming ``--out``, as in ``hotspots analyse``."""
    import errno

    from ..data.errors import disk_error

    try:
        return _run(args)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EACCES, errno.EPERM, errno.EROFS):
            raise disk_error(args.out, exc, what="writing the fetched files") from None
        raise


def _run(args: argparse.Namespace) -> int:
    progress = _printer(args.quiet)
    if args.dataset == "crimes":
        from ..fetch.jobs import fetch_crimes

        res = fetch_crimes(args.out, boundaries=args.boundaries, force=args.force, month_from=args.month_from,
                           month_to=args.month_to, api_url=args.police_api, cache=args.cache, name=args.name,
                           rate=args.rate, retries=args.retries, timeout=args.timeout, max_bytes=args.max_mb,
                           progress=progress)
        r = res.report
        if not args.quiet:
            for m in r.skipped_months:
                sys.stderr.write(f"warning: police.uk holds no street-level data for {m}; skipped\n")
            no_id = sum(r.without_id.values())
            if no_id:
                sys.stderr.write(f"warning: {no_id:,} crime(s) came without an id; each was kept (none merged "
                                 "with another), so a repeat among them cannot be ruled out\n")
            dropped = ", ".join(f"{v:,} {k}" for k, v in res.dropped.items() if v)
            sys.stderr.write(f"wrote {len(res.files)} month(s), {sum(res.rows.values()):,} crimes to {args.out} "
                             f"({r.requests} requests, {r.tiles_from_cache} tiles from the cache, {r.splits} splits"
                             f"{'; left out ' + dropped if dropped else ''})\n")
        return 0
    if args.dataset == "boundaries":
        from ..fetch.ons import fetch_boundaries

        path, n = fetch_boundaries(args.out, year=args.year, resolution=args.resolution, lads=args.lad or (),
                                   bbox=_bbox(args), api_url=args.ons_api, service=args.service,
                                   timeout=args.timeout, max_bytes=args.max_mb, progress=progress)
        if not args.quiet:
            sys.stderr.write(f"wrote {n:,} LSOAs to {path}\n")
        return 0
    from ..fetch.imd import fetch_imd

    paths = fetch_imd(args.out, release=args.release, imd_url=args.imd_url, timeout=args.timeout,
                      max_bytes=args.max_mb, progress=progress)
    if not args.quiet:
        sys.stderr.write(f"wrote {len(paths)} file(s) to {args.out}: {', '.join(p.name for p in paths)}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m hotspots.cli.fetch``: the fetch command alone, with the main CLI's exit codes."""
    from ..data.errors import DataError
    from ..progress import Cancelled
    from .parser import _Parser

    parser = _Parser(prog="hotspots")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)
    add_parser(sub, _Parser)
    args = parser.parse_args(["fetch", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run(args)
    except DataError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except (KeyboardInterrupt, Cancelled):
        sys.stderr.write("error: interrupted; what was fetched is cached, so a re-run continues from there\n")
        return 130
    except Exception as exc:  # one line, never a traceback
        if args.debug:
            raise
        sys.stderr.write(f"error: unexpected {type(exc).__name__}: {exc} (fix: rerun with --debug and report it)\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
