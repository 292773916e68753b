"""Pages at size: a campaign of 5,000 orders against one of 50, same server, same run.

    .venv/bin/python bench/pages.py [--db groupbuy_bench] [--port 8099] [--requests 60]

On the bench database (`--db`, as bench/flash_sale.py makes it), the demo leader
(`leader`/`leader`) gets two open campaigns, one with 50 entries and one with 5,000
(created once, in batches, by an Odoo shell; kept for the next runs). Odoo is started
with --workers=2, then each page is requested REQUESTS times per size, the two sizes
alternating (so that both see the same machine), 2 at a time:

- the leader's campaign page `/my/groupbuy/campaigns/<id>` (logged in as the leader);
- the public campaign page `/groupbuy/<code>` (a visitor);
- the chain JSON `/groupbuy/<code>/chain` as an open page polls it (after the entry
  before last: one new entry).

It reports p50/p95 per page and size, the p95 ratio 5,000 : 50, and the SQL queries of
each request (Odoo's own count, from its request log), and exits non-zero unless every
request succeeded, each page runs the same number of queries at both sizes, and every
p95 ratio is at most 1.5.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flash_sale  # noqa: E402  (same folder: database, server, sessions)

ROOT = flash_sale.ROOT
SIZES = (50, 5000)

SETUP = r"""
from datetime import timedelta
from odoo import Command, fields
leader = env["res.users"].search([("login", "=", "leader")], limit=1).partner_id.commercial_partner_id
product = env["product.product"].search([("name", "=", "压测接龙苹果")], limit=1) or env["product.product"].create(
    {"name": "压测接龙苹果", "list_price": 12.0, "taxes_id": [Command.clear()]})
now = fields.Datetime.now()
out = {}
for size in SIZES:
    name = f"压测接龙 {size} 单"
    campaign = env["groupbuy.campaign"].search([("name", "=", name), ("state", "=", "open")], limit=1)
    if campaign and campaign.date_end < now + timedelta(days=1):
        campaign.date_end = now + timedelta(days=30)
    if not campaign:
        campaign = env["groupbuy.campaign"].create({
            "name": name, "leader_id": leader.id, "min_participants": size * 10,
            "date_start": now - timedelta(hours=1), "date_end": now + timedelta(days=30),
            "line_ids": [Command.create({"product_id": product.id, "price_unit": 9.9})],
        })
        campaign.action_schedule()
        line = campaign.line_ids
        Order = env["sale.order"].with_context(mail_create_nolog=True, mail_create_nosubscribe=True,
                                               tracking_disable=True, mail_notrack=True)
        for start in range(0, size, 500):
            count = min(500, size - start)
            partners = env["res.partner"].create([
                {"name": f"压测接龙顾客{size}-{i}", "phone": f"16{size:05d}{i:04d}"} for i in range(start, start + count)
            ])
            Order.create([{
                "partner_id": partner.id,
                "groupbuy_campaign_id": campaign.id,
                "groupbuy_leader_id": leader.id,
                "groupbuy_source_leader_id": leader.id,
                "groupbuy_sequence": start + n + 1,
                "groupbuy_status": "waiting",
                "require_payment": True,
                "order_line": [Command.create({
                    "product_id": product.id, "product_uom_qty": 1, "price_unit": 9.9, "groupbuy_line_id": line.id,
                })],
            } for n, partner in enumerate(partners)])
            env.cr.commit()
        campaign.join_sequence_id.number_next = size + 1
        line._groupbuy_recompute_sold_qty()
    env.cr.commit()
    out[size] = {"id": campaign.id, "code": campaign.share_code, "entries": campaign._get_chain_count()}
