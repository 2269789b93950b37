package genesystest

import (
	"net/url"
	"strconv"
	"strings"
)

// route is one emulated endpoint. Its endpoint string ("GET /api/v2/users/{id}")
// is what the request log, the counts and targeted faults use.
type route struct {
	method   string
	pattern  string
	endpoint string
	handle   func(e *Emulator, c *call)
	idx      int // index into Emulator.calls
}

// maxParams is the most path parameters any route has.
const maxParams = 3

// routeTable lists the endpoints in match order: a route whose literal
// segment could also be read as a parameter comes first.
var routeTable = []*route{
	{method: "POST", pattern: "/oauth/token", handle: (*Emulator).handleToken},
	{method: "POST", pattern: "/api/v2/users/search", handle: (*Emulator).handleSearch},
	{method: "GET", pattern: "/api/v2/users/externalid/{auth}/{key}", handle: (*Emulator).handleGetByExternalID},
	{method: "POST", pattern: "/api/v2/users", handle: (*Emulator).handleCreateUser},
	{method: "GET", pattern: "/api/v2/users", handle: (*Emulator).handleListUsers},
	{method: "GET", pattern: "/api/v2/users/{id}", handle: (*Emulator).handleGetUser},
	{method: "PATCH", pattern: "/api/v2/users/{id}", handle: (*Emulator).handlePatchUser},
	{method: "DELETE", pattern: "/api/v2/users/{id}", handle: (*Emulator).handleDeleteUser},
	{method: "POST", pattern: "/api/v2/users/{id}/externalid", handle: (*Emulator).handleAddExternalID},
	{method: "GET", pattern: "/api/v2/users/{id}/externalid", handle: (*Emulator).handleListExternalIDs},
	{method: "GET", pattern: "/api/v2/users/{id}/externalid/{auth}", handle: (*Emulator).handleGetExternalID},
	{method: "DELETE", pattern: "/api/v2/users/{id}/externalid/{auth}/{key}", handle: (*Emulator).handleDeleteExternalID},
	{method: "PATCH", pattern: "/api/v2/users/{id}/routingskills/bulk", handle: (*Emulator).handleBulkSkills},
	{method: "PATCH", pattern: "/api/v2/users/{id}/routinglanguages/bulk", handle: (*Emulator).handleBulkLanguages},
	{method: "DELETE", pattern: "/api/v2/users/{id}/routingskills/{skillId}", handle: (*Emulator).handleRemoveSkill},
	{method: "DELETE", pattern: "/api/v2/users/{id}/routinglanguages/{languageId}", handle: (*Emulator).handleRemoveLanguage},
	{method: "GET", pattern: "/api/v2/users/{id}/routingskills", handle: (*Emulator).handleUserSkills},
	{method: "GET", pattern: "/api/v2/users/{id}/routinglanguages", handle: (*Emulator).handleUserLanguages},
	{method: "POST", pattern: "/api/v2/authorization/divisions/{id}/objects/{objectType}", handle: (*Emulator).handleDivisionObjects},
	{method: "POST", pattern: "/api/v2/groups/search", handle: (*Emulator).handleGroupSearch},
	{method: "GET", pattern: "/api/v2/groups", handle: (*Emulator).handleListGroups},
	{method: "POST", pattern: "/api/v2/groups", handle: (*Emulator).handleCreateGroup},
	{method: "GET", pattern: "/api/v2/groups/{id}", handle: (*Emulator).handleGetGroup},
	{method: "PUT", pattern: "/api/v2/groups/{id}", handle: (*Emulator).handleUpdateGroup},
	{method: "DELETE", pattern: "/api/v2/groups/{id}", handle: (*Emulator).handleDeleteGroup},
	{method: "GET", pattern: "/api/v2/groups/{id}/members", handle: (*Emulator).handleGroupMembers},
	{method: "POST", pattern: "/api/v2/groups/{id}/members", handle: (*Emulator).handleAddGroupMembers},
	{method: "DELETE", pattern: "/api/v2/groups/{id}/members", handle: (*Emulator).handleRemoveGroupMembers},
	{method: "GET", pattern: "/api/v2/groups/{id}/individuals", handle: (*Emulator).handleGroupIndividuals},
	{method: "GET", pattern: "/api/v2/routing/skills", handle: (*Emulator).handleListSkills},
	{method: "GET", pattern: "/api/v2/routing/languages", handle: (*Emulator).handleListLanguages},
	{method: "GET", pattern: "/api/v2/routing/queues", handle: (*Emulator).handleListQueues},
	{method: "POST", pattern: "/api/v2/routing/queues/{id}/members", handle: (*Emulator).handleQueueMembersPost},
	{method: "GET", pattern: "/api/v2/routing/queues/{id}/members", handle: (*Emulator).handleQueueMembersGet},
}

// routesByEndpoint finds a route by its endpoint string (for targeted faults).
var routesByEndpoint = func() map[string]*route {
	m := make(map[string]*route, len(routeTable))
	for i, rt := range routeTable {
		rt.endpoint = rt.method + " " + rt.pattern
		rt.idx = i
		m[rt.endpoint] = rt
	}
	return m
}()

// Endpoints lists the templated endpoints the emulator serves, e.g.
// "PATCH /api/v2/users/{id}/routingskills/bulk".
func Endpoints() []string {
	out := make([]string, len(routeTable))
	for i, rt := range routeTable {
		out[i] = rt.endpoint
	}
	return out
}

// matchRoute finds the route for method and escaped path and fills params
// with the unescaped path parameters. It allocates only to unescape.
func matchRoute(method, escapedPath string, params *[maxParams]string) *route {
	for _, rt := range routeTable {
		if rt.method == method && matchPattern(rt.pattern, escapedPath, params) {
			return rt
		}
	}
	return nil
}

// matchPattern walks pattern and path segment by segment. A parameter
// segment matches any non-empty segment; an escaped "/" inside it stays
// inside the parameter (it is unescaped afterwards).
func matchPattern(pattern, path string, params *[maxParams]string) bool {
	n := 0
	for len(pattern) > 0 && len(path) > 0 {
		if pattern[0] != '/' || path[0] != '/' {
			return false
		}
		pattern, path = pattern[1:], path[1:]
		ps, pp := segment(pattern), segment(path)
		if ps == "" || pp == "" {
			return false
		}
		if ps[0] == '{' {
			v, err := url.PathUnescape(pp)
			if err != nil || v == "" || n == maxParams {
				return false
			}
			params[n] = v
			n++
		} else if ps != pp {
			return false
		}
		pattern, path = pattern[len(ps):], path[len(pp):]
	}
	return pattern == "" && path == ""
}

func segment(s string) string {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i]
	}
	return s
}

// mustRoute returns the route serving endpoint, or panics: test helpers name
// endpoints by string, and a typo must not silently match nothing.
func mustRoute(endpoint string) *route {
	rt, ok := routesByEndpoint[endpoint]
	if !ok {
		panic("emulator: no such endpoint " + strconv.Quote(endpoint) + "; see Endpoints()")
	}
	return rt
}
