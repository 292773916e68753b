"""Flash sale under load: the real server, hundreds of logged-in customers at once.

    make bench            (or: .venv/bin/python bench/flash_sale.py [options])

Starts Odoo on a database of its own (`--db`, default `groupbuy_bench`, created once like
the demo one) in one of three shapes: `--server workers` (default: `--workers=N`, behind
a small reverse proxy in this script that passes 2 connections per worker at a time, as
nginx does), `--server threaded` (what `make run` starts: no `--workers`, hit directly,
every customer at once) or `--nodes 2` (`scripts/cluster.sh`: two Odoo nodes behind
Debian's nginx on one PostgreSQL, sharing the filestore and sessions; with `--workers`
nodes HAProxy queues the burst between nginx and the nodes, one request per worker).

The customers are portal users of the bench database (`bench_customer_<i>`, created the
first time with a password); each logs in BEFORE the measured bursts (logins are not
measured; their sessions are kept in var/ and reused while valid). Then, on a new flash
campaign with CAP units, three bursts of CUSTOMERS concurrent requests, one request per
customer each, released together:

1. baseline: a trivial authenticated JSON route (`/web/session/get_session_info`);
2. reference: Odoo's own home page (`GET /`, as each customer): a page of Odoo's alone
   in the website's layout, the header, menus, cart link and footer that every page of
   the website (the campaign page among them) renders around its content;
3. page: the campaign page (`GET /groupbuy/<code>`, as each customer);
4. join: the join form's single POST (`/groupbuy/<code>/join`, 1 unit).

It reports requests/s, p50 and p95 of each burst, the page's and the join's throughput
as ratios to the baseline's (same server, same workers, same run), the home page's too
and the campaign page's to the home page's (what the campaign adds to Odoo's own
page), units sold, orders
lost and 5xx, and exits non-zero if a guarantee is broken: units sold by the counter =
units in orders = accepted joins (= the cap when the customers want more than the cap),
0 orders lost, 0 5xx, 0 connection errors, and every refusal a sentence (sold out, too
busy). A flash campaign queues its joins: after the join burst every customer whose join
was queued follows their waiting page as the browser does (the page, then its script's
poll of the request's state, after 2 s and then when the server says, all customers at
once) until it leads to their order; the bench reports
when each got there (p50, p95, max after the burst), when the queue was empty, and fails
if a page does not lead to the customer's own order or errs. Numbers are for comparison
within one run, on one machine.
"""
import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import psycopg2
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = "groupbuy_bench"  # --db
PASSWORD = "bench-customer-pw"


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
    elif os.environ.get("BENCH_SKIP_UPDATE") != "1":  # the addons may have changed since
        subprocess.run([os.path.join(ROOT, "scripts", "odoo.sh"), "-d", DB, "-u", "community_groupbuy",
                        "--stop-after-init", "--log-level=warn"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(base, what):
    for _ in range(180):
        try:
            if requests.get(f"{base}/web/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit(f"[bench] {what} did not start: see var/bench_server*.log")


def start_server(port, workers, threaded):
    log = open(os.path.join(ROOT, "var", "bench_server.log"), "w")  # noqa: SIM115
    shape = [] if threaded else [f"--workers={workers}", "--limit-request=100000"]
    # what `make run` does for the threaded server (scripts/odoo.sh): a bounded number of
    # request threads (ODOO_MAX_HTTP_THREADS), under the connection pool with the
    # reservations' own bounded connections
    proc = subprocess.Popen([
        os.path.join(ROOT, "scripts", "odoo.sh"), "-d", DB, f"--db-filter=^{DB}$",
        f"--http-port={port}", f"--gevent-port={port + 9}", *shape,
        # one cron worker, as a deployment has: it makes the queued joins' orders
        "--max-cron-threads=1",
        "--limit-time-real=120", f"--log-level={os.environ.get('BENCH_LOG_LEVEL', 'warn')}",
    ], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_for(base, "the server")
    return [proc], base


def start_cluster(port, workers):
    """scripts/cluster.sh: nginx on `port`, two nodes on port+1 and port+2."""
    env = dict(os.environ, CLUSTER_DB=DB, CLUSTER_PORT=str(port), CLUSTER_WORKERS=str(workers),
               CLUSTER_CRON_THREADS="1", CLUSTER_RUN=os.path.join(ROOT, "var", "bench-cluster"))
    log = open(os.path.join(ROOT, "var", "bench_server.log"), "w")  # noqa: SIM115
    proc = subprocess.Popen([os.path.join(ROOT, "scripts", "cluster.sh")], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_for(base, "the cluster")
    for node in (port + 1, port + 2):
        wait_for(f"http://127.0.0.1:{node}", f"node :{node}")
    return [proc], base


def rpc(session, base, model, method, *args, **kwargs):
    response = session.post(f"{base}/web/dataset/call_kw", json={
        "jsonrpc": "2.0", "method": "call",
        "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
    }, timeout=300).json()
    if "error" in response:
        raise SystemExit(f"[bench] {model}.{method}: {response['error']['data']['message']}")
    return response["result"]


def login(base, user, password):
    session = requests.Session()
    response = session.post(f"{base}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": DB, "login": user, "password": password},
    }, timeout=120).json()
    if "error" in response or not response.get("result", {}).get("uid"):
        raise SystemExit(f"[bench] {user} could not log in to the bench database")
    return session


def admin_session(base):
    return login(base, "admin", "admin")


def ensure_customers(session, base, n):
    """Portal users bench_customer_0..n-1 with a password (created once, kept)."""
    logins = [f"bench_customer_{i}" for i in range(n)]
    existing = {u["login"] for u in rpc(session, base, "res.users", "search_read",
                                         [["login", "in", logins]], ["login"])}
    missing = [name for name in logins if name not in existing]
    if missing:
        print(f"[bench] creating {len(missing)} portal customers (once)", flush=True)
        portal = rpc(session, base, "ir.model.data", "check_object_reference", "base", "group_portal")[1]

        def create(batch):
            rpc(session, base, "res.users", "create", [{
                "name": f"压测顾客{name.rsplit('_', 1)[1]}", "login": name, "password": PASSWORD,
                "groups_id": [[6, 0, [portal]]],
            } for name in batch])

        batches = [missing[i:i + 10] for i in range(0, len(missing), 10)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(create, batches))
    return logins


def customer_sessions(base, logins):
    """A logged-in session per customer (not measured); cookies reused while valid."""
    path = os.path.join(ROOT, "var", f"bench_sessions_{DB}.json")
    saved = {}
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)

    def one(name):
        if saved.get(name):
            s = requests.Session()
            s.cookies.set("session_id", saved[name])
            info = s.post(f"{base}/web/session/get_session_info", json={"jsonrpc": "2.0", "params": {}},
                          timeout=120).json()
            if info.get("result", {}).get("uid"):
                return saved[name]
        return login(base, name, PASSWORD).cookies.get("session_id")

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        cookies = list(pool.map(one, logins))
    saved.update(zip(logins, cookies))
    with open(path + ".tmp", "w") as f:
        json.dump(saved, f)
    os.replace(path + ".tmp", path)
    print(f"[bench] {len(cookies)} customers logged in ({time.perf_counter() - started:.0f}s, not measured)",
          flush=True)
    return cookies


def retire_earlier_runs():
    """The campaigns earlier runs of this bench opened are retired, with their customers'
    notices still queued: their work (notices, a close) would otherwise load this run's
    cron worker, and each run would measure a different backlog."""
    with psycopg2.connect(dbname=DB) as cnx, cnx.cursor() as cr:
        cr.execute("""SELECT id FROM groupbuy_campaign WHERE name LIKE '压测秒杀 %%'
                      AND state IN ('scheduled', 'open', 'succeeded')""")
        ids = tuple(r[0] for r in cr.fetchall())
        if ids:
            cr.execute("UPDATE sale_order SET groupbuy_notice_pending = NULL WHERE groupbuy_campaign_id IN %s", [ids])
            cr.execute("UPDATE groupbuy_join_request SET state = 'failed', error = 'bench' "
                       "WHERE campaign_id IN %s AND state = 'queued'", [ids])
            cr.execute("UPDATE groupbuy_campaign SET state = 'done', date_end = now() at time zone 'utc' "
                       "WHERE id IN %s", [ids])
            print(f"[bench] retired {len(ids)} campaigns of earlier runs", flush=True)


def open_flash_campaign(session, base, cap, threshold):
    stamp = datetime.now().strftime("%H%M%S%f")
    product = rpc(session, base, "product.product", "create", [{"name": f"压测秒杀草莓 {stamp}", "list_price": 39.0}])[0]
    leader = rpc(session, base, "res.partner", "search", [["groupbuy_is_leader", "=", True]], limit=1)[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    campaign = rpc(session, base, "groupbuy.campaign", "create", [{
        "name": f"压测秒杀 {stamp}",
        "leader_id": leader,
        "mode": "flash",
        "min_participants": threshold,
        "date_start": (now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "date_end": (now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "line_ids": [[0, 0, {"product_id": product, "price_unit": 9.9, "max_qty": cap, "max_qty_per_customer": 2}]],
    }])[0]
    rpc(session, base, "groupbuy.campaign", "action_schedule", [campaign])
    record = rpc(session, base, "groupbuy.campaign", "read", [campaign], ["share_code", "line_ids"])[0]
    return campaign, record["share_code"], record["line_ids"][0]


def fire(n, job):
    """Run `job(i)` in n threads released together; returns the results and the wall time."""
    results = [None] * n
    barrier = threading.Barrier(n + 1)

    def run(i):
        barrier.wait()
        results[i] = job(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def timed(call):
    t0 = time.perf_counter()
    try:
        response = call()
        return response, time.perf_counter() - t0
    except requests.RequestException:
        return None, time.perf_counter() - t0


def new_session(cookie):
    s = requests.Session()
    s.cookies.set("session_id", cookie)
    return s


def baseline(base, cookies):
    def job(i):
        with new_session(cookies[i]) as s:
            r, t = timed(lambda: s.post(f"{base}/web/session/get_session_info",
                                        json={"jsonrpc": "2.0", "params": {}}, timeout=300))
            ok = r is not None and r.status_code == 200 and (r.json().get("result") or {}).get("uid")
            return (r.status_code if r is not None else 0), t, bool(ok)

    return fire(len(cookies), job)


def home_pages(base, cookies):
    def job(i):
        with new_session(cookies[i]) as s:
            r, t = timed(lambda: s.get(f"{base}/", timeout=300))
            return (r.status_code if r is not None else 0), t, r is not None and r.status_code == 200

    return fire(len(cookies), job)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def pages(base, code, cookies):
    url = f"{base}/groupbuy/{code}"

    def job(i):
        with new_session(cookies[i]) as s:
            r, t = timed(lambda: s.get(url, timeout=300))
            token = CSRF_RE.search(r.text) if r is not None and r.status_code == 200 else None
            return (r.status_code if r is not None else 0), t, token.group(1) if token else None

    return fire(len(cookies), job)


# the refusals a customer may get in a burst, in English and Chinese
REFUSALS = {"sold out": "sold out", "售罄": "sold out", "try again": "busy", "稍后再试": "busy"}


def joins(base, code, line_id, cookies, tokens):
    url = f"{base}/groupbuy/{code}/join"

    def job(i):
        with new_session(cookies[i]) as s:
            r, t = timed(lambda: s.post(url, data={"csrf_token": tokens[i] or "", f"qty_{line_id}": "1"},
                                        allow_redirects=False, timeout=300))
            if r is None:
                return 0, t, None, None
            location = r.headers.get("Location", "") if r.status_code == 303 else ""
            # a flash campaign queues its joins: the customer is sent to the queued
            # join's page (groupbuy.join.request), which goes on to the order
            order = re.search(r"/my/(?:groupbuy|orders)/(\d+)", location)
            queued = re.search(r"/queue/(\d+)/", location)
            refusal = None
            if r.status_code == 400:
                refusal = next((kind for word, kind in REFUSALS.items() if word in r.text), "unclear")
            entry = ("order", int(order.group(1))) if order else ("queued", int(queued.group(1))) if queued else None
            return r.status_code, t, entry, refusal, location

    return fire(len(cookies), job)


def summary(name, results, elapsed, ok):
    latencies = [r[1] for r in results]
    count = sum(1 for r in results if ok(r))
    return {
        "name": name,
        "requests": len(results),
        "ok": count,
        "per_second": round(count / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "5xx": sum(1 for r in results if r[0] >= 500),
        "connection_errors": sum(1 for r in results if r[0] == 0),
        "wall_s": round(elapsed, 2),
    }


def main():
    global DB  # noqa: PLW0603 - the bench database, chosen on the command line
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--cap", type=int, default=100)
    parser.add_argument("--threshold", type=int, default=10,
                        help="participants for the group to form (joins after it are confirmed)")
    parser.add_argument("--server", choices=["workers", "threaded"], default="workers")
    parser.add_argument("--nodes", type=int, choices=[1, 2], default=1,
                        help="2: two nodes behind nginx (scripts/cluster.sh), --workers each")
    parser.add_argument("--workers", type=int, default=4,
                        help="with --nodes 2: per node (HAProxy queues in front of them), "
                             "0 for threaded nodes (nginx alone)")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--db", default=DB)
    parser.add_argument("--upstream", type=int, default=0,
                        help="connections the proxy passes to Odoo at once (default: 2 per worker)")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()
    DB = args.db
    threaded = args.server == "threaded"
    if threaded and args.nodes > 1:
        parser.error("--nodes 2 --workers 0 runs threaded nodes")
    os.makedirs(os.path.join(ROOT, "var"), exist_ok=True)
    ensure_database()
    retire_earlier_runs()
    if args.nodes == 2:
        procs, direct = start_cluster(args.port, args.workers)
    else:
        procs, direct = start_server(args.port, args.workers, threaded)
    try:
        session = admin_session(direct)
        logins = ensure_customers(session, direct, args.customers)
        cookies = customer_sessions(direct, logins)
        campaign, code, line_id = open_flash_campaign(session, direct, args.cap, args.threshold)
        for cookie in cookies[: max(args.workers * 2, 8)]:  # every worker renders the pages once before
            new_session(cookie).get(f"{direct}/", timeout=120)
            new_session(cookie).get(f"{direct}/groupbuy/{code}", timeout=120)
        base, upstream = direct, None
        if args.nodes == 1 and not threaded:
            proxy = ReverseProxy(args.port, args.upstream or args.workers * 2)
            base, upstream = f"http://127.0.0.1:{proxy.port}", proxy.upstream
        base_results, base_elapsed = baseline(base, cookies)
        home_results, home_elapsed = home_pages(base, cookies)
        page_results, page_elapsed = pages(base, code, cookies)
        tokens = [r[2] for r in page_results]
        join_results, join_elapsed = joins(base, code, line_id, cookies, tokens)
        burst_end = time.monotonic()
        # every customer whose join was queued then does what their browser does: it
        # opens the waiting page, whose script asks for the request's state every 2 s
        # until the order exists (the queue's cron made it, or the page's own fallback
        # when the queue stalls), then goes on to it; all at once, as the customers'
        # phones do. Meanwhile the queue's emptying is watched in the database.
        drained = {}

        def watch_queue():
            with psycopg2.connect(dbname=DB) as cnx:
                cnx.autocommit = True
                with cnx.cursor() as cr:
                    while time.monotonic() - burst_end < 300:
                        cr.execute("SELECT count(*) FROM groupbuy_join_request"
                                   " WHERE campaign_id = %s AND state = 'queued'", [campaign])
                        if not cr.fetchone()[0]:
                            drained["s"] = time.monotonic() - burst_end
                            return
                        time.sleep(0.1)

        watcher = threading.Thread(target=watch_queue, daemon=True)
        watcher.start()
        followed, waited, page_views, page_errors = {}, [], [0], [0]
        state_re = re.compile(r'data-state-url="([^"]+)"')

        def follow(i):
            r = join_results[i]
            if r[0] != 303 or not r[2] or r[2][0] != "queued":
                return
            location = r[4] if r[4].startswith("http") else base + r[4]
            found = None
            with new_session(cookies[i]) as s:
                try:
                    answer = s.get(location, allow_redirects=False, timeout=120)
                    page_views[0] += 1
                    state_url = state_re.search(answer.text) if answer.status_code == 200 else None
                    if answer.status_code == 303:
                        found = re.search(r"/my/(?:groupbuy|orders)/(\d+)", answer.headers.get("Location", ""))
                    elif not state_url:
                        page_errors[0] += 1
                    delay = 2.0  # the page script's first interval
                    while state_url and time.monotonic() - burst_end < 300:
                        time.sleep(delay)
                        state = s.get(base + state_url.group(1), timeout=120)
                        page_views[0] += 1
                        if state.status_code != 200:
                            page_errors[0] += 1
                            break
                        answer = state.json()
                        target = answer.get("url")
                        delay = (answer.get("retry_ms") or 2000) / 1000  # as the script: when the server says
                        if target:
                            found = re.search(r"/my/(?:groupbuy|orders)/(\d+)", target)
                            break
                except requests.RequestException:
                    page_errors[0] += 1
            followed[r[2][1]] = int(found.group(1)) if found else None
            if found:
                waited.append(time.monotonic() - burst_end)

        with ThreadPoolExecutor(max(len(join_results), 1)) as pool:
            list(pool.map(follow, range(len(join_results))))
        watcher.join()
        queue_drained = drained.get("s", 300.0)
        with psycopg2.connect(dbname=DB) as cnx, cnx.cursor() as cr:
            cr.execute("SELECT id, order_id FROM groupbuy_join_request WHERE campaign_id = %s", [campaign])
            request_orders = dict(cr.fetchall())
        accepted = []
        for r in join_results:
            if r[0] == 303 and r[2]:
                kind, ident = r[2]
                accepted.append(ident if kind == "order" else request_orders.get(ident))
        page_misled = sum(1 for request_id, order_id in followed.items() if order_id != request_orders.get(request_id))
        with psycopg2.connect(dbname=DB) as cnx, cnx.cursor() as cr:
            cr.execute("SELECT COALESCE(sold_qty, 0) FROM groupbuy_campaign_line WHERE id = %s", [line_id])
            sold_counter = float(cr.fetchone()[0])
            cr.execute("""SELECT so.id, sol.product_uom_qty FROM sale_order so
                          JOIN sale_order_line sol ON sol.order_id = so.id
                          WHERE so.groupbuy_campaign_id = %s AND so.state != 'cancel'""", [campaign])
            rows = cr.fetchall()
        order_ids = {r[0] for r in rows}
        units_in_orders = sum(float(r[1]) for r in rows)
        lost = [oid for oid in accepted if oid not in order_ids]
        queued_joins = sum(1 for r in join_results if r[0] == 303 and r[2] and r[2][0] == "queued")
        base_sum = summary("baseline: authenticated JSON route", base_results, base_elapsed, lambda r: r[2])
        home_sum = summary("reference: Odoo's home page GET", home_results, home_elapsed, lambda r: r[2])
        page_sum = summary("campaign page GET", page_results, page_elapsed, lambda r: r[2])
        join_sum = summary("join POST", join_results, join_elapsed, lambda r: r[0] == 303 and r[2])
        refusals = {}
        for r in join_results:
            if r[3]:
                refusals[r[3]] = refusals.get(r[3], 0) + 1
        expected = min(args.cap, args.customers)
        report = {
            "server": "2 nodes behind nginx" if args.nodes == 2 else args.server,
            "customers": args.customers, "cap": args.cap, "threshold": args.threshold,
            "workers": (args.workers * args.nodes) if not threaded else 0,
            "nodes": args.nodes,
            "proxy_upstream": upstream,
            "baseline": base_sum, "odoo_home_page": home_sum, "page": page_sum, "join": join_sum,
            "ratio_page_to_baseline": round(page_sum["per_second"] / max(base_sum["per_second"], 0.01), 2),
            "ratio_join_to_baseline": round(join_sum["per_second"] / max(base_sum["per_second"], 0.01), 2),
            "ratio_odoo_home_page_to_baseline": round(home_sum["per_second"] / max(base_sum["per_second"], 0.01), 2),
            "ratio_page_to_odoo_home_page": round(page_sum["per_second"] / max(home_sum["per_second"], 0.01), 2),
            "joins_accepted": len(accepted),
            "joins_refused": refusals,
            "units_sold_counter": sold_counter,
            "units_sold_in_orders": units_in_orders,
            "orders_lost": len(lost),
            "joins_queued": queued_joins,
            "queue_drained_s_after_burst": round(queue_drained, 2),
            "queue_pages_not_leading_to_their_order": page_misled,
            "queue_page_and_state_requests": page_views[0],
            "queue_page_errors": page_errors[0],
            "order_page_reached_s_after_burst": {
                "p50": round(percentile(waited, 50), 2) if waited else None,
                "p95": round(percentile(waited, 95), 2) if waited else None,
                "max": round(max(waited), 2) if waited else None,
            },
        }
        report["goals"] = {
            "join >= 0.5x the trivial route": report["ratio_join_to_baseline"] >= 0.5,
            "page >= 0.8x the trivial route": report["ratio_page_to_baseline"] >= 0.8,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, ensure_ascii=False, indent=2)
        broken = []
        if not (sold_counter == units_in_orders == len(accepted)):
            broken.append("units sold (counter) = units in orders = accepted joins")
        if len(accepted) != expected:
            broken.append(f"{expected} joins accepted (min of cap and customers)")
        if len(accepted) + sum(refusals.values()) != args.customers or refusals.get("unclear"):
            broken.append("every join accepted or refused in a sentence")
        if lost:
            broken.append("0 orders lost")
        if page_errors[0]:
            broken.append("0 errors on the waiting pages")
        if page_misled:
            broken.append("every queued join's page leads to its order")
        for part in (base_sum, home_sum, page_sum, join_sum):
            if part["5xx"] or part["connection_errors"]:
                broken.append(f"0 5xx and 0 connection errors ({part['name']})")
        if page_sum["ok"] != args.customers:
            broken.append("every page served")
        if broken:
            print("[bench] BROKEN: " + "; ".join(broken), flush=True)
        return 1 if broken else 0
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
