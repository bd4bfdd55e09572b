"""Command line of the generator.

    python -m codegen [--manifest apis.json] [--out DIR]          generate (write) every file
    python -m codegen --check [--manifest apis.json] [--out DIR]  compare with disk, write nothing
    python -m codegen refresh --from DIR_OR_URL_OR_BUNDLE [--manifest apis.json]
    python -m codegen rest MANIFEST.json --out DIR [--package NAME] [--check]       a REST manifest's package
    python -m codegen discovery DOCUMENT.json --out DIR [--package NAME] [--check]  a Discovery document's package

Generating (or checking) the SDK also generates (or checks) the packages of the manifests listed in `EXAMPLES`.

Exit status: 0 on success, 1 when the manifest is invalid or (``--check``) files are out of
date, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence, TextIO

from . import manifest, refresh, render, rest, rest_render

__all__ = ["main"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO_ROOT / "apis.json"
#: REST manifests whose generated packages are committed: (manifest, directory the package goes into).
EXAMPLES = ((Path("examples/task_tracker/task_tracker.json"), Path("examples/task_tracker")),)


def _display(path: Path) -> str:
    """How a path is named in messages: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Generate the taskcluster SDK's client classes and reference docs from apis.json.",
    )
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="the manifest (default: apis.json)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT, help="the repository root to write into")
    parser.add_argument("--check", action="store_true", help="compare with disk instead of writing; exit 1 if stale")
    commands = parser.add_subparsers(dest="command", metavar="{refresh,rest,discovery}")
    for name, what in (("rest", "a REST manifest (rest-manifest/1)"), ("discovery", "a Google Discovery document")):
        sub = commands.add_parser(name, help=f"generate a client package from {what}")
        sub.add_argument("document", type=Path, help=f"{what} (JSON)")
        sub.add_argument("--out", dest="package_out", type=Path, required=True, help="the directory to write into")
        sub.add_argument("--package", help="the package name (default: the manifest's name)")
        sub.add_argument("--check", dest="package_check", action="store_true", help="compare with disk; write nothing")
    ref = commands.add_parser("refresh", help="update apis.json from a deployment's references")
    ref.add_argument(
        "--from",
        dest="source",
        required=True,
        help="a directory holding references/<service>/<version>/{api,exchanges}.json (and schemas/), a root URL,"
        " or a JSON bundle file (a list of {filename, content})",
    )
    # SUPPRESS: without it the sub-command's default would override `--manifest X refresh ...`
    ref.add_argument("--manifest", type=Path, default=argparse.SUPPRESS, help="the manifest (default: apis.json)")
    return parser


def _report_check(problems: Sequence[str], count: int, out: TextIO, err: TextIO) -> int:
    """Print what `--check` found: each stale, missing or extra file, or that all `count` files are up to date."""
    for problem in problems:
        print(problem, file=err)
    if problems:
        print(f"{len(problems)} generated file(s) out of date; run `python -m codegen`", file=err)
        return 1
    print(f"{count} generated files up to date", file=out)
    return 0


def generate(manifest_path: Path, out_dir: Path, check_only: bool, out: TextIO, err: TextIO) -> int:
    source = _display(manifest_path)
    try:
        api = manifest.load(manifest_path, source)
    except manifest.ManifestInvalid as exc:
        for error in exc.errors:
            print(error, file=err)
        print(f"{len(exc.errors)} error(s) in {source}; nothing written", file=err)
        return 1
    files = render.render(api)
    if check_only:
        return _report_check(render.check(files, out_dir), len(files), out, err)
    result = render.write(files, out_dir)
    for name in result["written"]:
        print(f"wrote {name}", file=out)
    for name in result["removed"]:
        print(f"removed {name}", file=out)
    print(
        f"{len(files)} files generated: {len(result['written'])} written, {len(result['removed'])} removed",
        file=out,
    )
    return 0


def generate_rest(
    document: Path, out_dir: Path, package: Optional[str], check_only: bool, discovery: bool, out: TextIO, err: TextIO
) -> int:
    """Generate (or check) one package from a REST manifest or a Discovery document."""
    source = _display(document)
    try:
        raw = manifest.load_json(document, source)
    except manifest.ManifestInvalid as exc:
        for error in exc.errors:
            print(error, file=err)
        return 1
    try:
        if discovery:
            from . import discovery as discovery_front_end

            raw = discovery_front_end.to_manifest(raw, source)
        files = rest.render_package(raw, package, source)
    except rest.RestManifestInvalid as exc:
        for problem in exc.errors:
            print(problem, file=err)
        print(f"{len(exc.errors)} error(s) in {source}; nothing written", file=err)
        return 1
    problems = rest_render.write_package(files, out_dir, check_only)
    if check_only:
        return _report_check(problems, len(files), out, err)
    for problem in problems:
        print(
            problem.replace("stale: ", "wrote ").replace("missing: ", "wrote ").replace("extra: ", "removed "), file=out
        )
    print(f"{len(files)} files generated into {_display(out_dir)}: {len(problems)} changed", file=out)
    return 0


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = _parser().parse_args(argv)
    if args.command == "refresh":
        return refresh.main(args.manifest, args.source, out=out, err=err, source_name=_display(args.manifest))
    if args.command in ("rest", "discovery"):
        return generate_rest(
            args.document, args.package_out, args.package, args.package_check, args.command == "discovery", out, err
        )
    status = generate(args.manifest, args.out, args.check, out, err)
    if args.out.resolve() == REPO_ROOT and args.manifest.resolve() == DEFAULT_MANIFEST:
        for example, directory in EXAMPLES:
            if (REPO_ROOT / example).is_file():
                status = max(
                    status, generate_rest(REPO_ROOT / example, REPO_ROOT / directory, None, args.check, False, out, err)
                )
    return status


if __name__ == "__main__":
    sys.exit(main())
