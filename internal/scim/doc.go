// Package scim is the SCIM 2.0 protocol layer (RFC 7643, RFC 7644) of the
// gateway, and knows nothing about Genesys Cloud: it reads and validates
// requests (bodies, filters, list parameters, PATCH operations in the shapes
// Entra ID and Okta really send), renders resources (Users and Groups),
// errors and discovery documents, and routes requests to a Backend
// (UserBackend and GroupBackend), which the gateway implements.
//
// The attribute table in schema.go is the single source of truth: decoding,
// coercion, PATCH path resolution, projection and /Schemas all read it, so
// what is advertised is exactly what is accepted.
//
// Client behaviour cited in comments and test names comes from the public
// documentation of the clients: Microsoft's "Tutorial: Develop and plan
// provisioning for a SCIM endpoint in Microsoft Entra ID"
// (https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups),
// its "Known issues and resolutions with SCIM 2.0 protocol compliance"
// (https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility),
// where the aadOptscim062020 flag switches Entra from its legacy PATCH
// shapes to RFC-compliant ones, and Okta's "Okta and SCIM Version 2.0"
// (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20).
package scim
