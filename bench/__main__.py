"""``python -m bench``: benchmarks at city scale on PostgreSQL (see bench/README.md).

    python -m bench --smoke          # 10k cases, a few minutes; what CI runs
    python -m bench                  # 10k, 100k and 1M cases in one run; writes bench/results/<date>.md
    python -m bench --sizes 10000,100000

Each size gets its own database (``gc_bench_<size>``) cloned from a migrated template, filled by
``bench.generate`` and measured by ``bench.measure`` in a fresh process; peak memory comes from
``bench.memory``. Databases are dropped afterwards unless ``--keep``.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"


def _default_server() -> str:
    url = os.environ.get("BENCH_DATABASE_SERVER") or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_SERVER


def label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def db_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def psql(server: str, sql: str):
    import psycopg

    with psycopg.connect(db_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def run(args, env, log, capture=False):
    log("  $ " + " ".join(args[1:]))
    proc = subprocess.run(args, cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE if capture else None, stderr=None)
    if proc.returncode:
        raise SystemExit(f"bench: {' '.join(args)} failed ({proc.returncode})")
    return proc.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="10k cases only, 5 repeats (CI)")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated case counts")
    parser.add_argument("--repeats", type=int, default=7, help="repeats per measurement (median reported)")
    parser.add_argument("--server", default=_default_server(),
                        help="PostgreSQL server URL; its database name is ignored (gc_bench_* are created there)")
    parser.add_argument("--prefix", default="gc_bench", help="database name prefix")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    parser.add_argument("--growth-rounds", type=int, default=3,
                        help="after all sizes: rounds of measurements 1–4 with the sizes interleaved, from which "
                             "growth is judged (0: judge it from each size's own measurement)")
    parser.add_argument("--out", help="report path (default bench/results/<date>.md; smoke: a temp file)")
    args = parser.parse_args(argv)

    sizes = [10_000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    repeats = 5 if args.smoke else max(5, args.repeats)
    started = time.perf_counter()
    load_at_start = os.getloadavg()

    def log(msg):
        print(f"[bench {time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings",
               GIGCASE_VAR_DIR=os.environ.get("GIGCASE_VAR_DIR", tempfile.mkdtemp(prefix="gc_bench_var_")),
               PYTHONWARNINGS="ignore")
    py = sys.executable
    template = f"{args.prefix}_template"
    results = {"sizes": {}, "stock": {}, "memory": {}, "rounds": {}}
    rounds = 0 if args.smoke or len(sizes) < 2 else max(0, args.growth_rounds)
    kept = []  # the sized databases, dropped at the end unless --keep (the growth rounds need them all)
    psql(args.server, f"DROP DATABASE IF EXISTS {template}")
    psql(args.server, f"CREATE DATABASE {template}")
    try:
        log(f"migrating {template}")
        run([py, "manage.py", "migrate", "--noinput", "-v0"], dict(env, DATABASE_URL=db_url(args.server, template)),
            log)
        for n in sizes:
            name = f"{args.prefix}_{label(n)}"
            psql(args.server, f"DROP DATABASE IF EXISTS {name}")
            psql(args.server, f"CREATE DATABASE {name} TEMPLATE {template}")
            size_env = dict(env, DATABASE_URL=db_url(args.server, name))
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    log(f"{n} cases: generate and measure ({name})")
                    run([py, "-m", "bench.measure", "--n", str(n), "--repeats", str(repeats), "--generate",
                         "--out", f"{tmp}/ours.json"], size_env, log)
                    results["sizes"][n] = json.load(open(f"{tmp}/ours.json"))
                    log(f"{n} cases: viewflow's stock inbox and queue on the same data")
                    run([py, "-m", "bench.measure", "--n", str(n), "--repeats", str(repeats), "--stock",
                         "--out", f"{tmp}/stock.json"], size_env, log)
                    results["stock"][n] = json.load(open(f"{tmp}/stock.json"))["pages"]
                log(f"{n} cases: peak memory")
                web = json.loads(run([py, "-m", "bench.memory", "web"], size_env, log, capture=True))
                doc_id = results["sizes"][n]["dossier"]["document_id"]
                pdf = json.loads(run([py, "-m", "bench.memory", "pdf", str(doc_id)], size_env, log, capture=True))
                results["memory"][n] = {"web": web, "pdf": pdf}
            finally:
                kept.append(name)
                if not rounds and not args.keep:
                    psql(args.server, f"DROP DATABASE IF EXISTS {name}")
        # The host's speed drifts over minutes (the CPU probe), and each size above is measured in its own
        # minutes: growth from one size to another would mix the data's effect with the machine's. These rounds
        # measure the pages of every size in turn, round after round, so drift touches each size alike.
        for i in range(rounds):
            for n in sizes:
                with tempfile.TemporaryDirectory() as tmp:
                    log(f"growth round {i + 1}/{rounds}: {n} cases")
                    run([py, "-m", "bench.measure", "--n", str(n), "--repeats", str(repeats), "--pages-only",
                         "--out", f"{tmp}/round.json"], dict(env, DATABASE_URL=db_url(args.server,
                                                                                     f"{args.prefix}_{label(n)}")),
                        log)
                    got = json.load(open(f"{tmp}/round.json"))
                    results["rounds"].setdefault(n, []).append(
                        {"pages": got["pages"], "cpu_probe_ms": got["cpu_probe_ms"]["before"]})
    finally:
        psql(args.server, f"DROP DATABASE IF EXISTS {template}")
        if not args.keep:
            for name in kept:
                psql(args.server, f"DROP DATABASE IF EXISTS {name}")
    _flush_redis()

    from bench.report import machine, render

    results["machine"] = machine(args.server)
    results["smoke"] = args.smoke
    results["repeats"] = repeats
    results["elapsed"] = time.perf_counter() - started
    # Other work on the machine changes every absolute figure: the report says how busy it was.
    results["load"] = {"start": load_at_start, "end": os.getloadavg()}
    text, misses = render(results)
    if args.out:
        out = Path(args.out)
    elif args.smoke:
        out = Path(tempfile.gettempdir()) / f"gigcase-bench-smoke-{datetime.date.today()}.md"
    else:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{datetime.date.today()}.md"
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(results, default=str, ensure_ascii=False, indent=1))
    log(f"report: {out}")
    for miss in misses:
        log(f"MISSED: {miss}")
    log("done")


def _flush_redis():
    """The transitions enqueued tasks on the benchmark's Redis db; nothing will consume them."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    try:
        import redis

        redis.Redis.from_url(url).flushdb()
    except Exception as exc:  # the report does not depend on it
        print(f"bench: could not flush {url}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
