"""Monthly settlement at scale: 5,000 vs 100,000 eligible commission lines.

    .venv/bin/python bench/commission_settlement.py [--db DB]

Runs in-process on a database where `groupbuy_commission` is installed (default
`groupbuy_bench`), inside one transaction that is rolled back at the end (the database
is left as it was). For each size it makes that many eligible lines for 100 leaders
(a month's batch: the number of leaders is the same, their lines 20 times more), then
times:

- `create_settlements()`: one settlement per leader, lines claimed by batched guarded
  UPDATE ... FROM unnest(...) statements (the step that grows with the lines);
- `action_confirm()`: the 100 leaders' vendor bills, one batched create (grows with the
  number of leaders, not of lines).

Next to it, the baseline: the same claim done one ORM call per line
(`line.write({"settlement_id": ..., "state": "settled"})`) on 2,000 lines.

It fails (exit 1) unless the 100k run takes at most 20x the 5k run and the batched
claim is at least 10x faster per line than the per-line baseline. Numbers compare
runs within one process on one machine; nothing here is a timed test assertion.
"""
import argparse
import os
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC", os.path.expanduser("~/.cache/groupbuy/odoo-18.0"))
sys.path.insert(0, ODOO_SRC)

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api, fields  # noqa: E402
from odoo.tools import config  # noqa: E402

LEADERS = 100
BASELINE_LINES = 2000


def make_lines(env, count, tag):
    """``count`` eligible lines for 100 new leaders (fixture data: one INSERT)."""
    leaders = env["res.partner"].create([
        {"name": f"压测团长 {tag}-{i}", "groupbuy_is_leader": True} for i in range(LEADERS)
    ])
    env.cr.execute(
        """
        INSERT INTO groupbuy_commission_line
            (company_id, currency_id, leader_id, amount, kind, state, date, date_eligible,
             create_uid, create_date, write_uid, write_date)
        SELECT %(company)s, %(currency)s, (%(leaders)s)[1 + (n %% %(nleaders)s)], 1.23, 'bonus', 'eligible',
               now() at time zone 'UTC', %(day)s, 1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM generate_series(1, %(count)s) n
        """,
        {
            "company": env.company.id,
            "currency": env.company.currency_id.id,
            "leaders": leaders.ids,
            "nleaders": len(leaders),
            "day": fields.Date.today() - timedelta(days=1),
            "count": count,
        },
    )
    return leaders


def run(env, count, tag):
    Settlement = env["groupbuy.commission.settlement"]
    leaders = make_lines(env, count, tag)
    env.invalidate_all()
    start = time.perf_counter()
    ids = Settlement.create_settlements(leader_ids=leaders.ids)
    env.flush_all()
    settle = time.perf_counter() - start
    settlements = Settlement.browse(ids)
    start = time.perf_counter()
    settlements.action_confirm()
    env.flush_all()
    bill = time.perf_counter() - start
    claimed = env["groupbuy.commission.line"].search_count([("settlement_id", "in", ids)])
    assert claimed == count, (claimed, count)
    assert len(settlements.move_id) == len(leaders)
    return settle, bill, len(leaders)


def baseline(env):
    """The same claim, one ORM call per line."""
    leaders = make_lines(env, BASELINE_LINES, "baseline")
    env.invalidate_all()
    start = time.perf_counter()
    settlements = {}
    for line in env["groupbuy.commission.line"].search(
        [("leader_id", "in", leaders.ids), ("state", "=", "eligible")]
    ):
        settlement = settlements.get(line.leader_id.id)
        if not settlement:
            settlement = settlements[line.leader_id.id] = env["groupbuy.commission.settlement"].create(
                {"leader_id": line.leader_id.id, "date_to": fields.Date.today()}
            )
        line.write({"settlement_id": settlement.id, "state": "settled"})
        env.flush_all()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="groupbuy_bench")
    args = parser.parse_args()
    config.parse_config(["-c", os.path.join(ROOT, "odoo.conf"), "-d", args.db, "--log-level=warn",
                         f"--addons-path={ODOO_SRC}/addons,{ODOO_SRC}/odoo/addons,{ROOT}/addons"])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        try:
            small = run(env, 5000, "5k")
            large = run(env, 100000, "100k")
            base = baseline(env)
        finally:
            cr.rollback()
    per_line_small = small[0] / 5000
    per_line_large = large[0] / 100000
    per_line_base = base / BASELINE_LINES
    ratio = (large[0] + large[1]) / (small[0] + small[1])
    speedup = per_line_base / per_line_large
    print(f"5k lines   ({small[2]} leaders): settle {small[0]:.2f}s, bills {small[1]:.2f}s, "
          f"{per_line_small * 1e6:.0f} µs/line")
    print(f"100k lines ({large[2]} leaders): settle {large[0]:.2f}s, bills {large[1]:.2f}s, "
          f"{per_line_large * 1e6:.0f} µs/line")
    print(f"one ORM call per line ({BASELINE_LINES} lines): {base:.2f}s, {per_line_base * 1e6:.0f} µs/line")
    print(f"100k / 5k total time: {ratio:.1f}x (must be <= 20x)")
    print(f"batched vs per-line claim, per line: {speedup:.1f}x faster (must be >= 10x)")
    ok = ratio <= 20 and speedup >= 10
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
