"""What our client costs on top of the bare transport: import time, per-call time, pagination memory.

    .venv/bin/python bench/overhead.py [--quick] [--workloads import,sync_status,...] [--reps N] [--json FILE]

Starts bench/server.py (127.0.0.1, free port), checks that the client and the hand-written baselines
get the same answers (bench/workloads.py check), then runs every measurement in a fresh child process
of this same interpreter, client and bare interleaved (alternating which goes first), and prints
markdown tables. See bench/README.md for what each row means. Run by hand; nothing here asserts on time.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(BENCH_DIR, "server.py")
WORKLOADS = os.path.join(BENCH_DIR, "workloads.py")
ALL_WORKLOADS = ("import", "sync_status", "sync_create", "async_c50", "async_c200", "pagination", "signed_url")
VARIANTS = ("bare", "client")

IMPORT_STATEMENTS = (
    ("`python -c pass`", "pass"),
    ("`import taskcluster`", "import taskcluster"),
    ("`import taskcluster.aio`", "import taskcluster.aio"),
    ("`import requests, aiohttp` (reference)", "import requests, aiohttp"),
)
MODULES_PROBE = (
    "import json, sys, importlib; importlib.import_module(sys.argv[1]); "
    "print(json.dumps([m for m in ('requests', 'aiohttp', 'urllib3', 'yarl') if m in sys.modules]))"
)
ABOUT_PROBE = (
    "import json, sys, platform, importlib.metadata as md, taskcluster; "
    "v = lambda n: md.version(n) if n else None; "
    "print(json.dumps({'python': platform.python_version(), 'taskcluster': taskcluster.__file__, "
    "'versions': {n: v(n) for n in ('taskcluster', 'requests', 'aiohttp')}}))"
)

DEFAULTS = {
    "reps": 5,
    "import_runs": 9,
    "import_warmups": 2,
    "n_sync": 2000,
    "n_create": 2000,
    "n_async": 5000,
    "n_signed": 20000,
    "group_size": 100000,
    "page": 1000,
}
QUICK = {
    "reps": 2,
    "import_runs": 3,
    "import_warmups": 1,
    "n_sync": 300,
    "n_create": 300,
    "n_async": 1000,
    "n_signed": 3000,
    "group_size": 10000,
    "page": 1000,
}
MINIMAL_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT")


def child_env(mode: str) -> Dict[str, str]:
    """The children's environment: by default only a few variables (see README: requests reads them all)."""
    if mode == "inherit":
        env = dict(os.environ)
    else:
        env = {name: os.environ[name] for name in MINIMAL_ENV if name in os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # imports are measured with .pyc files, as users have them
    return env


def run_child(argv: Sequence[str], env: Dict[str, str], timeout: float = 900) -> Dict[str, Any]:
    done = subprocess.run(
        [sys.executable, *argv], env=env, cwd=BENCH_DIR, capture_output=True, text=True, timeout=timeout
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT ") :])
    raise SystemExit(f"child {' '.join(argv)} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")


class Server:
    """bench/server.py as a subprocess; it also exits when our end of its stdin closes."""

    def __init__(self, group_size: int, page: int, env: Dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                SERVER,
                "--group-size",
                str(group_size),
                "--page",
                str(page),
                "--max-seconds",
                "7200",
                "--exit-on-stdin-eof",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=BENCH_DIR,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        prefix = "listening on "
        if not line.startswith(prefix):
            self.stop()
            raise SystemExit(f"server did not start: {line!r}")
        self.root_url = line[len(prefix) :]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


# ------------------------------------------------------------------------------------------ measuring


def measure_import(args: argparse.Namespace, env: Dict[str, str]) -> Dict[str, Any]:
    samples: Dict[str, List[float]] = {code: [] for _, code in IMPORT_STATEMENTS}
    for run in range(args.import_warmups + args.import_runs):
        for _, code in IMPORT_STATEMENTS:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, cwd=BENCH_DIR, check=True)
            elapsed = time.perf_counter() - start
            if run >= args.import_warmups:
                samples[code].append(elapsed)
    loaded = {}
    for module in ("taskcluster", "taskcluster.aio"):
        out = subprocess.run(
            [sys.executable, "-c", MODULES_PROBE, module],
            env=env,
            cwd=BENCH_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        loaded[module] = json.loads(out)
    return {"samples": samples, "loaded": loaded}


def call_plan(workload: str, args: argparse.Namespace, root_url: str) -> List[str]:
    """workloads.py arguments (without the variant) for one call workload."""
    if workload in ("sync_status", "sync_create"):
        n = args.n_sync if workload == "sync_status" else args.n_create
        return [WORKLOADS, workload, "--root-url", root_url, "--n", str(n)]
    if workload.startswith("async_c"):
        return [
            WORKLOADS,
            "async_status",
            "--root-url",
            root_url,
            "--n",
            str(args.n_async),
            "--concurrency",
            workload[len("async_c") :],
        ]
    if workload == "pagination":
        return [
            WORKLOADS,
            "pagination",
            "--root-url",
            root_url,
            "--page",
            str(args.page),
            "--group-size",
            str(args.group_size),
        ]
    if workload == "signed_url":
        return [WORKLOADS, "signed_url", "--root-url", root_url, "--n", str(args.n_signed)]
    raise ValueError(workload)


def measure_calls(workload: str, args: argparse.Namespace, root_url: str, env: Dict[str, str]) -> Dict[str, Any]:
    plan = call_plan(workload, args, root_url)
    runs: Dict[str, List[Dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    for rep in range(args.reps):
        order = VARIANTS if rep % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            result = run_child([plan[0], plan[1], variant, *plan[2:]], env)
            runs[variant].append(result)
        bare, client = runs["bare"][-1]["wall"], runs["client"][-1]["wall"]
        print(f"  {workload} rep {rep + 1}/{args.reps}: bare {bare:.3f}s, client {client:.3f}s", file=sys.stderr)
    ratios = [c["wall"] / b["wall"] for c, b in zip(runs["client"], runs["bare"])]
    return {"runs": runs, "ratios": ratios}


# ------------------------------------------------------------------------------------------ reporting


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return "%.1f µs" % (seconds * 1e6) if seconds < 1e-4 else "%.0f µs" % (seconds * 1e6)
    if seconds < 1:
        return "%.2f ms" % (seconds * 1e3)
    return f"{seconds:.2f} s"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def import_table(result: Dict[str, Any]) -> List[str]:
    samples = result["samples"]
    floor = median(samples["pass"])
    lines = [
        "| statement | median wall | net of `python -c pass` | min – max |",
        "|---|---:|---:|---:|",
    ]
    for label, code in IMPORT_STATEMENTS:
        values = samples[code]
        net = "" if code == "pass" else f"{(median(values) - floor) * 1e3:+.1f} ms"
        middle, low, high = median(values) * 1e3, min(values) * 1e3, max(values) * 1e3
        lines.append(f"| {label} | {middle:.1f} ms | {net} | {low:.1f} – {high:.1f} ms |")
    lines.append("")
    for module, loaded in result["loaded"].items():
        heavy = [m for m in loaded if m in ("requests", "aiohttp")]
        verdict = f"**{', '.join(heavy)} loaded**" if heavy else "neither requests nor aiohttp (ok)"
        lines.append(f"After `import {module}`: {verdict} in sys.modules.")
    return lines


UNITS = {"pagination": "page"}
TITLES = {
    "sync_status": "sync status",
    "sync_create": "sync createTask",
    "async_c50": "async status, c=50",
    "async_c200": "async status, c=200",
    "pagination": "listTaskGroup",
    "signed_url": "buildSignedUrl",
}


def call_rows(workload: str, result: Dict[str, Any]) -> List[str]:
    rows = []
    for variant in VARIANTS:
        runs = result["runs"][variant]
        per_call = median([r["wall"] / r["calls"] for r in runs])
        cpu = median([r["cpu"] / r["calls"] for r in runs])
        rate = median([r["calls"] / r["wall"] for r in runs])
        rss = median([r["peak_rss_kb"] for r in runs]) / 1024
        rss_text = f"{rss:.1f} MB"
        if workload == "pagination":
            grown = median([r["peak_rss_kb"] - r["rss_before_kb"] for r in runs]) / 1024
            total = median([r["wall"] for r in runs])
            rss_text += f" (+{grown:.1f} in loop)"
            per_call_text = f"{fmt_time(per_call)} ({fmt_time(total)} total)"
        else:
            per_call_text = fmt_time(per_call)
        ratio = ""
        if variant == "client":
            ratios = result["ratios"]
            ratio = f"**{median(ratios):.2f}×** ({min(ratios):.2f} – {max(ratios):.2f})"
        cells = (TITLES[workload], variant, per_call_text, f"{rate:.0f}", fmt_time(cpu), rss_text, ratio)
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def report(results: Dict[str, Any], args: argparse.Namespace, about: Dict[str, Any]) -> str:
    versions = about["versions"]
    lines = [
        "## bench/overhead.py",
        "",
        f"Python {about['python']} on {platform.platform(terse=True)} ({os.cpu_count()} CPUs), "
        f"taskcluster {versions['taskcluster']} from `{about['taskcluster']}`; requests {versions['requests']}, "
        f"aiohttp {versions['aiohttp']}. {args.reps} rep(s) per call workload, children's environment: {args.env}.",
        "",
    ]
    if "import" in results:
        lines += [f"### Import (fresh process, median of {args.import_runs} after {args.import_warmups} warm-up)", ""]
        lines += import_table(results["import"]) + [""]
    call_workloads = [w for w in ALL_WORKLOADS if w != "import" and w in results]
    if call_workloads:
        lines += [
            "### Calls (median over reps; ratio = median of per-rep client ÷ bare wall time, min – max)",
            "",
            "| workload | variant | time per call | calls/s | client CPU per call | peak RSS | client ÷ bare |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for workload in call_workloads:
            lines += call_rows(workload, results[workload])
        sizes = {
            "sync_status": f"sync status {args.n_sync} calls",
            "sync_create": f"createTask {args.n_create} calls (~2 KB payload)",
            "async_c50": f"async {args.n_async} calls",
            "async_c200": f"async {args.n_async} calls",
            "pagination": f"listTaskGroup {args.group_size} tasks in pages of {args.page} (time per page)",
            "signed_url": f"buildSignedUrl {args.n_signed} URLs",
        }
        described = list(dict.fromkeys(sizes[w] for w in call_workloads))
        lines += ["", "Sizes per run: " + ", ".join(described) + "."]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 reps (a smoke test, ~1 minute)")
    parser.add_argument(
        "--workloads", default=",".join(ALL_WORKLOADS), help=f"comma list of {','.join(ALL_WORKLOADS)} (default: all)"
    )
    parser.add_argument("--reps", type=int, help="repetitions of each call workload (default 5, quick 2)")
    parser.add_argument("--import-runs", type=int, help="timed runs per import statement (default 9, quick 3)")
    parser.add_argument("--n-sync", type=int, help="sync status calls per run (default 2000)")
    parser.add_argument("--n-create", type=int, help="sync createTask calls per run (default 2000)")
    parser.add_argument("--n-async", type=int, help="async status calls per run (default 5000)")
    parser.add_argument("--n-signed", type=int, help="buildSignedUrl calls per run (default 20000)")
    parser.add_argument("--group-size", type=int, help="tasks in the listed task group (default 100000)")
    parser.add_argument("--page", type=int, help="listTaskGroup limit per page (default 1000, max 1000)")
    parser.add_argument(
        "--env",
        choices=("minimal", "inherit"),
        default="minimal",
        help="children's environment: a few variables (default) or all of ours",
    )
    parser.add_argument("--no-check", action="store_true", help="skip the client-vs-bare answer check")
    parser.add_argument("--json", metavar="FILE", help="also write every sample to FILE")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = sorted(set(workloads) - set(ALL_WORKLOADS))
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {','.join(ALL_WORKLOADS)}")

    env = child_env(args.env)
    about = json.loads(
        subprocess.run(
            [sys.executable, "-c", ABOUT_PROBE], env=env, cwd=BENCH_DIR, check=True, capture_output=True, text=True
        ).stdout
    )
    results: Dict[str, Any] = {}
    if "import" in workloads:
        print("import ...", file=sys.stderr)
        results["import"] = measure_import(args, env)
    call_workloads = [w for w in ALL_WORKLOADS if w != "import" and w in workloads]
    if call_workloads:
        server = Server(args.group_size if "pagination" in call_workloads else 1000, args.page, env)
        try:
            print(f"server at {server.root_url}", file=sys.stderr)
            if not args.no_check:
                checked = run_child([WORKLOADS, "check", "--root-url", server.root_url], env)
                print(
                    f"check: client and bare answers agree; hand Hawk {checked['hand_hawk']}; "
                    f"client bewit {checked['client_bewit']}",
                    file=sys.stderr,
                )
            for workload in call_workloads:
                results[workload] = measure_calls(workload, args, server.root_url, env)
        finally:
            server.stop()
    text = report(results, args, about)
    print(text)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"about": about, "args": vars(args), "results": results}, out, indent=1)


if __name__ == "__main__":
    main()
