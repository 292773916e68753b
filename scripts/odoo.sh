#!/usr/bin/env bash
# Runs Odoo 18.0 from ODOO_SRC with this project's addons and odoo.conf.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/groupbuy/odoo-18.0}
VENV=${VENV:-$ROOT/.venv}
sub=()
if [ "${1:-}" = shell ]; then sub=(shell); shift; fi
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "${sub[@]}" -c "${ODOO_CONF:-$ROOT/odoo.conf}" \
  --addons-path="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/addons" "$@"
