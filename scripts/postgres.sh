#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries,
# `initdb` into a fresh directory, a free port on 127.0.0.1, run as an unprivileged user.
#
#   scripts/postgres.sh start STATE   starts a server, notes it in STATE, prints its URL (postgres://…/)
#   scripts/postgres.sh restart STATE restarts it (fast: connections are cut), same port
#   scripts/postgres.sh stop STATE    stops it and deletes its cluster and STATE
#
# Every database a test creates on it goes with the cluster. Nothing touches the machine's own clusters.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The newest installed major version (set-up installs Debian's `postgresql`).
pg_bin() {
  local newest
  newest=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n $newest && -x $newest/bin/initdb ]] || die "PostgreSQL's server binaries are missing (scripts/setup.sh installs them)"
  echo "$newest/bin"
}

# PostgreSQL refuses to run as root: when we are root, the server runs as `nobody`.
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

start() {
  local state=$1 bin port dir
  bin=$(pg_bin)
  mkdir -p "$state"
  # The cluster lives where its user can reach it (STATE's parents may be private to root).
  dir=$(mktemp -d /tmp/huiquan-pg.XXXXXX)
  echo "$dir" >"$state/cluster"
  [[ $(id -u) -eq 0 ]] && chown nobody "$dir"
  as_server_user "$bin/initdb" --pgdata="$dir/data" --username=huiquan --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  # The port is chosen free a moment before the server takes it; another process may take it
  # first, so a start that fails is tried again on another port.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    # max_connections: every test service holds a pool, the ledger's connection and a listener.
    if as_server_user "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=400" \
      start >/dev/null; then
      echo "$port" >"$state/port"
      echo "postgres://huiquan@127.0.0.1:$port/"
      return 0
    fi
  done
  cat "$dir/server.log" >&2 || true
  rm -rf "$dir"
  die "PostgreSQL did not start (log above)"
}

# A fast restart (open connections are cut, as in a failover), on the same port.
restart() {
  local state=$1 bin dir
  bin=$(pg_bin)
  dir=$(cat "$state/cluster")
  as_server_user "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --mode=fast --wait --timeout=60 restart >/dev/null
}

stop() {
  local state=$1 bin dir
  bin=$(pg_bin)
  dir=$(cat "$state/cluster" 2>/dev/null || true)
  if [[ -n $dir && -d $dir/data ]]; then
    as_server_user "$bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
  rm -rf "$state"
}

case ${1:-} in
  start) start "${2:?usage: postgres.sh start DIR}" ;;
  restart) restart "${2:?usage: postgres.sh restart DIR}" ;;
  stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
  *) die "usage: scripts/postgres.sh start DIR | restart DIR | stop DIR" ;;
esac
