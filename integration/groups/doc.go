// Package groups holds the black-box tests of /Groups: a real Caddy with
// scim_genesys against the Genesys Cloud emulator replays Entra ID's group
// provisioning and Okta's Push Groups, and after each step the emulator
// holds exactly the routing the membership implies (issue 13).
package groups
