// Package scim is the SCIM 2.0 protocol layer (RFC 7643, RFC 7644) of the
// gateway, and knows nothing about Genesys Cloud: it reads and validates
// requests (bodies, filters, list parameters, PATCH operations in the shapes
// Entra ID and Okta really send), renders resources, errors and discovery
// documents, and routes requests to a Backend, which the gateway implements.
//
// The attribute table in schema.go is the single source of truth: decoding,
// coercion, PATCH path resolution, projection and /Schemas all read it, so
// what is advertised is exactly what is accepted.
package scim
