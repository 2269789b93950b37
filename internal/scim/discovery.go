package scim

import (
	"net/http"
	"strings"
)

// Discovery documents (RFC 7643 §5-7, RFC 7644 §4). They are generated from
// the same attribute table that decoding and PATCH use, so they advertise
// exactly what works: camelCase values, no nulls. meta.location is relative
// here ("/Schemas/<id>"); the server makes it absolute.

const (
	spcURN          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaURN       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	resourceTypeURN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// ServiceProviderConfig is the /ServiceProviderConfig document.
func ServiceProviderConfig(maxResults int) map[string]any {
	return map[string]any{
		"schemas":        []any{spcURN},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": maxResults},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": false},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "A JWT bearer token in the Authorization header (RFC 6750).",
			"primary":     true,
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": "/ServiceProviderConfig"},
	}
}

// Schemas is the /Schemas ListResponse: core User with its mapped
// attributes, the enterprise extension, the two Genesys extensions, and
// Group.
func Schemas() map[string]any {
	docs := make([]any, 0, len(allSchemas))
	for _, s := range allSchemas {
		docs = append(docs, schemaDoc(s))
	}
	return listResponse(docs, 1)
}

// Schema is one schema by URN (case-insensitive); unknown ids are 404.
func Schema(id string) (map[string]any, error) {
	if s := schemaByURN(id); s != nil {
		return schemaDoc(s), nil
	}
	return nil, Errorf(http.StatusNotFound, "", "schema %q not found", clip(id))
}

// ResourceTypes is the /ResourceTypes ListResponse: User and Group.
func ResourceTypes() map[string]any {
	return listResponse([]any{userResourceType(), groupResourceType()}, 1)
}

// ResourceType is one resource type by name (case-insensitive): User or
// Group.
func ResourceType(name string) (map[string]any, error) {
	switch {
	case strings.EqualFold(name, "User"):
		return userResourceType(), nil
	case strings.EqualFold(name, "Group"):
		return groupResourceType(), nil
	}
	return nil, Errorf(http.StatusNotFound, "", "resource type %q not found", clip(name))
}

func listResponse(resources []any, startIndex int) map[string]any {
	if resources == nil {
		resources = []any{}
	}
	return map[string]any{
		"schemas":      []any{ListResponseURN},
		"totalResults": len(resources),
		"startIndex":   startIndex,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	}
}

func userResourceType() map[string]any {
	exts := make([]any, 0, len(extensionSchemas))
	for _, s := range extensionSchemas {
		exts = append(exts, map[string]any{"schema": s.ID, "required": false})
	}
	return map[string]any{
		"schemas":          []any{resourceTypeURN},
		"id":               "User",
		"name":             "User",
		"endpoint":         "/Users",
		"description":      "User Account",
		"schema":           UserURN,
		"schemaExtensions": exts,
		"meta":             map[string]any{"resourceType": "ResourceType", "location": "/ResourceTypes/User"},
	}
}

// groupResourceType is Group (RFC 7643 §4.2), which has no extensions.
func groupResourceType() map[string]any {
	return map[string]any{
		"schemas":          []any{resourceTypeURN},
		"id":               "Group",
		"name":             "Group",
		"endpoint":         "/Groups",
		"description":      "Group",
		"schema":           GroupURN,
		"schemaExtensions": []any{},
		"meta":             map[string]any{"resourceType": "ResourceType", "location": "/ResourceTypes/Group"},
	}
}

func schemaDoc(s *schemaSpec) map[string]any {
	attrs := make([]any, 0, len(s.Attrs))
	for _, a := range s.Attrs {
		attrs = append(attrs, attrDoc(a))
	}
	return map[string]any{
		"schemas":     []any{schemaURN},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  attrs,
		"meta":        map[string]any{"resourceType": "Schema", "location": "/Schemas/" + s.ID},
	}
}

func attrDoc(a *attrSpec) map[string]any {
	d := map[string]any{
		"name":        a.Name,
		"type":        a.Type,
		"multiValued": a.Multi,
		"description": a.Description,
		"required":    a.Required,
		"caseExact":   a.CaseExact,
		"mutability":  orDefault(a.Mutability, "readWrite"),
		"returned":    orDefault(a.Returned, "default"),
		"uniqueness":  orDefault(a.Uniqueness, "none"),
	}
	if len(a.Canonical) > 0 {
		d["canonicalValues"] = a.Canonical
	}
	if len(a.RefTypes) > 0 {
		d["referenceTypes"] = a.RefTypes
	}
	if len(a.Subs) > 0 {
		subs := make([]any, 0, len(a.Subs))
		for _, s := range a.Subs {
			subs = append(subs, attrDoc(s))
		}
		d["subAttributes"] = subs
	}
	return d
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
