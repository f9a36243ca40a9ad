-- W2 of shared/design/BENCHMARK.md in DuckDB SQL, from Perk's event CSV.
-- run.py sets the variable `events` (the CSV's path) first:
--     SET VARIABLE events = '/path/to/events.csv';
-- and reads the last statement's single row: events, members, as_of, earned, balance and the
-- members per final tier. Money is integer fen throughout (DECIMAL(18,2) * 100 is exact).

CREATE OR REPLACE TEMP TABLE purchases AS
SELECT
    member,
    -- The day as a number, so the window below is a RANGE over whole days.
    CAST(date - DATE '1970-01-01' AS INTEGER) AS day,
    year(date) * 12 + month(date) - 1 AS month_index,
    CAST(amount * 100 AS BIGINT) AS fen,
    category NOT IN ('deposit', 'tax') AS eligible
FROM read_csv(getvariable('events'), header = true, auto_detect = false,
              columns = {'id': 'VARCHAR', 'date': 'DATE', 'member': 'VARCHAR', 'type': 'VARCHAR',
                         'amount': 'DECIMAL(18,2)', 'category': 'VARCHAR'})
WHERE type = 'purchase';

-- AS_OF: the day after the last date in the file.
CREATE OR REPLACE TEMP TABLE as_of AS
SELECT max(day) + 1 AS day,
       year(DATE '1970-01-01' + max(day) + 1) * 12 + month(DATE '1970-01-01' + max(day) + 1) - 1 AS month_index
FROM purchases;

-- Each purchase's tier: eligible spend of its member dated in [day - 365, day - 1], which leaves
-- out the purchase's own day (and so every purchase of that day, whatever the file order).
CREATE OR REPLACE TEMP TABLE earned AS
WITH spend AS (
    SELECT member, day, month_index, fen, eligible,
           coalesce(sum(CASE WHEN eligible THEN fen ELSE 0 END) OVER (
               PARTITION BY member ORDER BY day RANGE BETWEEN 365 PRECEDING AND 1 PRECEDING), 0) AS spend
    FROM purchases
)
SELECT member, day, month_index,
       CASE WHEN NOT eligible THEN 0
            ELSE least(10000, (fen // 1000) * (CASE WHEN spend >= 5000000 THEN 20
                                                    WHEN spend >= 2000000 THEN 15
                                                    WHEN spend >= 500000 THEN 12
                                                    ELSE 10 END) // 10)
       END AS points
FROM spend;

-- Per member: points issued, the balance as of AS_OF (a lot earned in month M is gone after
-- the end of month M + 24) and the final tier (a virtual purchase on AS_OF).
CREATE OR REPLACE TEMP TABLE member_results AS
WITH lots AS (
    SELECT e.member, sum(e.points) AS issued,
           sum(CASE WHEN e.month_index + 24 >= a.month_index THEN e.points ELSE 0 END) AS balance
    FROM earned e, as_of a
    GROUP BY e.member
), final_spend AS (
    SELECT p.member, sum(CASE WHEN p.eligible AND p.day >= a.day - 365 THEN p.fen ELSE 0 END) AS spend
    FROM purchases p, as_of a
    GROUP BY p.member
)
SELECT l.member, l.issued, l.balance,
       CASE WHEN f.spend >= 5000000 THEN 'Diamond'
            WHEN f.spend >= 2000000 THEN 'Gold'
            WHEN f.spend >= 500000 THEN 'Silver'
            ELSE 'Regular' END AS tier
FROM lots l JOIN final_spend f USING (member);

SELECT
    (SELECT count(*) FROM purchases) AS events,
    count(*) AS members,
    (SELECT CAST(DATE '1970-01-01' + day AS VARCHAR) FROM as_of) AS as_of,
    sum(issued) AS earned,
    sum(balance) AS balance,
    count(*) FILTER (WHERE tier = 'Regular') AS "Regular",
    count(*) FILTER (WHERE tier = 'Silver') AS "Silver",
    count(*) FILTER (WHERE tier = 'Gold') AS "Gold",
    count(*) FILTER (WHERE tier = 'Diamond') AS "Diamond"
FROM member_results;
