package scim

import (
	"net/http"
	"strings"
)

// endpoint is a SCIM endpoint below base_path.
type endpoint int

const (
	epUnknown endpoint = iota
	epUsers
	epUser
	epServiceProviderConfig
	epSchemas
	epSchema
	epResourceTypes
	epResourceType
	epNotImplemented // /Bulk, /Me, /.search, /Users/.search
)

// classify routes rel (the path below base_path). Resource and endpoint
// names are matched case-insensitively (/users works); arg is the id.
func classify(rel string) (ep endpoint, arg string) {
	segs := strings.Split(strings.Trim(rel, "/"), "/")
	first := strings.ToLower(segs[0])
	switch len(segs) {
	case 1:
		switch first {
		case "users":
			return epUsers, ""
		case "serviceproviderconfig":
			return epServiceProviderConfig, ""
		case "schemas":
			return epSchemas, ""
		case "resourcetypes":
			return epResourceTypes, ""
		case "bulk", "me", ".search":
			return epNotImplemented, ""
		}
	case 2:
		switch first {
		case "users":
			if strings.EqualFold(segs[1], ".search") {
				return epNotImplemented, ""
			}
			return epUser, segs[1]
		case "schemas":
			return epSchema, segs[1]
		case "resourcetypes":
			return epResourceType, segs[1]
		}
	}
	if first == "me" {
		return epNotImplemented, ""
	}
	return epUnknown, ""
}

// allowedMethods is the Allow header of each endpoint.
func allowedMethods(ep endpoint) string {
	switch ep {
	case epUsers:
		return "GET, POST"
	case epUser:
		return "GET, PUT, PATCH, DELETE"
	}
	return "GET"
}

// OperationFor names the operation a request is: create, list, read,
// replace, patch, delete, discovery, or "" for an unknown endpoint or method
// (including the not-implemented ones).
func OperationFor(method, rel string) string {
	ep, _ := classify(rel)
	switch ep {
	case epUsers:
		switch method {
		case http.MethodGet:
			return "list"
		case http.MethodPost:
			return "create"
		}
	case epUser:
		switch method {
		case http.MethodGet:
			return "read"
		case http.MethodPut:
			return "replace"
		case http.MethodPatch:
			return "patch"
		case http.MethodDelete:
			return "delete"
		}
	case epServiceProviderConfig, epSchemas, epSchema, epResourceTypes, epResourceType:
		if method == http.MethodGet {
			return "discovery"
		}
	}
	return ""
}
