package genesystest

import (
	"encoding/json"
	"net/http"
	"time"
)

// errorBody is the Genesys ErrorBody every failed API call answers with.
type errorBody struct {
	Message   string `json:"message"`
	Code      string `json:"code"`
	Status    int    `json:"status"`
	ContextID string `json:"contextId"`
	Details   []any  `json:"details"`
	Errors    []any  `json:"errors"`
}

// Rejection is a request the emulator refused because of its shape: a body
// or parameter the real API would refuse, or an endpoint that does not
// exist. A correct gateway never causes one.
type Rejection struct {
	Time     time.Time
	Method   string
	Path     string // the raw request path
	Endpoint string // templated, e.g. "POST /api/v2/users"; "" for unknown endpoints
	Status   int
	Code     string
	Message  string
}

// fail answers a Genesys ErrorBody. It is for normal answers (not found,
// conflicts, 429, 5xx), which are not rejections.
func (c *call) fail(status int, code, msg string) {
	b, _ := json.Marshal(errorBody{Message: msg, Code: code, Status: status, ContextID: c.corr, Details: []any{}, Errors: []any{}})
	c.writeJSON(status, b)
}

// reject answers like fail and records the request as a shape rejection.
func (c *call) reject(status int, code, msg string) {
	c.fail(status, code, msg)
	rj := Rejection{Time: c.e.now(), Method: c.r.Method, Path: truncate(c.r.URL.EscapedPath(), maxLoggedPath), Status: status, Code: code, Message: msg}
	if c.rt != nil {
		rj.Endpoint = c.rt.endpoint
	}
	c.e.log.reject(rj)
}

// badRequest is the usual shape rejection: 400 bad.request.
func (c *call) badRequest(msg string) { c.reject(http.StatusBadRequest, "bad.request", msg) }

// notFound is the usual 404 (not a rejection).
func (c *call) notFound(what string) {
	c.fail(http.StatusNotFound, "not.found", "The requested "+what+" was not found")
}

// conflict is Genesys's duplicate answer: code general.conflict with status
// (400 for a create, 409 for an update). Genesys's Terraform provider keys
// on the code alone when POST /api/v2/users fails for a taken email
// (resource_genesyscloud_user.go), so the code is what clients rely on; the
// 400 is the status Genesys's developer center tutorials show for a
// duplicate email.
func (c *call) conflict(status int, msg string) { c.fail(status, "general.conflict", msg) }

// versionConflict answers a stale version of what ("user", "group") with
// status (409 unless injected otherwise) and code general.conflict: the
// least convenient of the plausible codes, as it is also the duplicate's,
// so a client cannot tell the two apart by status and code. The message
// carries the phrase the Terraform provider keys on (util.IsVersionMismatch
// treats 409, 408, and 400 with "does not match the current version", as a
// version mismatch).
func (c *call) versionConflict(status int, what string) {
	c.fail(status, "general.conflict", "The version supplied does not match the current version of the "+what)
}
