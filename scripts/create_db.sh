#!/usr/bin/env bash
# Creates an Odoo database the way the platform runs: Chinese (zh_CN) loaded, the main
# company in China with CNY (so Odoo installs the l10n_cn chart of accounts), the
# group-buying addons installed with their demo data. Usage: create_db.sh DBNAME LOGFILE
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The addons a platform database has (`create_db.sh --addons` prints them).
ADDONS=${GROUPBUY_ADDONS:-community_groupbuy,payment_demo,groupbuy_commission,groupbuy_pickup}
if [ "${1:-}" = --addons ]; then echo "$ADDONS"; exit 0; fi
DB=$1
LOG=${2:-/dev/stderr}
odoo() { "$ROOT/scripts/odoo.sh" "$@"; }

: >"$LOG" 2>/dev/null || true
dropdb --if-exists "$DB"
echo "[create_db] $DB: base and zh_CN" >&2
odoo -d "$DB" -i base --load-language=zh_CN --stop-after-init --log-level=warn >>"$LOG" 2>&1
odoo shell -d "$DB" --log-level=warn >>"$LOG" 2>&1 <<'PY'
company = env.ref("base.main_company")
env.ref("base.CNY").active = True
company.write({
    "name": "邻里鲜社区团购",
    "country_id": env.ref("base.cn").id,
    "currency_id": env.ref("base.CNY").id,
    "city": "上海",
})
env.cr.commit()
PY
echo "[create_db] $DB: $ADDONS (and l10n_cn)" >&2
odoo -d "$DB" -i "$ADDONS" --stop-after-init --log-level=warn >>"$LOG" 2>&1
# Some addons' demo data rename the main company on install: give it its name back.
GROUPBUY_ROOT="$ROOT" odoo shell -d "$DB" --log-level=warn >>"$LOG" 2>&1 <<'PY'
import base64, os
with open(os.path.join(os.environ["GROUPBUY_ROOT"], "addons/community_groupbuy/static/src/img/groupbuy_logo.png"), "rb") as f:
    logo = base64.b64encode(f.read())
# base's demo gives the company a San Francisco address: the platform's own, and its logo
# (invoices, statements and picking lists print the company's header)
env.ref("base.main_company").write({
    "name": "邻里鲜社区团购", "street": "浦东新区张江路88号", "street2": False, "city": "上海",
    "zip": "201203", "state_id": env.ref("base.state_cn_SH").id, "country_id": env.ref("base.cn").id,
    "phone": "+86 21 5080 8888", "email": "service@linlixian.example.com",
    "website": "https://linlixian.example.com", "logo": logo,
})
# its working calendar (business days, public holidays, a month's end) runs on China's time
env.ref("base.main_company").resource_calendar_id.tz = "Asia/Shanghai"
env.cr.commit()
PY
# The shop speaks Chinese first, English at /en.
odoo shell -d "$DB" --log-level=warn >>"$LOG" 2>&1 <<'PY'
zh = env["res.lang"]._activate_lang("zh_CN")
en = env["res.lang"]._activate_lang("en_US")
env["website"].search([]).write({"language_ids": [(6, 0, (zh | en).ids)], "default_lang_id": zh.id})
env.cr.commit()
PY
