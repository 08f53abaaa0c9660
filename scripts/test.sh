#!/usr/bin/env bash
# All of github-sql's tests, on a fresh Debian/Ubuntu machine: installs what is missing (system
# packages, the Python clients, cargo-pgrx and the github_sql Postgres extension), then runs
# `cargo test --release` for the whole workspace. Needs root for apt-get and `cargo pgrx install`
# (or have them done already). Fails loudly: any failing step stops with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

echo "== system packages"
need=()
[ -x /usr/bin/sqlite3 ] || need+=(sqlite3)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
[ -x /usr/bin/python3 ] || need+=(python3)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -x /usr/bin/psql ] || need+=(postgresql-client)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -f /usr/include/postgresql/15/server/postgres.h ] || need+=(postgresql-server-dev-15)
ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 || need+=(libclang-dev)
[ -f /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java)
command -v javac >/dev/null || need+=(default-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
/usr/bin/sqlite3 --version
/usr/bin/python3 -c 'import sqlite3; c = sqlite3.connect(":memory:"); c.enable_load_extension(True); print("python sqlite3", sqlite3.sqlite_version, "loads extensions")'

echo "== python clients (psycopg, pandas, SQLAlchemy, Datasette)"
py_pkgs=("psycopg[binary]==3.3.9" "pandas==3.1.1" "SQLAlchemy==2.1.9" "datasette==0.65.5")
if ! .venv/bin/python -c 'import psycopg, pandas, sqlalchemy, datasette' 2>/dev/null; then
  rm -rf .venv
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "${py_pkgs[@]}"
fi
export GITHUB_SQL_TEST_PYTHON="$PWD/.venv/bin/python"

echo "== node-postgres"
command -v node >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
if ! NODE_PATH=.node/node_modules node -e 'require("pg")' 2>/dev/null; then
  npm install --prefix .node --no-audit --no-fund --silent pg@8.23.1
fi
export GITHUB_SQL_TEST_NODE_PATH="$PWD/.node/node_modules"

echo "== GitHub's REST description (@octokit/openapi 23.0.2, for the generator's test)"
if [ ! -f .node/node_modules/@octokit/openapi/generated/api.github.com.json ]; then
  npm install --prefix .node --no-audit --no-fund --silent @octokit/openapi@23.0.2
fi
export GITHUB_SQL_TEST_OPENAPI="$PWD/.node/node_modules/@octokit/openapi/generated/api.github.com.json"

echo "== the github_sql Postgres extension (cargo-pgrx 0.16.1)"
if [ "$(cargo pgrx --version 2>/dev/null)" != "cargo-pgrx 0.16.1" ]; then
  cargo install cargo-pgrx --version 0.16.1 --locked
fi
[ -f "${PGRX_HOME:-$HOME/.pgrx}/config.toml" ] && grep -q pg15 "${PGRX_HOME:-$HOME/.pgrx}/config.toml" \
  || cargo pgrx init --pg15 "$PG_CONFIG"
(cd crates/postgres && cargo pgrx install --release --pg-config "$PG_CONFIG")

echo "== cargo test --release"
cargo test --release
