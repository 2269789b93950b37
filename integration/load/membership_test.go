package load

import (
	"testing"
	"time"
)

// BenchmarkGroupMembership reports the upstream calls one member costs when
// a PATCH adds members to a group whose block gives one skill, one language
// and one queue, and when one removes them: from the PATCH until every
// member's routing is right (the reconciliation from the outbox included).
// The budget is 2.1 a member added and 3.1 a member removed, plus 5.
//
//	go test ./integration/load/ -run '^$' -bench GroupMembership -benchtime 3x
func BenchmarkGroupMembership(b *testing.B) {
	const members = 200
	var added, removed float64
	for b.Loop() {
		res := runMembership(b, membershipParams{Members: members, RateLimit: 600000, Converge: time.Minute})
		res.check(b, time.Minute)
		added += float64(res.Add.Calls) / members
		removed += float64(res.Remove.Calls) / members
	}
	b.ReportMetric(added/float64(b.N), "calls/member-added")
	b.ReportMetric(removed/float64(b.N), "calls/member-removed")
}
