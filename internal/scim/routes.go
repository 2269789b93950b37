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
	epGroups
	epGroup
	epServiceProviderConfig
	epSchemas
	epSchema
	epResourceTypes
	epResourceType
	epNotImplemented // /Bulk, /Me, /.search, /Users/.search, /Groups/.search
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
		case "groups":
			return epGroups, ""
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
		case "users", "groups":
			if strings.EqualFold(segs[1], ".search") {
				return epNotImplemented, ""
			}
			if first == "groups" {
				return epGroup, segs[1]
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
	case epUsers, epGroups:
		return "GET, POST"
	case epUser, epGroup:
		return "GET, PUT, PATCH, DELETE"
	}
	return "GET"
}

// Operation names what a request does, for audit, metrics and access
// decisions. The values are stable: they appear in logs and metric labels.
type Operation string

// The operations. The empty Operation is an unknown endpoint or method.
const (
	OpCreate    Operation = "create"
	OpList      Operation = "list"
	OpRead      Operation = "read"
	OpReplace   Operation = "replace"
	OpPatch     Operation = "patch"
	OpDelete    Operation = "delete"
	OpDiscovery Operation = "discovery"

	OpGroupCreate  Operation = "group_create"
	OpGroupList    Operation = "group_list"
	OpGroupRead    Operation = "group_read"
	OpGroupReplace Operation = "group_replace"
	OpGroupPatch   Operation = "group_patch"
	OpGroupDelete  Operation = "group_delete"
)

// OperationFor names the operation a request is, or "" for an unknown
// endpoint or method (including the not-implemented ones).
func OperationFor(method, rel string) Operation {
	ep, _ := classify(rel)
	switch ep {
	case epUsers:
		switch method {
		case http.MethodGet:
			return OpList
		case http.MethodPost:
			return OpCreate
		}
	case epUser:
		switch method {
		case http.MethodGet:
			return OpRead
		case http.MethodPut:
			return OpReplace
		case http.MethodPatch:
			return OpPatch
		case http.MethodDelete:
			return OpDelete
		}
	case epGroups:
		switch method {
		case http.MethodGet:
			return OpGroupList
		case http.MethodPost:
			return OpGroupCreate
		}
	case epGroup:
		switch method {
		case http.MethodGet:
			return OpGroupRead
		case http.MethodPut:
			return OpGroupReplace
		case http.MethodPatch:
			return OpGroupPatch
		case http.MethodDelete:
			return OpGroupDelete
		}
	case epServiceProviderConfig, epSchemas, epSchema, epResourceTypes, epResourceType:
		if method == http.MethodGet {
			return OpDiscovery
		}
	}
	return ""
}
