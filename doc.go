// Package caddyscim is the scim_genesys Caddy module: a SCIM 2.0 service
// provider for Genesys Cloud. See README.md.
package caddyscim
