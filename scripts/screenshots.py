"""Screenshots of the running server for the README (headless Chromium over CDP).

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL]
Logs in as each demo user, opens the pages listed below at phone and desktop sizes
and writes PNG files into docs/screenshots/.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8069"
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
]


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

    def close(self):
        self.proc.terminate()


def session_cookie(login, password):
    http = requests.Session()
    http.post(f"{BASE}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": "groupbuy", "login": login, "password": password},
    }, timeout=30).raise_for_status()
    return http.cookies.get("session_id")


def field_of(model, res_id, field):
    http = requests.Session()
    http.post(f"{BASE}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": "groupbuy", "login": "admin", "password": "admin"},
    }, timeout=30)
    res = http.post(f"{BASE}/web/dataset/call_kw", json={"jsonrpc": "2.0", "params": {
        "model": model, "method": "read", "args": [[res_id], [field]], "kwargs": {},
    }}, timeout=30).json()
    return res["result"][0][field]


def xmlid(name):
    http = requests.Session()
    http.post(f"{BASE}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": "groupbuy", "login": "admin", "password": "admin"},
    }, timeout=30)
    res = http.post(f"{BASE}/web/dataset/call_kw", json={"jsonrpc": "2.0", "params": {
        "model": "ir.model.data", "method": "search_read", "args": [[["module", "=", "community_groupbuy"], ["name", "=", name]], ["res_id"]], "kwargs": {},
    }}, timeout=30).json()
    return res["result"][0]["res_id"]


def main():
    os.makedirs(OUT, exist_ok=True)
    ids = {"campaign_peach": xmlid("campaign_peach")}
    ids["peach_code"] = field_of("groupbuy.campaign", ids["campaign_peach"], "share_code")
    chrome = Chrome()
    try:
        chrome.call("Page.enable")
        chrome.call("Network.enable")
        # first visit: the server builds its asset bundles
        chrome.call("Network.setCookie", name="session_id", value=session_cookie("admin", "admin"), url=BASE)
        chrome.call("Page.navigate", url=BASE + "/odoo")
        time.sleep(20)
        for name, login, password, path, width, height in SHOTS:
            chrome.call("Network.clearBrowserCookies")
            if login:
                chrome.call("Network.setCookie", name="session_id", value=session_cookie(login, password),
                            url=BASE)
            mobile = width < 500
            chrome.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                        deviceScaleFactor=2 if mobile else 1, mobile=mobile)
            chrome.call("Page.navigate", url=BASE + path.format(**ids))
            time.sleep(6)
            # a notice the web client may show on its first start is not part of the page
            chrome.call("Runtime.evaluate", expression="document.querySelectorAll('.o_notification_close').forEach(b => b.click())")
            time.sleep(1)
            shot = chrome.call("Page.captureScreenshot", format="png")
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print("wrote", name)
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
