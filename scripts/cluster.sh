#!/usr/bin/env bash
# `make cluster`: two Odoo nodes behind nginx on one PostgreSQL, on this machine, without
# Docker. nginx listens on CLUSTER_PORT (default 8080) and spreads requests over the two
# nodes (loopback ports CLUSTER_PORT+1 and +2, their websocket ports +3 and +4); both
# nodes share the data_dir (filestore and sessions). Config: cluster/odoo-node.conf and
# cluster/nginx.conf.template. Stop with Ctrl-C (or a SIGTERM): every process stops.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DB=${CLUSTER_DB:-groupbuy}
PORT=${CLUSTER_PORT:-8080}
WORKERS=${CLUSTER_WORKERS:-2}
CRON=${CLUSTER_CRON_THREADS:-1}
DATA_DIR=${CLUSTER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/Odoo}
RUN=${CLUSTER_RUN:-$ROOT/var/cluster}
mkdir -p "$RUN"
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "[cluster] installing nginx (Debian's nginx-light)" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y --no-install-recommends nginx-light >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# nodes with --workers: HAProxy queues a burst in front of them (see below)
if [ "$WORKERS" != 0 ] && ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
  echo "[cluster] installing HAProxy (Debian's haproxy: the queue in front of the workers)" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y --no-install-recommends haproxy >/dev/null
fi
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
installed=$(psql -d "$DB" -tAc "SELECT 1 FROM ir_module_module WHERE name='community_groupbuy' AND state='installed'" 2>/dev/null || true)
if [ "$installed" != 1 ]; then
  echo "[cluster] creating the demo database $DB (log: $ROOT/var/create_db.log)" >&2
  "$ROOT/scripts/create_db.sh" "$DB" "$ROOT/var/create_db.log"
fi
QUEUE_PORT=$((PORT + 5))
if [ "$WORKERS" = 0 ]; then
  UPSTREAM="        server 127.0.0.1:$((PORT + 1)) max_fails=0;\n        server 127.0.0.1:$((PORT + 2)) max_fails=0;"
else
  UPSTREAM="        server 127.0.0.1:$QUEUE_PORT max_fails=0;"
  # one request at a time per worker (CLUSTER_NODE_MAXCONN to change it)
  sed -e "s#@RUN@#$RUN#g" -e "s#@QUEUE@#$QUEUE_PORT#g" -e "s#@MAXCONN@#${CLUSTER_NODE_MAXCONN:-$WORKERS}#g" \
      -e "s#@NODE1@#$((PORT + 1))#g" -e "s#@NODE2@#$((PORT + 2))#g" \
      "$ROOT/cluster/haproxy.cfg.template" > "$RUN/haproxy.cfg"
fi
sed -e "s#@RUN@#$RUN#g" -e "s#@PORT@#$PORT#g" -e "s#@UPSTREAM@#$UPSTREAM#" \
    -e "s#@NODE1@#$((PORT + 1))#g" -e "s#@NODE2@#$((PORT + 2))#g" \
    -e "s#@WS1@#$((PORT + 3))#g" -e "s#@WS2@#$((PORT + 4))#g" \
    "$ROOT/cluster/nginx.conf.template" > "$RUN/nginx.conf"

pids=()
stop() { trap - INT TERM EXIT; for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait || true; }
trap stop INT TERM EXIT
# CLUSTER_WORKERS=0: threaded nodes (bounded threads, a listen backlog of 128 each),
# nginx in front of them. With workers, Odoo listens with a backlog of 8 per worker: a
# burst larger than that would have its connections reset, so nginx passes the requests
# to HAProxy (on CLUSTER_PORT+5), which gives each node one request per worker at a
# time and queues the others (nginx's own `queue` is not in Debian's nginx).
# PostgreSQL must have room for every node's connections (max_connections, 100 by
# default, shared with everything else on the server): a threaded node holds at most
# CLUSTER_HTTP_THREADS (8) request connections + db_maxconn/4 (6) reservation ones + cron
# and bus; a worker, its request's and a reservation's.
shape=(--workers="$WORKERS")
if [ "$WORKERS" = 0 ]; then
  shape=(--workers=0 --db_maxconn=24)
  export ODOO_MAX_HTTP_THREADS=${CLUSTER_HTTP_THREADS:-8}
fi
for node in 1 2; do
  ODOO_CONF="$ROOT/cluster/odoo-node.conf" "$ROOT/scripts/odoo.sh" -d "$DB" --db-filter="^$DB\$" \
    --data-dir="$DATA_DIR" "${shape[@]}" --max-cron-threads="$CRON" \
    --http-interface=127.0.0.1 --http-port=$((PORT + node)) --gevent-port=$((PORT + 2 + node)) \
    >"$RUN/node$node.log" 2>&1 &
  pids+=($!)
done
if [ "$WORKERS" != 0 ]; then
  "$HAPROXY" -db -f "$RUN/haproxy.cfg" >"$RUN/haproxy.log" 2>&1 &
  pids+=($!)
fi
"$NGINX" -c "$RUN/nginx.conf" -p "$RUN" -g "daemon off;" &
pids+=($!)
cat <<MSG >&2
[cluster] nginx on http://127.0.0.1:$PORT -> (workers: HAProxy's queue on :$QUEUE_PORT ->) Odoo nodes :$((PORT + 1)) and :$((PORT + 2)) (workers each: $WORKERS, 0 = threaded)
[cluster] database $DB, shared data_dir $DATA_DIR; logs in $RUN. Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
echo "[cluster] a process stopped: stopping the others" >&2
