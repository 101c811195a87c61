"""CPU per request of this checkout against another one (a git worktree of an earlier commit), in-process
and interleaved: the way to tell whether a change made the service cheaper.

    git worktree add /tmp/base <commit> && (cd /tmp/base && make install)
    .venv/bin/python bench/profile.py --skip inprocess,growth,pyspy    # seeds this checkout's bench database
    (cd /tmp/base && BENCH_DB_NAME=payments_bench_base .venv/bin/python bench/profile.py --skip inprocess,growth,pyspy)
    .venv/bin/python bench/ab.py /tmp/base --base-db payments_bench_base [--alternations 6] [--rounds 5]

Each alternation runs `bench/steps.py cpu` (the CPU per request of (a), (b) per dialect and (d): the app's
Python and its PostgreSQL backend's) in the base checkout and in this one, each against its own seeded
database and with its own code and virtualenv, in turn base-this then this-base. The box's speed drifts by
tens of percent within minutes; alternating spreads the drift over both alike. Prints each scenario's
mean over the alternations for both (Python and PostgreSQL, then the total), and the change.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import run


def cpu(root: Path, db: str, requests: int, rounds: int) -> dict:
    env = run.app_env(run.redis_url(), run.free_port(), db)
    python, script, runner = (
        root / ".venv" / "bin" / "python",
        root / "bench" / "steps.py",
        root / "bench" / ".run",
    )
    proc = subprocess.run(
        [str(python), str(script), "cpu", str(runner), str(requests), str(rounds)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-4000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", type=Path, help="the other checkout (with its .venv and seeded bench/.run)")
    parser.add_argument("--base-db", default="payments_bench_base")
    parser.add_argument("--alternations", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the cpu step per alternation")
    parser.add_argument("--requests", type=int, default=20, help="requests per scenario and round")
    args = parser.parse_args()
    sides = [("base", args.base, args.base_db), ("this", run.ROOT, run.DB_NAME)]
    spent: dict[tuple[str, str], list[dict]] = {}
    for number in range(args.alternations):
        for side, root, db in sides if number % 2 == 0 else sides[::-1]:
            for name, figures in cpu(root, db, args.requests, args.rounds).items():
                spent.setdefault((side, name), []).append(figures)
        run.log(f"alternation {number + 1} of {args.alternations} done")

    def mean(side: str, name: str, figure: str) -> float:
        return statistics.mean(one[figure] for one in spent[side, name])

    print(
        f"CPU per request in ms, mean of {args.alternations} alternations of {args.rounds} x {args.requests}"
    )
    print(f"  {'':<10} {'Python':>15} {'PostgreSQL':>15} {'total':>15} {'change':>8}")
    print(f"  {'':<10} {'base   this':>15} {'base   this':>15} {'base   this':>15}")
    for name in sorted({name for _, name in spent}):
        cells = [
            f"{mean('base', name, figure):6.2f} {mean('this', name, figure):6.2f}"
            for figure in ("python_ms", "postgres_ms", "total_ms")
        ]
        base, this = mean("base", name, "total_ms"), mean("this", name, "total_ms")
        print(
            f"  {name:<10} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15} {(this - base) / base * 100:+7.1f}%"
        )


if __name__ == "__main__":
    sys.exit(main())
