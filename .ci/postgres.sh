#!/usr/bin/env bash
# Install and start a local PostgreSQL (Debian's package), create a throwaway database for the
# store's tests, and print its URL. Run as root. Usage:
#   export FIXLOOP_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

version="$(ls /etc/postgresql | sort -n | tail -1)"
if ! pg_lsclusters --no-header | grep -q "^$version main .* online"; then
    pg_ctlcluster "$version" main start >&2
fi

psql_as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
if [ "$(psql_as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'fixloop'")" != "1" ]; then
    psql_as_postgres "CREATE ROLE fixloop LOGIN PASSWORD 'fixloop'" >&2
fi
if [ "$(psql_as_postgres "SELECT 1 FROM pg_database WHERE datname = 'fixloop_test'")" != "1" ]; then
    psql_as_postgres "CREATE DATABASE fixloop_test OWNER fixloop" >&2
fi

echo "postgresql://fixloop:fixloop@localhost:5432/fixloop_test"
