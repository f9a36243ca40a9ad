#!/usr/bin/env python3
"""W2 benchmark runner: `perk simulate` against a hand-written Swift program and DuckDB.

    python3 Benchmarks/W2/run.py --events 100000 --members 10000     # small
    python3 Benchmarks/W2/run.py                                       # 10,000,000 / 1,000,000

Steps:
 1. generates the events (generate.py) into --data-dir unless the file is there already;
 2. builds `perk` (swift build -c release --scratch-path .build-w2) unless --perk is given, and
    compiles HandWritten/main.swift with `swiftc -O` unless --handwritten is given;
 3. checks that the three implementations give the hand-worked results on edge-cases.csv;
 4. times, one after the other, each as its own process (wall clock, and peak RSS from wait4):
    the hand-written program, DuckDB (w2_duckdb.sql, at each --duckdb-threads), `perk simulate
    --policy w2.perk --jobs J` for each --jobs, the reference policy policies/harbor-hotel.perk,
    and the hand-written program again (ratios divide by the faster of its two runs: on a shared
    machine one slow baseline run flatters every ratio);
 5. checks that all of them agree on points issued, balance and members per final tier (perk's
    final tier is each member's qualifying tier on the as-of day; the reference policy is a
    different programme and is only timed), prints a table and writes it as JSON into the data
    directory.

Needs Python 3 and, for DuckDB, `python3 -m pip install duckdb`. `run.py duckdb FILE` runs only
the SQL (the runner uses it as the DuckDB child process).
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIERS = ["Regular", "Silver", "Gold", "Diamond"]
# edge-cases.csv worked by hand (README.md lists each member's figures).
EDGE_EXPECTED = {"earned": 27791, "balance": 27691, "members_per_tier": {"Regular": 7, "Silver": 1, "Gold": 0, "Diamond": 1}}


def duckdb_main(argv):
    parser = argparse.ArgumentParser(prog="run.py duckdb")
    parser.add_argument("events")
    parser.add_argument("--threads", type=int, default=0, help="0: DuckDB's default (every core)")
    parser.add_argument("--members-out", help="also write member,balance,tier per member")
    args = parser.parse_args(argv)
    import duckdb

    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    con.execute("SET VARIABLE events = ?", [os.path.abspath(args.events)])
    with open(os.path.join(HERE, "w2_duckdb.sql")) as f:
        row = con.execute(f.read()).fetchone()
    if args.members_out:
        con.execute("COPY (SELECT member, balance, tier FROM member_results ORDER BY member) TO ? (HEADER)", [args.members_out])
    events, members, as_of, earned, balance, *tiers = row
    print(json.dumps({"events": events, "members": members, "as_of": as_of, "earned": int(earned), "balance": int(balance),
                      "members_per_tier": dict(zip(TIERS, tiers))}))
    return 0


def run_measured(command, stdout_path=None):
    """Runs a command; returns (seconds, peak RSS in MiB, stdout text). Fails loudly."""
    out = open(stdout_path, "w+") if stdout_path else subprocess.PIPE
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True)
    # Read stderr while waiting would need threads; the programs print little to it.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read()
    if stdout_path:
        out.seek(0)
        stdout = out.read()
        out.close()
    else:
        stdout = process.stdout.read()
    if process.returncode != 0:
        sys.exit(f"run.py: {' '.join(command)} failed ({process.returncode}):\n{stderr}\n{stdout[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def perk_result(out_dir):
    with open(os.path.join(out_dir, "summary.json")) as f:
        policy = json.load(f)["policy"]
    return {"earned": int(policy["totals"]["earned"]), "balance": int(policy["totals"]["balance"]),
            "members": policy["members"],
            "members_per_tier": {row["tier"]: row["members"] for row in policy["members_per_qualifying_tier"]}}


def read_members(path, tier_column="tier"):
    """member -> (balance, tier) from a CSV with member, balance and tier columns."""
    import csv

    with open(path, newline="") as f:
        return {row["member"]: (int(row["balance"]), row[tier_column]) for row in csv.DictReader(f)}


def last_json_line(text):
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


def perk_own_seconds(stdout):
    """`perk simulate` prints "N events in X s": replaying and writing, after reading the input."""
    match = re.search(r"events in ([0-9.]+) s", stdout)
    return float(match.group(1)) if match else None


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "duckdb":
        return duckdb_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=os.path.join(REPO, ".build-w2", "data"),
                        help="where the events and results go (default: .build-w2/data, ignored by git)")
    parser.add_argument("--perk", help="a perk binary to use instead of building one")
    parser.add_argument("--handwritten", help="a perk-w2-handwritten binary to use instead of compiling one")
    parser.add_argument("--jobs", default="1,2", help="perk simulate --jobs values, comma-separated")
    parser.add_argument("--duckdb-threads", default="1,2", help="DuckDB thread counts, comma-separated")
    parser.add_argument("--skip-reference", action="store_true", help="do not time policies/harbor-hotel.perk")
    parser.add_argument("--skip-member-check", action="store_true",
                        help="do not compare every member's balance and final tier (an untimed extra run of the hand-written program and DuckDB)")
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",") if j]
    threads = [int(t) for t in args.duckdb_threads.split(",") if t]
    os.makedirs(args.data_dir, exist_ok=True)
    scratch = os.path.join(REPO, ".build-w2")

    # 1. The events.
    events_file = os.path.join(args.data_dir, f"w2-{args.events}-{args.members}-s{args.seed}.csv")
    if not os.path.exists(events_file):
        print(f"generating {events_file} ...", flush=True)
        seconds, _, _ = run_measured([sys.executable, os.path.join(HERE, "generate.py"), "--events", str(args.events),
                                      "--members", str(args.members), "--seed", str(args.seed), "--out", events_file])
        print(f"  {seconds:.1f} s", flush=True)

    # 2. The programs.
    perk = args.perk
    if not perk:
        print("building perk (release, --scratch-path .build-w2) ...", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--scratch-path", scratch, "--product", "perk"], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        perk = os.path.join(scratch, "release", "perk")
    handwritten = args.handwritten
    if not handwritten:
        handwritten = os.path.join(scratch, "w2-handwritten")
        source = os.path.join(HERE, "HandWritten", "main.swift")
        if not os.path.exists(handwritten) or os.path.getmtime(handwritten) < os.path.getmtime(source):
            print("compiling HandWritten/main.swift (swiftc -O) ...", flush=True)
            subprocess.run(["swiftc", "-O", source, "-o", handwritten], check=True)
    w2_policy = os.path.join(HERE, "w2.perk")
    reference = os.path.join(REPO, "policies", "harbor-hotel.perk")
    subprocess.run([perk, "check", w2_policy], check=True, stdout=subprocess.DEVNULL)

    def duckdb_command(file, t):
        return [sys.executable, os.path.abspath(__file__), "duckdb", file, "--threads", str(t)]

    def perk_command(policy, file, out, j):
        return [perk, "simulate", "--policy", policy, "--events", file, "--out", out, "--jobs", str(j)]

    # 3. The hand-worked edge cases.
    edge_file = os.path.join(HERE, "edge-cases.csv")
    edge_out = os.path.join(args.data_dir, "out-edge")
    _, _, text = run_measured([handwritten, edge_file])
    _, _, duck = run_measured(duckdb_command(edge_file, 1))
    run_measured(perk_command(w2_policy, edge_file, edge_out, 1))
    for name, result in [("hand-written", last_json_line(text)), ("duckdb", last_json_line(duck)), ("perk", perk_result(edge_out))]:
        got = {key: result[key] for key in EDGE_EXPECTED}
        if got != EDGE_EXPECTED:
            sys.exit(f"run.py: {name} on edge-cases.csv gives {got}, not the hand-worked {EDGE_EXPECTED}")
    print("edge-cases.csv: perk, the hand-written program and DuckDB give the hand-worked results", flush=True)

    # 4. Timed runs, one at a time.
    rows = []
    size = f"{args.events}-{args.members}-s{args.seed}"

    def warm_cache():
        """Reads the events file (untimed) so every program starts with it in the page cache: the
        machine's cache does not hold it across runs, and the first program timed paid for
        reading it from disk (the hand-written baseline: 4.5-5.5 s cold, 2.8-3.2 s warm)."""
        with open(events_file, "rb") as f:
            while f.read(1 << 24):
                pass

    def measure(label, command, kind, out_dir=None, checked=("earned", "balance", "members_per_tier")):
        print(f"running {label} ...", flush=True)
        warm_cache()
        seconds, rss, stdout = run_measured(command)
        result = perk_result(out_dir) if out_dir else last_json_line(stdout)
        row = {"label": label, "kind": kind, "seconds": seconds, "peak_rss_mib": rss, "checked": list(checked),
               "result": result, "perk_own_seconds": perk_own_seconds(stdout) if out_dir else None}
        rows.append(row)
        print(f"  {seconds:.2f} s, peak RSS {rss:,.0f} MiB", flush=True)
        return row

    base = measure("hand-written Swift (1 thread)", [handwritten, events_file], "baseline")
    for t in threads:
        measure(f"DuckDB ({t} thread{'s' if t > 1 else ''})", duckdb_command(events_file, t), "duckdb")
    for j in jobs:
        out = os.path.join(args.data_dir, f"out-{size}-w2-jobs{j}")
        measure(f"perk simulate w2.perk --jobs {j}", perk_command(w2_policy, events_file, out, j), "perk", out)
    if not args.skip_reference:
        for j in jobs:
            out = os.path.join(args.data_dir, f"out-{size}-harbor-jobs{j}")
            measure(f"perk simulate harbor-hotel.perk --jobs {j} (reference policy)", perk_command(reference, events_file, out, j),
                    "reference", out, checked=())
    # The baseline once more, last: the machine is shared, and one slow run of it flatters every
    # ratio (4.4-4.7 s in some runs, first of all, against 2.4-2.8 s alone); the ratios divide by
    # the faster of its two runs.
    again = measure("hand-written Swift (1 thread), again", [handwritten, events_file], "baseline")
    baseline_seconds = min(base["seconds"], again["seconds"])

    # 5. Agreement and the table.
    disagreements = []
    if not args.skip_member_check and jobs:
        # Every member's balance and final tier: perk's members.csv against the other two.
        print("comparing every member's balance and final tier (untimed) ...", flush=True)
        hand_members = os.path.join(args.data_dir, f"members-{size}-handwritten.csv")
        duck_members = os.path.join(args.data_dir, f"members-{size}-duckdb.csv")
        run_measured([handwritten, events_file, "--members-out", hand_members])
        run_measured(duckdb_command(events_file, max(threads or [0])) + ["--members-out", duck_members])
        perk_members = read_members(os.path.join(args.data_dir, f"out-{size}-w2-jobs{jobs[0]}", "members.csv"), "qualifying_tier")
        for name, path in [("hand-written", hand_members), ("DuckDB", duck_members)]:
            other = read_members(path)
            differing = [m for m in perk_members.keys() | other.keys() if perk_members.get(m) != other.get(m)]
            if differing:
                m = sorted(differing)[0]
                disagreements.append(f"members: {len(differing)} members differ between perk and {name}, "
                                     f"e.g. {m}: perk {perk_members.get(m)}, {name} {other.get(m)}")
            else:
                print(f"  perk and {name} agree on all {len(other):,} members", flush=True)
    for row in rows[1:]:
        for key in row["checked"]:
            if row["result"][key] != base["result"][key]:
                disagreements.append(f"{row['label']}: {key} = {row['result'][key]}, hand-written: {base['result'][key]}")
    events = base["result"]["events"]
    print()
    print(f"W2, {events:,} events, {base['result']['members']:,} members, as of {base['result']['as_of']}, "
          f"{os.cpu_count()} cores, {datetime.date.today().isoformat()}")
    print(f"points issued {base['result']['earned']:,}; balance {base['result']['balance']:,}; members per final tier "
          + ", ".join(f"{k} {v:,}" for k, v in base["result"]["members_per_tier"].items()))
    header = f"{'':58} {'wall s':>9} {'events/s':>11} {'vs hand':>8} {'peak RSS':>10} {'after read':>11}  agrees"
    print(header)
    print("-" * len(header))
    for row in rows:
        own = f"{row['perk_own_seconds']:.1f} s" if row["perk_own_seconds"] is not None else ""
        agrees = "baseline" if row["kind"] == "baseline" else ("yes" if row["checked"] and not any(d.startswith(row["label"] + ":") for d in disagreements)
                                                 else ("not checked" if not row["checked"] else "NO"))
        print(f"{row['label']:58} {row['seconds']:9.2f} {events / row['seconds']:11,.0f} {row['seconds'] / baseline_seconds:7.1f}x "
              f"{row['peak_rss_mib']:7,.0f} MiB {own:>11}  {agrees}")
    print("'after read': what perk reports itself (replay and writing the results, after reading the input); "
          "'vs hand': the time over the faster of the hand-written program's two runs")
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
              "events": args.events, "members": args.members, "seed": args.seed, "file": events_file, "perk": perk,
              "rows": rows, "disagreements": disagreements}
    result_file = os.path.join(args.data_dir, f"results-{args.events}-{args.members}-s{args.seed}.json")
    with open(result_file, "w") as f:
        json.dump(report, f, indent=2)
    print(f"results in {result_file}")
    if disagreements:
        print("\nDISAGREEMENT:\n" + "\n".join(disagreements))
        return 1
    print("all implementations agree on points issued, balance and members per final tier"
          + ("" if args.skip_member_check else ", and on every member's balance and final tier"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
