"""Flash sale under load: real server, several workers, hundreds of customers at once.

    make bench            (or: .venv/bin/python bench/flash_sale.py)

Starts Odoo with --workers on a database of its own (`groupbuy_bench`, created once
like the demo one), opens a flash campaign with CAP units through JSON-RPC, then fires
CUSTOMERS concurrent customers at it, each as a real browser would: open the campaign
page (session and CSRF token), then post the join form with a name and phone number.
Before that, the same number of concurrent requests hit a trivial authenticated JSON
route of the same server (`/web/session/get_session_info`): the baseline.

Reports joins/s, p50/p95 latency, units sold (must equal the cap), orders lost (must be
0) and 5xx responses (must be 0) next to the baseline, and exits non-zero if a
guarantee is broken. Numbers are for comparison within one run, on one machine.
"""
import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg2
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = "groupbuy_bench"


def percentile(values, pct):
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * pct / 100.0
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


class ReverseProxy:
    """What nginx does in front of Odoo's workers: accept every customer's connection at
    once and pass at most `upstream` of them to Odoo at a time. (Odoo's own listen
    backlog is 8 connections per worker; past it, connections are reset.)"""

    def __init__(self, target_port, upstream):
        self.target_port = target_port
        self.upstream = upstream
        self.loop = asyncio.new_event_loop()
        self.port = None
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait(10)

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.slots = asyncio.Semaphore(self.upstream)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=4096)
        )
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _handle(self, client_reader, client_writer):
        async with self.slots:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            except OSError:
                client_writer.close()
                return

            async def pipe(src, dst):
                try:
                    while data := await src.read(65536):
                        dst.write(data)
                        await dst.drain()
                except (ConnectionError, OSError):
                    pass
                finally:
                    dst.close()

            await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer))


