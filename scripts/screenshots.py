"""Screenshots of the running server for the README (headless Chromium over CDP).

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL]
Logs in as each demo user, opens the pages listed below at phone and desktop sizes
and writes PNG files into docs/screenshots/. GROUPBUY_DB names the database (default
groupbuy); SHOTS=a.png,b.png takes only those; SHOT_WAIT the seconds a page gets to
load (6). customer_queue_phone.png is taken only when SHOTS names it: it joins the
demo's flash sale as the demo customer, on a server started without cron workers.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8069"
DB = os.environ.get("GROUPBUY_DB", "groupbuy")
WAIT = float(os.environ.get("SHOT_WAIT", "6"))  # seconds a page gets to load
OUT = os.path.join(os.path.dirname(__file__), "..", "docs", "screenshots")
SHOTS = [
    # (file, login, password, path, width, height)
    ("backoffice_campaigns.png", "admin", "admin",
     "/odoo/action-community_groupbuy.action_groupbuy_campaign", 1366, 768),
    ("backoffice_campaign_form.png", "admin", "admin",
     "/odoo/action-community_groupbuy.action_groupbuy_campaign/{campaign_peach}", 1366, 900),
    ("backoffice_campaigns_phone.png", "admin", "admin",
     "/odoo/action-community_groupbuy.action_groupbuy_campaign", 375, 812),
    ("backoffice_campaign_form_phone.png", "admin", "admin",
     "/odoo/action-community_groupbuy.action_groupbuy_campaign/{campaign_peach}", 375, 812),
    ("campaign_page_phone.png", None, None, "/zh_CN/groupbuy/{peach_code}", 375, 2000),
    ("campaign_page_phone_en.png", None, None, "/en/groupbuy/{peach_code}", 375, 1400),
    ("leader_campaigns_phone.png", "leader", "leader", "/my/groupbuy/campaigns", 375, 900),
    ("leader_campaign_phone.png", "leader", "leader", "/my/groupbuy/campaigns/{campaign_peach}", 375, 1800),
    ("customer_entry_phone.png", "customer", "customer", "/my/groupbuy", 375, 700),
    ("leader_commission_phone.png", "leader", "leader", "/zh_CN/my/groupbuy/commission", 375, 1500),
    ("leader_pickup_phone.png", "leader", "leader", "/zh_CN/my/groupbuy/pickup", 375, 1100),
    # groupbuy_pickup: the customer's code and QR; a route before and after its stops are
    # optimised (the optimisation runs between the two); the day's dispatch (batch transfer)
    ("customer_pickup_code_phone.png", "customer", "customer", "/zh_CN/my/groupbuy/{pickup_order}", 375, 1400),
    ("backoffice_route_before.png", "admin", "admin",
     "/odoo/action-groupbuy_pickup.action_groupbuy_delivery_route/{route_pudong}", 1366, 768),
    ("backoffice_route_after.png", "admin", "admin",
     "/odoo/action-groupbuy_pickup.action_groupbuy_delivery_route/{route_pudong}", 1366, 768),
    ("backoffice_dispatch.png", "admin", "admin",
     "/odoo/action-groupbuy_pickup.action_groupbuy_delivery_dispatch/{dispatch_pudong}", 1366, 900),
    # a flash sale's queued join, a moment before its page moves on to the order: take it
    # from a server without cron workers (--max-cron-threads=0), or the queue makes the
    # order before the shot
    ("customer_queue_phone.png", None, None, "/zh_CN{queue_path}", 375, 812),
]
# seconds a page gets before its shot, where not WAIT
WAITS = {"customer_queue_phone.png": 1.0}


class Chrome:
    def __init__(self):
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen([
            "chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", f"--user-data-dir={self.profile}",
            "--remote-debugging-port=9333", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                targets = requests.get("http://127.0.0.1:9333/json", timeout=1).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except Exception:  # noqa: BLE001 - Chromium still starting
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.msg_id = 0

    def call(self, method, **params):
        self.msg_id += 1
        self.ws.send(json.dumps({"id": self.msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.msg_id:
                return reply.get("result", {})

    def shot(self, name, url, width, height, wait=WAIT, prepare_js=None):
        """Open ``url`` at ``width`` × ``height`` (a phone below 500 px), wait, and write
        the screenshot to docs/screenshots/``name``."""
        mobile = width < 500
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=2 if mobile else 1, mobile=mobile)
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        if prepare_js:
            self.call("Runtime.evaluate", expression=prepare_js)
            time.sleep(1)
        shot = self.call("Page.captureScreenshot", format="png")
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print("wrote", name)

    def close(self):
        self.proc.terminate()


def session_cookie(login, password):
    http = requests.Session()
    http.post(f"{BASE}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": DB, "login": login, "password": password},
    }, timeout=300).raise_for_status()
    return http.cookies.get("session_id")


def call_kw(model, method, args, kwargs=None):
    """A method call as admin (JSON-RPC)."""
    http = requests.Session()
    http.post(f"{BASE}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": DB, "login": "admin", "password": "admin"},
    }, timeout=300)
    res = http.post(f"{BASE}/web/dataset/call_kw", json={"jsonrpc": "2.0", "params": {
        "model": model, "method": method, "args": args, "kwargs": kwargs or {},
    }}, timeout=300).json()
    return res["result"]


def field_of(model, res_id, field):
    return call_kw(model, "read", [[res_id], [field]])[0][field]


def xmlid(name, module="community_groupbuy"):
    return call_kw("ir.model.data", "search_read",
                   [[["module", "=", module], ["name", "=", name]], ["res_id"]])[0]["res_id"]


def pickup_ids():
    """The groupbuy_pickup demo's records (empty without that addon)."""
    try:
        route = xmlid("delivery_route_pudong", "groupbuy_pickup")
    except (IndexError, KeyError):
        return {}
    campaign = xmlid("campaign_melon_sunshine", "groupbuy_pickup")
    order = call_kw("sale.order", "search", [[["groupbuy_campaign_id", "=", campaign],
                                              ["partner_id.user_ids.login", "=", "customer"]]])
    dispatch = call_kw("groupbuy.delivery.dispatch", "search", [[["route_id", "=", route]]], {"limit": 1})
    ids = {"route_pudong": route}
    if order:
        ids["pickup_order"] = order[0]
    if dispatch:  # a demo database made before the pickup demo's dispatch has none
        ids["dispatch_pudong"] = dispatch[0]
    return ids


