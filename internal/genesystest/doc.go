// Package genesystest is a test double of Genesys Cloud, as net/http/httptest
// is of an HTTP peer: an in-process emulator of the Platform API endpoints
// that caddyscim calls: the OAuth client-credentials token endpoint,
// users (create, get, list, patch, soft delete), user search, external ids,
// division assignment, routing skills, languages and queues and their
// assignment, groups and their members, and group search.
//
// Its purpose is fidelity, not convenience. It follows the public contract
// as the Genesys Platform API SDKs document it (generated from Genesys's own
// API definition: the operation names and models the comments cite, such as
// "POST /api/v2/groups" or GroupCreate, are those of the SDK docs), the
// Genesys developer center, and the Genesys Terraform provider
// (terraform-provider-genesyscloud), whose code shows how the real API
// answers. It refuses every request shape the real API refuses (name as an
// object, an "active" boolean, a missing version, a search criterion without
// a type...). Where the real behaviour is not documented it is deliberately
// strict, and where it is ambiguous it gives the least convenient plausible
// answer; the code says so in a comment: a gateway that passes against this
// emulator should not be relying on leniency or luck the real API may not
// grant. Every refusal of a request's shape is recorded and can be listed
// with Rejections, so tests can assert the gateway never sends one.
//
// It deliberately does not import internal/genesys: requests are decoded with
// this package's own strict decoders, so a mistake in the client's types
// cannot be mirrored here and go unnoticed.
//
// Beyond the API it offers inspection (users, groups, divisions, skills,
// queue members, external ids, a request log), seed helpers, administrator
// changes made outside the gateway (group renames, deletions and
// membership), and fault injection (429/503 rates,
// connection resets, latency, targeted failures and hangs, version
// conflicts, search-index lag, a global outage switch) for reliability tests.
// A fast mode turns lag, limits and faults off for benchmarks.
package genesystest
