package scim

import (
	"errors"
	"net/http"
)

// The /Groups endpoints. Entra ID and Okta create, find, rename and delete
// groups and change their members with PATCH; the handlers here mirror the
// /Users ones (bodies parsed once and fully before the backend is called,
// If-Match passed through, If-None-Match answered, projection applied) with
// two differences: PATCH answers 204 unless the request asks for
// attributes, and the backend is told whether members are needed.

var errNoGroup = errors.New("scim: backend returned no group and no error")

// serveGroups routes /Groups and /Groups/<id>.
func (h *handler) serveGroups(ep endpoint, arg string) error {
	if ep == epGroups {
		if h.r.Method == http.MethodPost {
			return h.groupCreate()
		}
		return h.groupList()
	}
	id, err := h.resourceID(arg, "Group")
	if err != nil {
		return err
	}
	switch h.r.Method {
	case http.MethodGet:
		return h.groupRead(id)
	case http.MethodPut:
		return h.groupReplace(id)
	case http.MethodPatch:
		return h.groupPatch(id)
	default:
		return h.groupDelete(id)
	}
}

// readOptions is what a read of one group must return: members only if the
// response shows them.
func (h *handler) readOptions() GroupRead {
	return GroupRead{Members: h.projection().returns("members")}
}

func (h *handler) groupCreate() error {
	body, err := ReadJSON(h.r)
	if err != nil {
		return err
	}
	g, err := DecodeGroup(body)
	if err != nil {
		return err
	}
	ng, err := h.backend().CreateGroup(h.r.Context(), g)
	if err != nil {
		return err
	}
	return h.writeGroup(http.StatusCreated, ng, true)
}

func (h *handler) groupList() error {
	q, err := ParseGroupListQuery(h.query(), h.maxResults())
	if err != nil {
		return err
	}
	res, err := h.backend().ListGroups(h.r.Context(), q)
	if err != nil {
		return err
	}
	if res == nil {
		return errNoGroup
	}
	groups := res.Groups
	if len(groups) > q.Count { // never more than asked (RFC 7644 §3.4.2.4)
		groups = groups[:q.Count]
	}
	if h.projection().identity() {
		w := newJSONWriter()
		appendListResponse(w, res.Total, q.StartIndex, groups, func(g *Group) { w.appendGroup(g, h.refs()) })
		w.writeTo(h.w, http.StatusOK)
		return nil
	}
	resources := make([]any, 0, len(groups))
	for _, g := range groups {
		if g != nil {
			resources = append(resources, h.projection().apply(EncodeGroup(g, h.baseURL)))
		}
	}
	WriteJSON(h.w, http.StatusOK, map[string]any{
		"schemas":      []any{ListResponseURN},
		"totalResults": res.Total,
		"startIndex":   q.StartIndex,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	})
	return nil
}

func (h *handler) groupRead(id string) error {
	g, err := h.backend().GetGroup(h.r.Context(), id, h.readOptions())
	if err != nil {
		return err
	}
	if g == nil {
		return errNoGroup
	}
	if h.notModified(g.Meta.Version) {
		return nil
	}
	return h.writeGroup(http.StatusOK, g, false)
}

func (h *handler) groupReplace(id string) error {
	body, err := ReadJSON(h.r)
	if err != nil {
		return err
	}
	g, err := DecodeGroup(body)
	if err != nil {
		return err
	}
	ng, err := h.backend().ReplaceGroup(h.r.Context(), id, g, h.precondition())
	if err != nil {
		return err
	}
	return h.writeGroup(http.StatusOK, ng, false)
}

// groupPatch answers 204, as Entra and Okta expect, unless the request has
// an attributes or excludedAttributes parameter: then it is 200 with the
// group read back (RFC 7644 §3.5.2).
func (h *handler) groupPatch(id string) error {
	body, err := ReadJSON(h.r)
	if err != nil {
		return err
	}
	p, err := ParseGroupPatch(body)
	if err != nil {
		return err
	}
	if err := h.backend().PatchGroup(h.r.Context(), id, p, h.precondition()); err != nil {
		return err
	}
	_, attrs := queryParam(h.query(), "attributes")
	_, excl := queryParam(h.query(), "excludedAttributes")
	if !attrs && !excl {
		h.noContent()
		return nil
	}
	g, err := h.backend().GetGroup(h.r.Context(), id, h.readOptions())
	if err != nil {
		return err
	}
	return h.writeGroup(http.StatusOK, g, false)
}

func (h *handler) groupDelete(id string) error {
	if err := h.backend().DeleteGroup(h.r.Context(), id, h.precondition()); err != nil {
		return err
	}
	h.noContent()
	return nil
}

func (h *handler) writeGroup(status int, g *Group, withLocation bool) error {
	if g == nil {
		return errNoGroup
	}
	if g.Meta.Version != "" {
		h.w.Header().Set("ETag", FormatETag(g.Meta.Version))
	}
	if withLocation && g.ID != "" {
		h.w.Header().Set("Location", resourceLocation(h.baseURL, "/Groups/", g.ID, ""))
	}
	if h.projection().identity() {
		w := newJSONWriter()
		w.appendGroup(g, h.refs())
		w.writeTo(h.w, status)
		return nil
	}
	WriteJSON(h.w, status, h.projection().apply(EncodeGroup(g, h.baseURL)))
	return nil
}
