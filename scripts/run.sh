#!/usr/bin/env bash
# `make run`: the demo database (created once, reused after), then Odoo in the foreground.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DB=${1:-groupbuy}
PORT=${PORT:-8069}
LOG="$ROOT/var/create_db.log"
mkdir -p "$ROOT/var"
installed=$(psql -d "$DB" -tAc "SELECT 1 FROM ir_module_module WHERE name='community_groupbuy' AND state='installed'" 2>/dev/null || true)
if [ "$installed" != 1 ]; then
  echo "[run] creating the demo database $DB (about two minutes; log: $LOG)" >&2
  if ! "$ROOT/scripts/create_db.sh" "$DB" "$LOG"; then
    echo "[run] creating $DB failed; the end of $LOG says why:" >&2
    tail -20 "$LOG" >&2
    exit 1
  fi
fi
# the addons changed since this database last saw them: update it first
stamp="$ROOT/var/$DB.addons-stamp"
now=$(find "$ROOT/addons" -type f \( -name '*.py' -o -name '*.xml' -o -name '*.csv' -o -name '*.po' -o -name '*.js' \) -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$now" ]; then
  echo "[run] the addons changed: updating $DB" >&2
  "$ROOT/scripts/odoo.sh" -d "$DB" -u community_groupbuy --stop-after-init --log-level=warn
fi
echo "$now" > "$stamp"

cat <<MSG

  Community group buying is starting on http://localhost:$PORT
    platform staff (back office):  admin / admin        -> Group Buying app
    leader 李娜 (portal, /my):      leader / leader
    customer 陈静 (portal, /my):    customer / customer
  Stop with Ctrl-C. \`make reset\` drops the database to start again.

MSG
exec "$ROOT/scripts/odoo.sh" -d "$DB" --http-port="$PORT" --db-filter="^$DB\$"
