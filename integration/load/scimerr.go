package load

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

const errorURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// scimErrorProblem says how an error answer fails to be an RFC 7644 §3.12
// error body (application/scim+json, schemas with the Error URN, status as
// the string of the HTTP status, a detail); "" when it is one.
func scimErrorProblem(rp reply) string {
	if ct := rp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		return fmt.Sprintf("status %d: Content-Type %q; body %.200s", rp.Status, ct, rp.Body)
	}
	var body struct {
		Schemas []string `json:"schemas"`
		Status  any      `json:"status"`
		Detail  string   `json:"detail"`
	}
	if err := json.Unmarshal(rp.Body, &body); err != nil {
		return fmt.Sprintf("status %d: body is not JSON: %.200s", rp.Status, rp.Body)
	}
	switch {
	case len(body.Schemas) != 1 || body.Schemas[0] != errorURN:
		return fmt.Sprintf("status %d: schemas %v", rp.Status, body.Schemas)
	case body.Status != strconv.Itoa(rp.Status):
		return fmt.Sprintf("status %d: status field %#v, want the string %q", rp.Status, body.Status, strconv.Itoa(rp.Status))
	case body.Detail == "":
		return fmt.Sprintf("status %d: no detail", rp.Status)
	}
	return ""
}
