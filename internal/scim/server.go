package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// DefaultMaxResults is the page size when Server.MaxResults is not set.
const DefaultMaxResults = 100

// maxIDLen bounds a resource id in a URL.
const maxIDLen = 128

// Server answers SCIM requests over a Backend. It owns everything about the
// protocol (routing, bodies, errors, ETags, projection); the Backend owns the
// store.
type Server struct {
	Backend    Backend
	MaxResults int
	OnDone     func(ctx context.Context, o Outcome) // optional: once per request
}

// Outcome reports how a request ended, for audit and metrics.
type Outcome struct {
	Operation     Operation
	Status        int
	Err           *Error
	BackendCalled bool
}

// Serve answers one request. rel is the path below base_path ("" or "/" for
// the root, "/Users", "/Users/<id>", "/Groups", ...), baseURL the absolute
// URL of base_path as the client sees it (e.g.
// "https://gw.example.com/scim/v2"), used for Location, meta.location and
// $ref.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, rel, baseURL string) {
	sw := &statusWriter{ResponseWriter: w}
	out := Outcome{Operation: OperationFor(r.Method, rel)}
	defer func() {
		if rec := recover(); rec != nil {
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			// Never a bare 500: the panic becomes a SCIM error if nothing
			// was written yet, and its cause reaches OnDone only.
			out.Err = AsError(fmt.Errorf("panic serving SCIM request: %v", rec))
			if sw.status == 0 {
				WriteError(sw, out.Err)
			}
		}
		out.Status = sw.status
		if s.OnDone != nil {
			s.OnDone(r.Context(), out)
		}
	}()
	h := &handler{srv: s, w: sw, r: r, baseURL: strings.TrimRight(baseURL, "/"), out: &out}
	if err := h.serve(rel); err != nil {
		out.Err = AsError(err)
		WriteError(sw, out.Err)
	}
}

// statusWriter records the status written, for Outcome.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handler is the state of one request.
type handler struct {
	srv     *Server
	w       http.ResponseWriter
	r       *http.Request
	baseURL string
	out     *Outcome

	// Parsed once per request, however many users a response renders.
	q      url.Values   // the query (nil until first asked)
	proj   *projection  // attributes / excludedAttributes
	prefs  *refPrefixes // of baseURL, for the fast encoders
	groups bool         // the request is for /Groups: projection reads Group names
}

// query is the request's query, parsed on first use.
func (h *handler) query() url.Values {
	if h.q == nil {
		h.q = h.r.URL.Query()
	}
	return h.q
}

// projection is the request's attributes / excludedAttributes, parsed on
// first use.
func (h *handler) projection() projection {
	if h.proj == nil {
		seg := userSegments
		if h.groups {
			seg = groupSegments
		}
		p := projectionFrom(h.query(), seg)
		h.proj = &p
	}
	return *h.proj
}

// refs is what the fast encoders need to render meta.location and $ref as
// the map encoders do with h.baseURL.
func (h *handler) refs() *refPrefixes {
	if h.prefs == nil {
		h.prefs = newRefPrefixes(h.baseURL)
	}
	return h.prefs
}

func (h *handler) serve(rel string) error {
	ep, arg := classify(rel)
	switch ep {
	case epUnknown:
		return Errorf(http.StatusNotFound, "", "no SCIM endpoint at this path")
	case epNotImplemented:
		return Errorf(http.StatusNotImplemented, "", "this endpoint is not implemented by this service provider")
	}
	if h.out.Operation == "" {
		allow := allowedMethods(ep)
		return &Error{Status: http.StatusMethodNotAllowed, Allow: allow,
			Detail: fmt.Sprintf("method %s is not allowed here; allowed: %s", clip(h.r.Method), allow)}
	}
	switch ep {
	case epUsers:
		if h.r.Method == http.MethodPost {
			return h.create()
		}
		return h.list()
	case epUser:
		return h.serveUser(arg)
	case epGroups, epGroup:
		h.groups = true
		return h.serveGroups(ep, arg)
	}
	return h.discovery(ep, arg)
}

