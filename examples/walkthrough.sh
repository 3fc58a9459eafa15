#!/usr/bin/env bash
# A walk through the API with curl, against a running Aftermath:
#
#   go run ./cmd/aftermath serve --db /tmp/walk.db &
#   export AFTERMATH_TOKEN=$(go run ./cmd/aftermath token create admin --db /tmp/walk.db | sed -n 's/^token: //p')
#   examples/walkthrough.sh http://localhost:8080
#
# Each step prints what it sends and the status it gets back. Every call
# carries the API token in AFTERMATH_TOKEN as "Authorization: Bearer".
set -euo pipefail
base="${1:-http://localhost:8080}"
api="$base/api/v1"
here="$(cd "$(dirname "$0")" && pwd)"
: "${AFTERMATH_TOKEN:?set AFTERMATH_TOKEN to a token from: aftermath token create admin}"
auth="Authorization: Bearer $AFTERMATH_TOKEN"

step() { printf '\n### %s\n' "$*"; }
# call METHOD PATH [BODY-FILE-OR-JSON] — prints the status line and body.
call() {
  local method=$1 path=$2 body=${3:-}
  if [ -z "$body" ]; then
    curl -sS -X "$method" -H "$auth" -w '\n→ %{http_code}\n' "$api$path"
  elif [ -f "$body" ]; then
    curl -sS -X "$method" -H "$auth" -H 'Content-Type: application/json' --data-binary "@$body" -w '\n→ %{http_code}\n' "$api$path"
  else
    curl -sS -X "$method" -H "$auth" -H 'Content-Type: application/json' --data-binary "$body" -w '\n→ %{http_code}\n' "$api$path"
  fi
}

step "Without a token the API answers 401"
curl -sS -w '\n→ %{http_code}\n' "$api/incidents"

step "Who the token belongs to"
call GET /me

step "File the Linktree payment outage (201, with id and version 1)"
created=$(call POST /incidents "$here/linktree-payment-outage.json")
echo "$created" | tail -c 400
id=$(echo "$created" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)

step "Read it back"
call GET "/incidents/$id" | tail -c 200

step "Find it: SEV1 incidents that mention the connection pool"
call GET "/incidents?severity=SEV1&q=connection+pool&limit=5" | tail -c 200

step "Lower it from SEV1 to SEV2, made at version 1 (200, version 2)"
call PATCH "/incidents/$id" '{"version": 1, "severity": "SEV2"}' | tail -c 200

step "A second editor still at version 1 is refused (409 with current_version)"
call PATCH "/incidents/$id" '{"version": 1, "severity": "SEV3"}'

step "Bad input is refused in one error shape (422)"
call POST /incidents '{"title": "x", "service": "Linktree", "severity": "SEV9"}'

step "Discuss it"
call POST "/incidents/$id/comments" '{"author": "sam", "body": "Why did the 95% alert not fire?"}'
call GET "/incidents/$id/comments"

step "Say what Linktree depends on"
call PATCH /services/linktree '{"depends_on": ["payments-db", "Stripe"], "industries": ["content creators"]}'

step "Export it as markdown and import it back (200: unchanged)"
curl -sS -H "$auth" "$api/incidents/$id/postmortem.md" > "${TMPDIR:-/tmp}/aftermath-walk-$$.md"
curl -sS -X POST -H "$auth" -H 'Content-Type: text/markdown' --data-binary "@${TMPDIR:-/tmp}/aftermath-walk-$$.md" \
     -w '\n→ %{http_code}\n' "$api/import" | tail -c 120
rm -f "${TMPDIR:-/tmp}/aftermath-walk-$$.md"

step "Health and readiness (open to all)"
curl -sS -w '\n→ %{http_code}\n' "$base/healthz"
curl -sS -w '\n→ %{http_code}\n' "$base/readyz"
