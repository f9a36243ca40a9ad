#!/usr/bin/env python3
"""Seeded generator of W2 input: purchases in Perk's event CSV format.

    python3 Benchmarks/W2/generate.py --events 10000000 --members 1000000 --seed 1 --out FILE

Writes `id,date,member,type,amount,category` rows (type always `purchase`, amount a decimal
string with two places, category room|dining|spa|retail|deposit|tax). The same arguments give
the same bytes (Python 3 stdlib only, `random.Random(seed)`).

Shape, chosen to look like a hotel's transaction log rather than a uniform grid:
- each member has an activity weight drawn from a Pareto distribution (alpha 1.3, capped at
  300 times the mean), so a few members have thousands of purchases and most have a handful
  (some of the M member ids may have none: they are simply absent from the file);
- each member joins on a day of the period (half of them before it starts) and buys only from
  then on, uniformly;
- amounts are log-normal per category (room median 600 CNY, dining 150, spa 400, retail 120,
  deposit 800, tax 40), so a few purchases are large enough to reach the 10,000-point cap;
- rows come in the order the members were drawn, so they are sorted neither by member nor by
  date. Event ids are e1, e2, ... in file order.
"""

import argparse
import bisect
import datetime
import itertools
import math
import os
import random
import sys

CATEGORIES = ["room", "dining", "spa", "retail", "deposit", "tax"]
CATEGORY_SHARE = [0.36, 0.30, 0.07, 0.15, 0.07, 0.05]
# Median amount in fen and the log-normal sigma of each category.
MEDIAN_FEN = [60000, 15000, 40000, 12000, 80000, 4000]
SIGMA = [1.1, 0.8, 0.6, 1.0, 1.0, 0.8]
CHUNK = 200_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", default="2023-10-01", help="first day of the period (YYYY-MM-DD)")
    parser.add_argument("--end", default="2025-12-31", help="last day of the period (YYYY-MM-DD)")
    parser.add_argument("--out", required=True, help="the CSV file to write")
    args = parser.parse_args()
    start = datetime.date.fromisoformat(args.start)
    days = (datetime.date.fromisoformat(args.end) - start).days + 1
    if args.events < 1 or args.members < 1 or days < 1:
        parser.error("--events and --members must be positive, and --end not before --start")

    rng = random.Random(args.seed)
    day_names = [(start + datetime.timedelta(days=d)).isoformat() for d in range(days)]

    # Activity weights: Pareto, capped, as cumulative weights for bisection.
    alpha = 1.3
    mean = alpha / (alpha - 1)
    cap = 300 * mean
    cumulative = list(itertools.accumulate(min(rng.paretovariate(alpha), cap) for _ in range(args.members)))
    total = cumulative[-1]
    # Join day: half the members were members before the period began.
    first_day = [0 if rng.random() < 0.5 else rng.randrange(days) for _ in range(args.members)]
    names = ["M%07d" % (i + 1) for i in range(args.members)]
    category_cumulative = list(itertools.accumulate(CATEGORY_SHARE))
    category_total = category_cumulative[-1]
    log_median = [math.log(m) for m in MEDIAN_FEN]

    random_ = rng.random
    gauss = rng.gauss
    exp = math.exp
    last_member = args.members - 1
    temporary = args.out + ".tmp"
    with open(temporary, "w", encoding="ascii", newline="\n", buffering=16 << 20) as out:
        out.write("id,date,member,type,amount,category\n")
        written = 0
        while written < args.events:
            n = min(CHUNK, args.events - written)
            rows = []
            append = rows.append
            for i in range(written + 1, written + n + 1):
                m = bisect.bisect(cumulative, random_() * total)
                if m > last_member:
                    m = last_member
                first = first_day[m]
                day = first + int(random_() * (days - first))
                c = bisect.bisect(category_cumulative, random_() * category_total)
                if c > 5:
                    c = 5
                fen = int(exp(log_median[c] + SIGMA[c] * gauss(0.0, 1.0)))
                if fen < 1:
                    fen = 1
                append(f"e{i},{day_names[day]},{names[m]},purchase,{fen // 100}.{fen % 100:02d},{CATEGORIES[c]}\n")
            out.write("".join(rows))
            written += n
    os.replace(temporary, args.out)
    print(f"wrote {args.events:,} events for up to {args.members:,} members to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
