#!/usr/bin/env bash
# Regenerates provider-spec-generated/ from GitHub's REST description, pinned to the npm package
# @octokit/openapi@23.0.2 (generated/api.github.com.json). Installs it into .node/ when missing.
# The rules are in docs/generator.md. `cargo build` never needs any of this.
set -euo pipefail
cd "$(dirname "$0")/.."
version=23.0.2
desc=.node/node_modules/@octokit/openapi/generated/api.github.com.json
installed=$(node -p "require('./.node/node_modules/@octokit/openapi/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  npm install --prefix .node --no-audit --no-fund --silent "@octokit/openapi@$version"
fi
cargo run --quiet -p github-sql-shell --bin github-sql -- generate --from "$desc" --out provider-spec-generated
# The reference pages are made from the provider just written (docs/generator.md).
cargo run --quiet -p github-sql-shell --bin github-sql -- docs --reference provider-spec-generated --out docs/reference