def ensure_database():
    with psycopg2.connect(dbname="postgres") as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
            exists = cr.fetchone()
    if not exists:
        print(f"[bench] creating {DB} (a few minutes, once)", flush=True)
        subprocess.run([os.path.join(ROOT, "scripts", "create_db.sh"), DB,
                        os.path.join(ROOT, "var", "bench_db.log")], check=True)
    else:  # the addons may have changed since
        subprocess.run([os.path.join(ROOT, "scripts", "odoo.sh"), "-d", DB, "-u", "community_groupbuy",
                        "--stop-after-init", "--log-level=warn"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_server(port, workers):
    log = open(os.path.join(ROOT, "var", "bench_server.log"), "w")  # noqa: SIM115
    proc = subprocess.Popen([
        os.path.join(ROOT, "scripts", "odoo.sh"), "-d", DB, f"--db-filter=^{DB}$",
        f"--http-port={port}", f"--workers={workers}", "--max-cron-threads=0",
        "--db_maxconn=64", "--limit-time-real=120", "--limit-request=100000",
        "--log-level=warn",
    ], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(f"{base}/web/login", timeout=2).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit("[bench] the server did not start: see var/bench_server.log")


def rpc(session, base, model, method, *args, **kwargs):
    response = session.post(f"{base}/web/dataset/call_kw", json={
        "jsonrpc": "2.0", "method": "call",
        "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
    }, timeout=120).json()
    if "error" in response:
        raise SystemExit(f"[bench] {model}.{method}: {response['error']['data']['message']}")
    return response["result"]


def admin_session(base):
    session = requests.Session()
    response = session.post(f"{base}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": DB, "login": "admin", "password": "admin"},
    }, timeout=60).json()
    if "error" in response or not response.get("result", {}).get("uid"):
        raise SystemExit("[bench] admin/admin could not log in to the bench database")
    return session


def open_flash_campaign(session, base, cap):
    stamp = datetime.now().strftime("%H%M%S")
    product = rpc(session, base, "product.product", "create", [{"name": f"压测秒杀草莓 {stamp}", "list_price": 39.0}])[0]
    leader = rpc(session, base, "res.partner", "search", [["groupbuy_is_leader", "=", True]], limit=1)[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    campaign = rpc(session, base, "groupbuy.campaign", "create", [{
        "name": f"压测秒杀 {stamp}",
        "leader_id": leader,
        "mode": "flash",
        "min_participants": 10,
        "date_start": (now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "date_end": (now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "line_ids": [[0, 0, {"product_id": product, "price_unit": 9.9, "max_qty": cap, "max_qty_per_customer": 2}]],
    }])[0]
    rpc(session, base, "groupbuy.campaign", "action_schedule", [campaign])
    record = rpc(session, base, "groupbuy.campaign", "read", [campaign], ["share_code", "line_ids"])[0]
    return campaign, record["share_code"], record["line_ids"][0]


def fire(n, job):
    """Run `job(i)` in n threads released together; returns the list of results."""
    results = [None] * n
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        results[i] = job(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def baseline(base, n):
    session = admin_session(base)
    cookie = session.cookies.get("session_id")

    def job(_i):
        s = requests.Session()
        s.cookies.set("session_id", cookie)
        t0 = time.perf_counter()
        try:
            r = s.post(f"{base}/web/session/get_session_info", json={"jsonrpc": "2.0", "params": {}}, timeout=120)
            return r.status_code, time.perf_counter() - t0
        except requests.RequestException:
            return 0, time.perf_counter() - t0
        finally:
            s.close()

    return fire(n, job)


def flash(base, code, line_id, n):
    url = f"{base}/groupbuy/{code}"

    def job(i):
        s = requests.Session()
        t0 = time.perf_counter()
        try:
            page = s.get(url, timeout=120)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = s.post(f"{url}/join", data={
                "csrf_token": token, f"qty_{line_id}": "1",
                "name": f"压测顾客{i}", "phone": f"170{i:08d}",
            }, allow_redirects=False, timeout=120)
            order = re.search(r"/my/groupbuy/(\d+)", r.headers.get("Location", "")) if r.status_code == 303 else None
            return r.status_code, time.perf_counter() - t0, int(order.group(1)) if order else None
        except (requests.RequestException, AttributeError):
            return 0, time.perf_counter() - t0, None
        finally:
            s.close()

    return fire(n, job)


def summary(name, results, elapsed, ok_codes):
    latencies = [r[1] for r in results]
    ok = sum(1 for r in results if r[0] in ok_codes)
    return {
        "name": name,
        "requests": len(results),
        "ok": ok,
        "per_second": round(ok / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "5xx": sum(1 for r in results if r[0] >= 500),
        "connection_errors": sum(1 for r in results if r[0] == 0),
        "wall_s": round(elapsed, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--cap", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--upstream", type=int, default=0,
                        help="connections the proxy passes to Odoo at once (default: 2 per worker)")
    args = parser.parse_args()
    os.makedirs(os.path.join(ROOT, "var"), exist_ok=True)
    ensure_database()
    proc, direct = start_server(args.port, args.workers)
    try:
        session = admin_session(direct)
        campaign, code, line_id = open_flash_campaign(session, direct, args.cap)
        for _i in range(args.workers * 2):  # every worker renders the page once before
            requests.get(f"{direct}/groupbuy/{code}", timeout=60)
        proxy = ReverseProxy(args.port, args.upstream or args.workers * 2)
        base = f"http://127.0.0.1:{proxy.port}"
        base_results, base_elapsed = baseline(base, args.customers)
        join_results, join_elapsed = flash(base, code, line_id, args.customers)
        accepted = [r[2] for r in join_results if r[0] == 303 and r[2]]
        with psycopg2.connect(dbname=DB) as cnx, cnx.cursor() as cr:
            cr.execute("SELECT sold_qty FROM groupbuy_campaign_line WHERE id = %s", [line_id])
            sold_counter = float(cr.fetchone()[0])
            cr.execute("""SELECT so.id, sol.product_uom_qty FROM sale_order so
                          JOIN sale_order_line sol ON sol.order_id = so.id
                          WHERE so.groupbuy_campaign_id = %s AND so.state != 'cancel'""", [campaign])
            rows = cr.fetchall()
        order_ids = {r[0] for r in rows}
        units_in_orders = sum(float(r[1]) for r in rows)
        lost = [oid for oid in accepted if oid not in order_ids]
        base_sum = summary("baseline: authenticated JSON route", base_results, base_elapsed, {200})
        join_sum = summary("flash sale: page + join", join_results, join_elapsed, {303})
        report = {
            "customers": args.customers, "cap": args.cap, "workers": args.workers,
            "proxy_upstream": proxy.upstream,
            "baseline": base_sum, "flash": join_sum,
            "joins_accepted": len(accepted),
            "joins_refused_sold_out": sum(1 for r in join_results if r[0] == 400),
            "units_sold_counter": sold_counter,
            "units_sold_in_orders": units_in_orders,
            "orders_lost": len(lost),
            "ratio_p50_flash_to_baseline": round(join_sum["p50_ms"] / max(base_sum["p50_ms"], 0.1), 1),
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        broken = (units_in_orders != args.cap or sold_counter != args.cap or lost
                  or join_sum["5xx"] or base_sum["5xx"] or join_sum["connection_errors"])
        return 1 if broken else 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
