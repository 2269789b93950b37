// Package load proves the gateway under load and faults (issue 9): the
// overhead of scim_genesys against a plain one-hop reverse proxy, a bulk
// provisioning run against a rate-limited Genesys emulator, a fault soak
// with a retrying Entra-like client, and a memory check over many list
// requests.
//
// The full-size runs are skipped unless -load is passed, so `go test ./...`
// stays fast:
//
//	go test ./integration/load/ -run . -load -v -timeout 30m
//	go test ./integration/load/ -run '^$' -bench . -benchtime 10s   # the overhead benchmark
//
// TestSmoke always runs every scenario at a tiny size (seconds) so the
// harness cannot rot. Each scenario prints its figures as Markdown on
// stdout; RESULTS.md holds the method and the latest figures.
//
// Caddy is process-global: the tests here run one after another, never in
// parallel, each with its own stack.
package load