// serveUser routes /Users/<id>.
func (h *handler) serveUser(arg string) error {
	id, err := h.resourceID(arg, "User")
	if err != nil {
		return err
	}
	switch h.r.Method {
	case http.MethodGet:
		return h.read(id)
	case http.MethodPut:
		return h.replace(id)
	case http.MethodPatch:
		return h.patch(id)
	default:
		return h.delete(id)
	}
}

// resourceID validates the id of a User or Group (kind) against the
// escaped request path: an id hiding a slash (%2F), a NUL or another control
// character, invalid UTF-8, or more than 128 bytes never reaches the
// Backend.
func (h *handler) resourceID(id, kind string) (string, error) {
	notFound := Errorf(http.StatusNotFound, "", "%s not found", kind)
	esc := strings.TrimRight(h.r.URL.EscapedPath(), "/")
	last, err := url.PathUnescape(esc[strings.LastIndex(esc, "/")+1:])
	if err != nil || last != id || id == "" || len(id) > maxIDLen || !utf8.ValidString(id) {
		return "", notFound
	}
	for _, c := range id {
		if c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return "", notFound
		}
	}
	return id, nil
}

func (h *handler) maxResults() int {
	if h.srv.MaxResults > 0 {
		return h.srv.MaxResults
	}
	return DefaultMaxResults
}

// backend marks the Backend as called; every call goes through it.
func (h *handler) backend() Backend {
	h.out.BackendCalled = true
	return h.srv.Backend
}

var errNoUser = errors.New("scim: backend returned no user and no error")

func (h *handler) create() error {
	body, err := ReadJSON(h.r)
	if err != nil {
		return err
	}
	u, err := DecodeUser(body)
	if err != nil {
		return err
	}
	nu, created, err := h.backend().CreateUser(h.r.Context(), u)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return h.writeUser(status, nu, true)
}

func (h *handler) list() error {
	lq, err := ParseListQuery(h.query(), h.maxResults())
	if err != nil {
		return err
	}
	res, err := h.backend().ListUsers(h.r.Context(), lq)
	if err != nil {
		return err
	}
	if res == nil {
		return errNoUser
	}
	users := res.Users
	if len(users) > lq.Count { // never more than asked (RFC 7644 §3.4.2.4)
		users = users[:lq.Count]
	}
	if !lq.Groups {
		users = withoutGroups(users)
	}
	if h.projection().identity() {
		w := newJSONWriter()
		appendListResponse(w, res.Total, lq.StartIndex, users, func(u *User) { w.appendUser(u, h.refs()) })
		w.writeTo(h.w, http.StatusOK)
		return nil
	}
	resources := make([]any, 0, len(users))
	for _, u := range users {
		if u != nil {
			resources = append(resources, h.render(u))
		}
	}
	WriteJSON(h.w, http.StatusOK, map[string]any{
		"schemas":      []any{ListResponseURN},
		"totalResults": res.Total,
		"startIndex":   lq.StartIndex,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	})
	return nil
}

func (h *handler) read(id string) error {
	u, err := h.backend().GetUser(h.r.Context(), id)
	if err != nil {
		return err
	}
	if u == nil {
		return errNoUser
	}
	if h.notModified(u.Meta.Version) {
		return nil
	}
	return h.writeUser(http.StatusOK, u, false)
}

// notModified answers 304 when If-None-Match names the current version.
func (h *handler) notModified(version string) bool {
	inm := h.r.Header.Get("If-None-Match")
	if inm == "" || version == "" {
		return false
	}
	versions, star := parseETags(inm)
	if !star && !containsString(versions, version) {
		return false
	}
	h.w.Header().Set("ETag", FormatETag(version))
	h.w.WriteHeader(http.StatusNotModified)
	return true
}

