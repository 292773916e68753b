#!/usr/bin/env bash
# Runs Odoo 18.0 from ODOO_SRC with this project's addons and odoo.conf.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/groupbuy/odoo-18.0}
VENV=${VENV:-$ROOT/.venv}
# The threaded server (no --workers: `make run`) serves each request in a thread with a
# connection from one pool of db_maxconn (64); a join holds a second one for its
# reservation (bounded: a quarter of db_maxconn). Unbounded threads would ask the pool
# for more connections than it has under a burst ("The Connection Pool Is Full"), so
# the threads are bounded (Odoo's ODOO_MAX_HTTP_THREADS; more connections wait in the
# listen backlog): 24 requests + 16 reservations + cron and bus < 64.
export ODOO_MAX_HTTP_THREADS=${ODOO_MAX_HTTP_THREADS:-24}
sub=()
if [ "${1:-}" = shell ]; then sub=(shell); shift; fi
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "${sub[@]}" -c "${ODOO_CONF:-$ROOT/odoo.conf}" \
  --addons-path="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/addons" "$@"
