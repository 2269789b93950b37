#!/usr/bin/env bash
# Builds ./caddy: Caddy with this module, for production. Extra arguments are
# passed to `xcaddy build` (for example more `--with` plugins).
#
# The module is pinned to a placeholder version before the local replacement:
# xcaddy's plain `--with github.com/caddyscim/caddyscim=.` asks the module proxy
# for the unpublished module and fails with 403 (SPEC section 9).
set -euo pipefail
cd "$(dirname "$0")"

XCADDY_VERSION=v0.4.5
CADDY_VERSION="${CADDY_VERSION:-$(go list -m -f '{{.Version}}' github.com/caddyserver/caddy/v2)}"
xcaddy="$(go env GOPATH)/bin/xcaddy"
if [ ! -x "$xcaddy" ]; then
	go install "github.com/caddyserver/xcaddy/cmd/xcaddy@${XCADDY_VERSION}"
fi

"$xcaddy" build "$CADDY_VERSION" --output ./caddy \
	--with "github.com/caddyscim/caddyscim@v0.0.0-00010101000000-000000000000=." \
	"$@"
./caddy list-modules | grep -q '^http.handlers.scim_genesys$'
echo "built ./caddy ($CADDY_VERSION) with http.handlers.scim_genesys"
