"""Screenshot of a commission statement (结算单) for the README.

The statement is a QWeb PDF report; wkhtmltopdf is not needed: its HTML rendering
(``report_type=html``, the leader's own portal route) is opened in headless Chromium as
the demo leader 李娜 (login ``leader``) and saved as docs/screenshots/commission_statement.png,
with her commission page on a phone (leader_commission_phone.png).

Usage: .venv/bin/python scripts/screenshot_statement.py [BASE_URL] [DB]
(a server running on a database with the demo data)
"""
import sys

import requests

from screenshots import Chrome

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8069"
DB = sys.argv[2] if len(sys.argv) > 2 else "groupbuy"


def authenticate(login, password):
    http = requests.Session()
    http.post(f"{BASE}/web/session/authenticate", json={
        "jsonrpc": "2.0", "params": {"db": DB, "login": login, "password": password},
    }, timeout=30).raise_for_status()
    return http


def call(http, model, method, *args, **kwargs):
    res = http.post(f"{BASE}/web/dataset/call_kw", json={"jsonrpc": "2.0", "params": {
        "model": model, "method": method, "args": list(args), "kwargs": kwargs,
    }}, timeout=30).json()
    return res["result"]


def main():
    leader = authenticate("leader", "leader")
    # her own settlements (record rules): the demo's first one
    settlement = call(leader, "groupbuy.commission.settlement", "search_read", [], ["id"], limit=1, order="id")[0]
    shots = [
        # (file, path, width, height)
        ("commission_statement.png",
         f"/zh_CN/my/groupbuy/commission/statements/{settlement['id']}?report_type=html", 900, 1100),
        ("leader_commission_phone.png", "/zh_CN/my/groupbuy/commission", 375, 1500),
    ]
    chrome = Chrome()
    try:
        chrome.call("Page.enable")
        chrome.call("Network.setCookie", name="session_id", value=leader.cookies.get("session_id"), url=BASE)
        for name, path, width, height in shots:
            chrome.shot(name, BASE + path, width, height, wait=6)
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
