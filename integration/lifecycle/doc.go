// Package lifecycle holds the black-box tests of issues 6 and 7: listing
// and filtering users (exact windows over Genesys search, every filter form
// identity providers send) and the rest of the user lifecycle (read, replace,
// patch, deactivate, delete, ETags, discovery), replayed as the request
// sequences Entra ID and Okta really send, through a real Caddy running
// scim_genesys against the Genesys Cloud emulator. After each step the tests
// look at the Genesys side in the emulator, because an answer that looks
// right while Genesys holds something else is the failure that matters.
//
// Caddy is process-global: the tests run one after another, each with its
// own harness.Stack. The package holds no non-test code beyond this file.
package lifecycle