def queue_join(ids):
    """The demo customer joins the strawberry flash sale on its page: the queued join's
    page (its path, without a language) goes into ``ids``."""
    http = requests.Session()
    http.cookies.set("session_id", session_cookie("customer", "customer"))
    code = field_of("groupbuy.campaign", xmlid("campaign_strawberry_flash"), "share_code")
    page = http.get(f"{BASE}/groupbuy/{code}", timeout=120).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    line = field_of("groupbuy.campaign", xmlid("campaign_strawberry_flash"), "line_ids")[0]
    answer = http.post(f"{BASE}/groupbuy/{code}/join", data={"csrf_token": csrf, f"qty_{line}": "2"},
                       allow_redirects=False, timeout=120)
    location = answer.headers.get("Location", "")
    if "/queue/" not in location:
        raise SystemExit(f"the join was not queued (already joined?): {answer.status_code} {location}")
    ids["queue_path"] = re.sub(r"^(https?://[^/]+)?(/[a-z]{2}(_[A-Z]{2})?)?(?=/groupbuy/)", "", location)


# what happens on the server before a shot
PREPARE = {
    "backoffice_route_after.png": lambda ids: call_kw("groupbuy.delivery.route", "action_optimize", [[ids["route_pudong"]]]),
    "customer_queue_phone.png": queue_join,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    ids = {"campaign_peach": xmlid("campaign_peach")}
    ids["peach_code"] = field_of("groupbuy.campaign", ids["campaign_peach"], "share_code")
    ids.update(pickup_ids())
    only = [name for name in os.environ.get("SHOTS", "").split(",") if name]
    shots = [shot for shot in SHOTS if (not only or shot[0] in only)
             and all(f"{{{key}}}" not in shot[3] or key in ids for key in ("route_pudong", "pickup_order", "dispatch_pudong"))
             and not (shot[0] == "customer_queue_phone.png" and not only)]
    chrome = Chrome()
    try:
        chrome.call("Page.enable")
        chrome.call("Network.enable")
        # first visit: the server builds its asset bundles
        chrome.call("Network.setCookie", name="session_id", value=session_cookie("admin", "admin"), url=BASE)
        chrome.call("Page.navigate", url=BASE + "/odoo")
        time.sleep(20)
        for name, login, password, path, width, height in shots:
            if name in PREPARE:
                PREPARE[name](ids)
            chrome.call("Network.clearBrowserCookies")
            if login:
                chrome.call("Network.setCookie", name="session_id", value=session_cookie(login, password),
                            url=BASE)
            # a notice the web client may show on its first start is not part of the page
            chrome.shot(name, BASE + path.format(**ids), width, height, wait=WAITS.get(name, WAIT),
                        prepare_js="document.querySelectorAll('.o_notification_close').forEach(b => b.click())")
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