// withoutGroups returns users with their groups left out, copying only the
// users that have some (the backend's values are not modified).
func withoutGroups(users []*User) []*User {
	var out []*User
	for i, u := range users {
		if u == nil || len(u.Groups) == 0 {
			continue
		}
		if out == nil {
			out = append(make([]*User, 0, len(users)), users...)
		}
		c := *u
		c.Groups = nil
		out[i] = &c
	}
	if out == nil {
		return users
	}
	return out
}

func (h *handler) replace(id string) error {
	return h.update(func(body any) (*User, error) {
		u, err := DecodeUser(body)
		if err != nil {
			return nil, err
		}
		return h.backend().ReplaceUser(h.r.Context(), id, u, h.precondition())
	})
}

func (h *handler) patch(id string) error {
	return h.update(func(body any) (*User, error) {
		p, err := ParsePatch(body)
		if err != nil {
			return nil, err
		}
		return h.backend().PatchUser(h.r.Context(), id, p, h.precondition())
	})
}

// update is PUT and PATCH: read the body, let apply parse it and call the
// backend (nothing reaches the backend unless the body parses), answer 200
// with the resource.
func (h *handler) update(apply func(body any) (*User, error)) error {
	body, err := ReadJSON(h.r)
	if err != nil {
		return err
	}
	u, err := apply(body)
	if err != nil {
		return err
	}
	return h.writeUser(http.StatusOK, u, false)
}

func (h *handler) delete(id string) error {
	if err := h.backend().DeleteUser(h.r.Context(), id, h.precondition()); err != nil {
		return err
	}
	h.noContent()
	return nil
}

// noContent answers 204.
func (h *handler) noContent() {
	h.w.Header().Set("Content-Type", ContentType)
	h.w.WriteHeader(http.StatusNoContent)
}

func (h *handler) precondition() Precondition {
	return preconditionFrom(strings.Join(h.r.Header.Values("If-Match"), ","))
}

// render encodes u with its location and applies attributes /
// excludedAttributes: the map form, for responses that project.
func (h *handler) render(u *User) map[string]any {
	return h.projection().apply(EncodeUser(u, h.baseURL))
}

func (h *handler) writeUser(status int, u *User, withLocation bool) error {
	if u == nil {
		return errNoUser
	}
	if u.Meta.Version != "" {
		h.w.Header().Set("ETag", FormatETag(u.Meta.Version))
	}
	if withLocation && u.ID != "" {
		h.w.Header().Set("Location", resourceLocation(h.baseURL, "/Users/", u.ID, ""))
	}
	if h.projection().identity() {
		w := newJSONWriter()
		w.appendUser(u, h.refs())
		w.writeTo(h.w, status)
		return nil
	}
	WriteJSON(h.w, status, h.render(u))
	return nil
}

func (h *handler) discovery(ep endpoint, arg string) error {
	if _, ok := queryParam(h.query(), "filter"); ok {
		return Errorf(http.StatusForbidden, "", "filtering is not supported on discovery endpoints (RFC 7644 §4)")
	}
	var doc map[string]any
	var err error
	switch ep {
	case epServiceProviderConfig:
		doc = ServiceProviderConfig(h.maxResults())
	case epSchemas:
		doc = Schemas()
	case epSchema:
		doc, err = Schema(arg)
	case epResourceTypes:
		doc = ResourceTypes()
	case epResourceType:
		doc, err = ResourceType(arg)
	}
	if err != nil {
		return err
	}
	h.absolutize(doc)
	if list, ok := doc["Resources"].([]any); ok {
		for _, r := range list {
			h.absolutize(r.(map[string]any))
		}
	}
	WriteJSON(h.w, http.StatusOK, doc)
	return nil
}

// absolutize turns a relative meta.location into this gateway's URL.
func (h *handler) absolutize(doc map[string]any) {
	if meta, ok := doc["meta"].(map[string]any); ok {
		if loc, ok := meta["location"].(string); ok && strings.HasPrefix(loc, "/") {
			meta["location"] = h.baseURL + loc
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
