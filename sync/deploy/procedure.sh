#!/bin/bash
# FieldSync server procedure: the documented steps as commands (docs/deployment.md, "Sync server").
#
#   procedure.sh install WHEEL        root: service user, /opt/fieldsync venv, env file, unit
#   procedure.sh create-db            PostgreSQL role + database from FIELDSYNC_DATABASE_URL
#   procedure.sh migrate              create or upgrade the schema (fieldsync migrate)
#   procedure.sh add-admin NAME       first administrator; password on stdin
#   procedure.sh start                systemctl enable --now fieldsync
#   procedure.sh health               GET /api/health on the local port
#   procedure.sh backup [DIR]         pg_dump (custom format) + photos tarball into DIR
#   procedure.sh restore DUMP         pg_restore into the (emptied) database, photos back
#
# Settings come from the env file ($FIELDSYNC_ENV_FILE, default /etc/fieldsync/fieldsync.env)
# unless already in the environment. Other variables:
#   FIELDSYNC_BIN   the fieldsync command (default /opt/fieldsync/bin/fieldsync)
#   PGADMIN_URL     libpq URL of a PostgreSQL superuser for create-db
#                   (default: connect as "postgres" over the local socket; `sudo -u postgres` works)
# The test tests/installers/test_server_procedure.py runs create-db, migrate, add-admin,
# serve, health, backup and restore against a throwaway database.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ENV_FILE="${FIELDSYNC_ENV_FILE:-/etc/fieldsync/fieldsync.env}"
if [ -f "$ENV_FILE" ]; then
    # Variables already set in the environment win over the file.
    while IFS='=' read -r key value; do
        case "$key" in ''|\#*) continue ;; esac
        [ -n "${!key+x}" ] || export "$key=$value"
    done < "$ENV_FILE"
fi
FIELDSYNC_BIN="${FIELDSYNC_BIN:-/opt/fieldsync/bin/fieldsync}"
PY="$(dirname "$FIELDSYNC_BIN")/python"
[ -x "$PY" ] || PY=python3

die() { echo "procedure: $*" >&2; exit 1; }
need_url() { [ -n "${FIELDSYNC_DATABASE_URL:-}" ] || die "FIELDSYNC_DATABASE_URL is not set (see $ENV_FILE)"; }

# Parts of FIELDSYNC_DATABASE_URL, decoded: "user password host port database", and the
# libpq form (postgresql://...) that psql, pg_dump and pg_restore understand.
url_field() {
    "$PY" - "$1" <<'EOF'
import os, sys
from urllib.parse import unquote, urlsplit
u = urlsplit(os.environ["FIELDSYNC_DATABASE_URL"])
fields = {"user": unquote(u.username or ""), "password": unquote(u.password or ""), "host": u.hostname or "",
          "port": str(u.port or 5432), "database": u.path.lstrip("/"),
          "libpq": "postgresql://" + u.netloc + u.path + (("?" + u.query) if u.query else "")}
print(fields[sys.argv[1]])
EOF
}

cmd_install() {
    local wheel="${1:?usage: procedure.sh install fieldapp-VERSION-py3-none-any.whl}"
    [ "$(id -u)" = 0 ] || die "install needs root"
    id fieldsync >/dev/null 2>&1 || adduser --system --group --home /var/lib/fieldsync --no-create-home fieldsync
    python3 -m venv /opt/fieldsync
    # The server needs the fieldapp package (shared protocol code) but not the desktop client's
    # dependencies (Qt): install the wheel without dependencies, then the server's own.
    /opt/fieldsync/bin/pip install -q --no-deps "$wheel"
    /opt/fieldsync/bin/pip install -q -r "$HERE/requirements-server.txt"
    install -d -m 0750 -o root -g fieldsync /etc/fieldsync
    if [ ! -f /etc/fieldsync/fieldsync.env ]; then
        local password
        password=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')
        sed "s/CHANGE-ME/$password/" "$HERE/fieldsync.env.example" > /etc/fieldsync/fieldsync.env
        chown root:fieldsync /etc/fieldsync/fieldsync.env
        chmod 0640 /etc/fieldsync/fieldsync.env
    fi
    install -d -m 0750 -o fieldsync -g fieldsync /var/lib/fieldsync
    install -d -m 0750 -o root -g root /var/backups/fieldsync
    install -m 0644 "$HERE/fieldsync.service" /etc/systemd/system/fieldsync.service
    install -D -m 0644 "$HERE/../../docs/deployment.md" /opt/fieldsync/share/doc/deployment.md 2>/dev/null || true
    systemctl daemon-reload 2>/dev/null || true
    echo "installed: /opt/fieldsync, /etc/fieldsync/fieldsync.env, fieldsync.service (not started)"
}

