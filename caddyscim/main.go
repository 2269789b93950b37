// Command caddyscim is Caddy with its standard modules and the scim_genesys
// handler, plus a `demo` subcommand that runs the whole product locally with
// no credentials: a Genesys Cloud emulator, a token issuer and Caddy with
// Caddyfile.example.
package main

import (
	_ "time/tzdata"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddyscim/caddyscim"
)

func main() {
	caddycmd.Main()
}
