"""Closing a campaign at size: thousands of orders confirmed, or cancelled and refunded.

    make bench-close      (or: .venv/bin/python bench/close_campaign.py)

Runs Odoo in this process on a database of its own (`groupbuy_bench_close`, or
`GROUPBUY_BENCH_DB`), made once: cloned from `GROUPBUY_BENCH_TEMPLATE` when that names
an existing database (e.g. `GROUPBUY_BENCH_TEMPLATE=gb_tmpl`), else created like the
demo one (`scripts/create_db.sh`, a few minutes on a fresh machine). Then, for each
size (200, then 2,000 orders):

- a campaign that succeeds: its waiting orders are confirmed by the campaigns' cron
  (`_cron_process_campaigns`, a commit per step), pickings created, notices queued;
- a campaign that fails: its paid orders (payment_demo) are cancelled and refunded by
  the same cron, one committed refund each.

Next to them, in the same run, the baselines: `action_confirm` called order by order on
waiting orders of another campaign (the yardstick of issue 8), and for the failing case
also the one-by-one path the close replaced (`_groupbuy_cancel_and_refund` per order);
and a reference: Odoo's stock procurement alone for waiting orders in one batch
(`_action_launch_stock_rule`, rolled back), the floor under any confirmation, and for
the failing case Odoo's provider refund alone, one committed refund per paid order
(`_send_refund_request`), the floor under any refund: both set beside the 5x goal's time
per order.

Reports the time per order (and apart, the part spent telling the customers: the
baseline tells nobody), the ratio to the baseline, and the peak memory of the
process during each close (RSS sampled every 20 ms, above the RSS when the close
started). Exits non-zero if a goal is missed: the batched close ≥ 5× faster per order
than `action_confirm` one by one, memory at 2,000 orders within 1.5× (+16 MiB) of
memory at 200, every order confirmed (with its picking) or cancelled and refunded
exactly once. Numbers are for comparison within one run, on one machine.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "groupbuy", "odoo-18.0"
)
DB = os.environ.get("GROUPBUY_BENCH_DB") or "groupbuy_bench_close"
TEMPLATE = os.environ.get("GROUPBUY_BENCH_TEMPLATE") or ""
FILESTORE = os.path.expanduser("~/.local/share/Odoo/filestore")


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def db_exists(name):
    out = subprocess.run(["psql", "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip() == "1"


def ensure_database():
    os.makedirs(os.path.join(ROOT, "var"), exist_ok=True)
    if not db_exists(DB):
        if TEMPLATE and db_exists(TEMPLATE):
            print(f"[bench] cloning {TEMPLATE} into {DB}", flush=True)
            sh("createdb", "-T", TEMPLATE, DB)
            if os.path.isdir(os.path.join(FILESTORE, TEMPLATE)):
                sh("cp", "-r", os.path.join(FILESTORE, TEMPLATE), os.path.join(FILESTORE, DB))
        else:
            print(f"[bench] creating {DB} (a few minutes, once)", flush=True)
            sh(os.path.join(ROOT, "scripts", "create_db.sh"), DB, os.path.join(ROOT, "var", "bench_close_db.log"))
    print(f"[bench] updating community_groupbuy in {DB}", flush=True)
    with open(os.path.join(ROOT, "var", "bench_close_update.log"), "w") as log:
        sh(os.path.join(ROOT, "scripts", "odoo.sh"), "-d", DB, "-u", "community_groupbuy",
           "--stop-after-init", "--log-level=warn", stdout=log, stderr=subprocess.STDOUT)


class RssPeak:
    """The peak resident memory of this process while the block runs, above its start."""

    def __enter__(self):
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        self.growth_mib = (self.peak - self.start) / 2**20


class Bench:
    def __init__(self, registry):
        import odoo  # noqa: PLC0415
        self.odoo = odoo
        self.registry = registry

    def env(self, cr):
        from odoo import SUPERUSER_ID, api  # noqa: PLC0415
        return api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})

    def setup_shared(self):
        from odoo import Command  # noqa: PLC0415
        with self.registry.cursor() as cr:
            env = self.env(cr)
            # campaigns an interrupted run of this bench left behind are not closed again
            env["groupbuy.campaign"].search([("name", "=like", "基准 %"), ("state", "in", ("open", "succeeded"))]).write(
                {"state": "cancelled"}
            )
            # settle whatever the demo data left due, so the runs below close only theirs
            env["groupbuy.campaign"]._cron_process_campaigns(auto_commit=True, time_budget=0)
            leader = env["res.partner"].create({"name": "基准测试团长", "groupbuy_is_leader": True})
            product = env["product.template"].create({
                "name": "基准水蜜桃", "type": "consu", "is_storable": True, "list_price": 39.9,
                "taxes_id": [Command.clear()],
            }).product_variant_id
            provider = env.ref("payment.payment_provider_demo")
            provider.state = "test"
            cr.commit()
            self.leader_id, self.product_id, self.provider_id = leader.id, product.id, provider.id
            self.method_id = env.ref("payment_demo.payment_method_demo").id

    def make_campaign(self, n, threshold, paid, tag, end=True):
        """A campaign with ``n`` waiting orders of ``n`` customers (orders made by the
        join's own hook, in one batch), ended; paid ones through payment_demo."""
        from odoo import Command, fields  # noqa: PLC0415
        with self.registry.cursor() as cr:
            env = self.env(cr)(context={"lang": "en_US", "tracking_disable": True, "mail_create_nolog": True})
            now = fields.Datetime.now()
            campaign = env["groupbuy.campaign"].create({
                "name": f"基准 {tag} {n}",
                "leader_id": self.leader_id,
                "date_start": now - timedelta(hours=2),
                "date_end": now + timedelta(hours=1),
                "min_participants": threshold,
                "line_ids": [Command.create({"product_id": self.product_id, "price_unit": 29.9})],
            })
            campaign.action_schedule()
            partners = env["res.partner"].create([
                {"name": f"顾客{tag}{i}", "email": f"bench.{tag}.{n}.{i}@example.com"} for i in range(n)
            ])
            line = campaign.line_ids
            vals = [
                campaign._prepare_join_order_vals(p, {line: 1.0}, i + 1, i + 1, {})
                for i, p in enumerate(partners)
            ]
            orders = env["sale.order"].create(vals)
            for order, partner in zip(orders, partners):
                order.message_subscribe(partner_ids=partner.ids)
            line._groupbuy_recompute_sold_qty()
            if paid:
                Tx = env["payment.transaction"]
                txs = Tx.create([{
                    "provider_id": self.provider_id,
                    "payment_method_id": self.method_id,
                    "amount": order.amount_total,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "reference": f"BENCH-{campaign.id}-{order.id}",
                    "operation": "online_direct",
                    "sale_order_ids": [Command.set(order.ids)],
                } for order in orders])
                txs._set_done()
                txs.is_post_processed = True
            if end:
                campaign.date_end = now - timedelta(seconds=1)
            cr.commit()
            return campaign.id, orders.ids

    def close_by_cron(self, campaign_id):
        """The campaigns' cron as Odoo's ir.cron runs it: called again while it reports
        work remaining, a commit after every step."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            calls = 0
            commits = [0]
            commit = cr.commit

            def counted_commit():
                commits[0] += 1
                return commit()

            cr.commit = counted_commit  # the cron commits through env.cr.commit
            try:
                while True:
                    calls += 1
                    env["groupbuy.campaign"]._cron_process_campaigns(
                        auto_commit=True, domain=[("id", "=", campaign_id)]
                    )
                    cr.commit()
                    campaign = env["groupbuy.campaign"].browse(campaign_id)
                    if not campaign.groupbuy_closing and campaign.state in ("done", "failed"):
                        return calls, commits[0]
                    if campaign.groupbuy_close_error:
                        raise RuntimeError(campaign.groupbuy_close_error)
            finally:
                del cr.commit

    def baseline_confirm(self, order_ids):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            start = time.perf_counter()
            for order in env["sale.order"].browse(order_ids):
                order.action_confirm()
            cr.commit()
            return time.perf_counter() - start

    def procurement_floor(self, order_ids):
        """Odoo's stock procurement alone (``sale.order.line._action_launch_stock_rule``:
        procurement groups, rules, moves, pickings) for waiting orders of another
        campaign, as one batch in the close's context: the part of a confirmation that
        no batching of the close removes. Timed, then rolled back."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            orders = env["sale.order"].browse(order_ids).with_context(
                groupbuy_close_pickings=True, **env["groupbuy.campaign"]._groupbuy_batch_context()
            )
            orders.write(orders._prepare_confirmation_values())
            env.flush_all()
            start = time.perf_counter()
            orders.order_line._action_launch_stock_rule()
            env.flush_all()
            elapsed = time.perf_counter() - start
            made = sum(1 for o in orders if len(o.picking_ids) == 1)
            cr.rollback()
            if made != len(orders):
                raise RuntimeError(f"procurement made {made} deliveries for {len(orders)} orders")
            return elapsed

    def refund_floor(self, order_ids):
        """Odoo's provider refund alone (``payment.transaction._send_refund_request``
        of each paid order's transaction, committed one by one as the close commits
        each refund: the money has left), the part of a failing close that no batching
        removes: a provider refunds one transaction per call."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            txs = env["sale.order"].browse(order_ids).transaction_ids.filtered(lambda t: t.state == "done")
            start = time.perf_counter()
            for tx in txs:
                tx._send_refund_request(amount_to_refund=tx.amount)
                cr.commit()
            elapsed = time.perf_counter() - start
            refunds = txs.child_transaction_ids.filtered(lambda t: t.operation == "refund" and t.state == "done")
            if len(refunds) != len(order_ids):
                raise RuntimeError(f"{len(refunds)} refunds done for {len(order_ids)} orders")
            return elapsed

    def baseline_cancel_refund(self, order_ids):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            start = time.perf_counter()
            for order in env["sale.order"].browse(order_ids):
                order._groupbuy_cancel_and_refund("failed", "bench baseline")
                cr.commit()
            return time.perf_counter() - start

    def check(self, campaign_id, order_ids, succeed):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            orders = env["sale.order"].browse(order_ids)
            if succeed:
                # confirmed once: one delivery each (a second confirmation would add none,
                # but a second procurement would), and one order confirmation mail each
                good = sum(1 for o in orders if o.state == "sale" and len(o.picking_ids) == 1)
                return {"confirmed_with_one_picking": good, "ok": good == len(orders)}
            refunds = orders.transaction_ids.child_transaction_ids.filtered(lambda t: t.operation == "refund")
            per_order = {}
            for tx in refunds:
                for order in tx.source_transaction_id.sale_order_ids:
                    per_order[order.id] = per_order.get(order.id, 0) + 1
            once = sum(1 for o in orders if per_order.get(o.id) == 1)
            ok = all(o.state == "cancel" for o in orders) and once == len(orders)
            return {"cancelled": sum(1 for o in orders if o.state == "cancel"), "refunded_once": once, "ok": ok}

    def run_close(self, n, succeed):
        tag = "S" if succeed else "F"
        campaign_id, order_ids = self.make_campaign(n, threshold=1 if succeed else n + 1, paid=not succeed, tag=tag)
        # the customers' notices (one message and mail each) are timed apart: the
        # action_confirm baseline sends none
        model = self.registry["sale.order"]
        send_notices = model._groupbuy_send_notices
        notices = [0.0]

        def timed_notices(records, *args, **kwargs):
            start = time.perf_counter()
            try:
                return send_notices(records, *args, **kwargs)
            finally:
                notices[0] += time.perf_counter() - start

        model._groupbuy_send_notices = timed_notices
        try:
            with RssPeak() as mem:
                start = time.perf_counter()
                calls, commits = self.close_by_cron(campaign_id)
                elapsed = time.perf_counter() - start
        finally:
            model._groupbuy_send_notices = send_notices
        result = self.check(campaign_id, order_ids, succeed)
        return {
            "orders": n, "seconds": round(elapsed, 2), "ms_per_order": round(elapsed * 1000 / n, 2),
            "notices_ms_per_order": round(notices[0] * 1000 / n, 2),
            "without_notices_ms_per_order": round((elapsed - notices[0]) * 1000 / n, 2),
            "cron_calls": calls, "commits": commits, "rss_peak_growth_mib": round(mem.growth_mib, 1), **result,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--baseline", type=int, default=100, help="orders in each one-by-one baseline")
    parser.add_argument("--kinds", default="succeed,fail", help="closes to run: succeed, fail or both")
    args = parser.parse_args()
    kinds = [k for k in ("succeed", "fail") if k in args.kinds.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    ensure_database()

    sys.path.insert(0, ODOO_SRC)
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415
    config.parse_config([
        "-c", os.environ.get("ODOO_CONF") or os.path.join(ROOT, "odoo.conf"),
        f"--addons-path={ODOO_SRC}/addons,{ODOO_SRC}/odoo/addons,{ROOT}/addons",
        "-d", DB, "--log-level=warn",
    ])
    odoo.netsvc.init_logger()
    from odoo.modules.registry import Registry  # noqa: PLC0415
    bench = Bench(Registry(DB))
    bench.setup_shared()
    with bench.registry.cursor() as cr:
        batch = bench.env(cr)["groupbuy.campaign"]._groupbuy_close_batch_size()

    print(f"[bench] baseline: action_confirm one by one, {args.baseline} orders", flush=True)
    _cid, base_ids = bench.make_campaign(args.baseline, threshold=args.baseline + 1, paid=False, tag="B", end=False)
    base_confirm = bench.baseline_confirm(base_ids) * 1000 / args.baseline
    print(f"[bench] reference: Odoo's procurement alone, {args.baseline} orders in one batch", flush=True)
    _cid, floor_ids = bench.make_campaign(args.baseline, threshold=args.baseline + 1, paid=False, tag="P", end=False)
    floor = bench.procurement_floor(floor_ids) * 1000 / args.baseline
    base_refund = refund_floor = 0.0
    if "fail" in kinds:
        print(f"[bench] baseline: cancel and refund one by one, {args.baseline} paid orders", flush=True)
        _cid, base_ids = bench.make_campaign(args.baseline, threshold=args.baseline + 1, paid=True, tag="R", end=False)
        base_refund = bench.baseline_cancel_refund(base_ids) * 1000 / args.baseline
        print(f"[bench] reference: Odoo's provider refund alone, {args.baseline} paid orders", flush=True)
        _cid, floor_ids = bench.make_campaign(args.baseline, threshold=args.baseline + 1, paid=True, tag="Q", end=False)
        refund_floor = bench.refund_floor(floor_ids) * 1000 / args.baseline

    runs = {kind: [] for kind in kinds}
    for n in sizes:
        for kind in kinds:
            print(f"[bench] {kind}: {n} orders", flush=True)
            runs[kind].append(bench.run_close(n, kind == "succeed"))
            print(json.dumps({"kind": kind, **runs[kind][-1],
                              "baseline_action_confirm_ms_per_order": round(base_confirm, 2),
                              "baseline_cancel_refund_ms_per_order": round(base_refund, 2)}), flush=True)

    report = {
        "close_batch_size": batch,
        "baseline_action_confirm_ms_per_order": round(base_confirm, 2),
        "baseline_cancel_refund_ms_per_order": round(base_refund, 2),
        "reference_procurement_alone_ms_per_order": round(floor, 2),
        "reference_provider_refund_alone_ms_per_order": round(refund_floor, 2),
        "target_ms_per_order_5x": round(base_confirm / 5, 2),
        "runs": runs,
    }
    goals = {}
    for kind, rows in runs.items():
        for row in rows:
            row["speedup_vs_action_confirm"] = round(base_confirm / row["ms_per_order"], 2)
            row["speedup_without_notices_vs_action_confirm"] = round(
                base_confirm / max(row["without_notices_ms_per_order"], 0.01), 2
            )
            if kind == "fail":
                row["speedup_vs_cancel_refund_one_by_one"] = round(base_refund / row["ms_per_order"], 2)
        small, large = rows[0], rows[-1]
        goals[f"{kind}: >= 5x faster per order than action_confirm one by one"] = all(
            r["speedup_vs_action_confirm"] >= 5 for r in rows
        )
        goals[f"{kind}: memory flat ({sizes[0]} -> {sizes[-1]} orders)"] = (
            large["rss_peak_growth_mib"] <= 1.5 * small["rss_peak_growth_mib"] + 16
        )
        goals[f"{kind}: every order done exactly once"] = all(r["ok"] for r in rows)
        goals[f"{kind}: a commit per batch of {batch} orders at least"] = all(
            r["commits"] >= -(-r["orders"] // batch) for r in rows
        )
    report["goals"] = goals
    print(json.dumps(report, ensure_ascii=False, indent=2))
    with open(os.path.join(ROOT, "var", "bench_close.json"), "w") as f:
        json.dump(report, f, ensure_ascii=False, indent=2)
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