cmd_create_db() {
    need_url
    local user password database
    user=$(url_field user); password=$(url_field password); database=$(url_field database)
    [ -n "$user" ] && [ -n "$database" ] || die "FIELDSYNC_DATABASE_URL needs a user and a database name"
    local admin=(psql -X -q -v ON_ERROR_STOP=1)
    if [ -n "${PGADMIN_URL:-}" ]; then
        admin+=("$PGADMIN_URL")
    elif [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
        admin=(runuser -u postgres -- "${admin[@]}" -d postgres)  # peer authentication on the local socket
    else
        admin+=(-U postgres -d postgres)
    fi
    # psql variables (:"name" identifiers, :'value' literals) quote safely.
    "${admin[@]}" -v role="$user" -v pw="$password" -v db="$database" <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS need_role \gset
\if :need_role
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
\else
ALTER ROLE :"role" LOGIN PASSWORD :'pw';
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') AS need_db \gset
\if :need_db
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
\endif
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";
SQL
    echo "database $database owned by $user is ready"
}

cmd_migrate() { need_url; "$FIELDSYNC_BIN" migrate; }

cmd_add_admin() {
    local name="${1:?usage: echo PASSWORD | procedure.sh add-admin NAME}"
    need_url
    "$FIELDSYNC_BIN" user add "$name" --role admin
}

cmd_start() { systemctl enable --now fieldsync; systemctl --no-pager status fieldsync | head -5; }

cmd_health() {
    local url="http://${FIELDSYNC_HOST:-127.0.0.1}:${FIELDSYNC_PORT:-8765}/api/health"
    "$PY" - "$url" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    print(r.status, r.read().decode())
EOF
}

cmd_backup() {
    need_url
    local dir="${1:-${FIELDSYNC_BACKUP_DIR:-/var/backups/fieldsync}}"
    mkdir -p "$dir"
    local stamp dump
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    dump="$dir/fieldsync-$stamp.dump"
    # Custom format: compressed, restorable table by table, consistent (one snapshot).
    pg_dump --format=custom --no-owner --file "$dump.partial" "$(url_field libpq)"
    mv "$dump.partial" "$dump"
    local photos="${FIELDSYNC_DATA_DIR:-/var/lib/fieldsync}/photos"
    if [ -d "$photos" ]; then
        tar -C "$(dirname "$photos")" -czf "$dir/fieldsync-$stamp.photos.tar.gz" photos
    fi
    echo "$dump"
}

cmd_restore() {
    local dump="${1:?usage: procedure.sh restore /var/backups/fieldsync/fieldsync-STAMP.dump}"
    need_url
    [ -f "$dump" ] || die "no such dump: $dump"
    # Stop the service first (systemctl stop fieldsync); --clean drops what the dump recreates,
    # --single-transaction: all or nothing.
    pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
        --dbname "$(url_field libpq)" "$dump"
    local photos_tar="${dump%.dump}.photos.tar.gz"
    if [ -f "$photos_tar" ]; then
        local data="${FIELDSYNC_DATA_DIR:-/var/lib/fieldsync}"
        mkdir -p "$data"
        tar -C "$data" -xzf "$photos_tar"
    fi
    echo "restored $dump"
}

command="${1:-}"
[ -n "$command" ] || { sed -n '2,20p' "$0"; exit 2; }
shift
case "$command" in
    install) cmd_install "$@" ;;
    create-db) cmd_create_db ;;
    migrate) cmd_migrate ;;
    add-admin) cmd_add_admin "$@" ;;
    start) cmd_start ;;
    health) cmd_health ;;
    backup) cmd_backup "$@" ;;
    restore) cmd_restore "$@" ;;
    *) die "unknown command $command" ;;
esac