print("PAGES_BENCH " + json.dumps(out))
"""


def setup_campaigns():
    script = "import json\nSIZES = %r\n" % (SIZES,) + SETUP
    result = subprocess.run(
        [os.path.join(ROOT, "scripts", "odoo.sh"), "shell", "-d", flash_sale.DB, "--no-http", "--log-level=warn"],
        input=script, capture_output=True, text=True, check=False,
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("PAGES_BENCH ")), None)
    if not line:
        raise SystemExit(f"[pages] setting the campaigns up failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return {int(k): v for k, v in json.loads(line[len("PAGES_BENCH "):]).items()}


def start_server(port, workers):
    log_path = os.path.join(ROOT, "var", "bench_pages_server.log")
    log = open(log_path, "w")  # noqa: SIM115
    proc = subprocess.Popen([
        os.path.join(ROOT, "scripts", "odoo.sh"), "-d", flash_sale.DB, f"--db-filter=^{flash_sale.DB}$",
        f"--http-port={port}", f"--gevent-port={port + 4}", f"--workers={workers}", "--max-cron-threads=0",
        "--limit-time-real=120", "--limit-request=100000", "--log-level=info",
        "--log-handler=werkzeug:INFO", "--log-handler=odoo:WARNING",
    ], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    flash_sale.wait_for(base, "the server")
    return proc, base, log_path


# werkzeug's request line, with Odoo's query count, query time and other time
LOG_RE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d+) - (\d+) ([\d.]+) ([\d.]+)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=flash_sale.DB)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--requests", type=int, default=60, help="per page and size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()
    flash_sale.DB = args.db
    os.makedirs(os.path.join(ROOT, "var"), exist_ok=True)
    flash_sale.ensure_database()
    campaigns = setup_campaigns()
    proc, base, log_path = start_server(args.port, args.workers)
    try:
        leader = flash_sale.login(base, "leader", "leader").cookies.get("session_id")
        # a visitor is sent to the page in their language (/en/...): measure that page
        public = {size: urlparse(requests.get(f"{base}/groupbuy/{campaigns[size]['code']}", timeout=120).url).path
                  for size in SIZES}
        pages = {
            "leader's campaign page": lambda size: (
                "GET", f"/my/groupbuy/campaigns/{campaigns[size]['id']}", leader, None),
            "public campaign page": lambda size: ("GET", public[size], None, None),
            "chain JSON (poll)": lambda size: (
                "POST", f"/groupbuy/{campaigns[size]['code']}/chain", None,
                {"jsonrpc": "2.0", "params": {"after": campaigns[size]["entries"] - 1}}),
        }
        lock = threading.Lock()
        timings = {(page, size): [] for page in pages for size in SIZES}
        failures = []

        def call(page, size):
            method, path, cookie, payload = pages[page](size)
            with requests.Session() as s:
                if cookie:
                    s.cookies.set("session_id", cookie)
                t0 = time.perf_counter()
                r = s.request(method, base + path, json=payload, timeout=120)
                elapsed = time.perf_counter() - t0
            ok = r.status_code == 200 and ("error" not in r.json() if payload else True)
            with lock:
                timings[(page, size)].append(elapsed)
                if not ok:
                    failures.append((page, size, r.status_code))

        for page in pages:  # warm every worker's caches
            for size in SIZES:
                for _i in range(args.workers * 2):
                    call(page, size)
        for key in timings:
            timings[key].clear()
        time.sleep(1)
        marker = os.path.getsize(log_path)  # the request log from here on is measured
        jobs = [(page, size) for page in pages for _i in range(args.requests) for size in SIZES]
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda job: call(*job), jobs))
        time.sleep(1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)

    # the queries of each request, from the server's request log (after the warm-up)
    queries = {key: [] for key in timings}
    paths = {pages[page](size)[1]: (page, size) for page in pages for size in SIZES}
    with open(log_path, "rb") as f:
        f.seek(marker)
        for line in f.read().decode(errors="replace").splitlines():
            m = LOG_RE.search(line)
            if m and m.group(2).split("?")[0] in paths:
                queries[paths[m.group(2).split("?")[0]]].append(int(m.group(4)))
    report = {"entries": {size: campaigns[size]["entries"] for size in SIZES}, "workers": args.workers,
              "requests_per_page_and_size": args.requests, "pages": []}
    broken = [f"{p} ({s} entries): HTTP {c}" for p, s, c in failures[:5]]
    for page in pages:
        row = {"page": page}
        for size in SIZES:
            values = timings[(page, size)]
            row[f"p50_ms_{size}"] = round(flash_sale.percentile(values, 50) * 1000, 1)
            row[f"p95_ms_{size}"] = round(flash_sale.percentile(values, 95) * 1000, 1)
            counts = queries[(page, size)]
            # the usual count (a request that met an emptied cache may run a few more)
            row[f"queries_{size}"] = max(set(counts), key=counts.count) if counts else None
            row[f"queries_{size}_seen"] = sorted(set(counts))
        row["p95_ratio"] = round(row[f"p95_ms_{SIZES[1]}"] / max(row[f"p95_ms_{SIZES[0]}"], 0.1), 2)
        report["pages"].append(row)
        if row[f"queries_{SIZES[0]}"] != row[f"queries_{SIZES[1]}"]:
            broken.append(f"{page}: queries differ with the size")
        if row["p95_ratio"] > 1.5:
            broken.append(f"{page}: p95 ratio {row['p95_ratio']} > 1.5")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, ensure_ascii=False, indent=2)
    if broken:
        print("[pages] BROKEN: " + "; ".join(broken), flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
