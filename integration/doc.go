// Package integration holds the black-box tests: a real Caddy with
// scim_genesys, booted by integration/harness against the Genesys Cloud
// emulator (internal/genesystest) and the test identity provider
// (internal/idptest). Tests in one package run one after another (Caddy is
// process-global); sub-packages run in their own processes.
package integration
