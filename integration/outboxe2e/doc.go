// Package outboxe2e proves the durable outbox (a create always completes; issue
// 5) from the outside: real Caddy processes, in this test process and as
// separate OS processes of the bundled binary, run scim_genesys against the
// Genesys Cloud emulator while the skills endpoint fails. The tests show that
// a create still answers 201, that the queued step completes by itself once
// Genesys recovers (across a reload, a restart, a SIGKILL and a second
// instance sharing the storage), exactly once, that a DELETE cancels it, that
// outbox_max_age gives it up, and that only an unwritable outbox turns the
// create into a 503 that a retry repairs.
//
// It is a package of its own because Caddy is process-global: these tests
// run one after another in their own process, and the separate-process tests
// need the bundled binary, which TestMain builds once per run (skipped under
// -short).
package outboxe2e
