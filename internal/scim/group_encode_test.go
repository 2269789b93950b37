package scim

import (
	"testing"
	"time"
)

func fullGroup() *Group {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &Group{ID: "g-1", ExternalID: "8aa1a0c0", DisplayName: "Sales",
		Members: []Member{{Value: "u-1", Display: "a@example.com"}, {Value: "u-2"}},
		Meta:    Meta{Created: created, LastModified: created.Add(time.Hour), Version: "4", Location: "https://elsewhere/g-1"}}
}

func TestEncodeGroup(t *testing.T) {
	tests := []struct {
		name  string
		group *Group
		base  string
		want  string
	}{
		{"every attribute, with a base URL", fullGroup(), testBase,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-1","externalId":"8aa1a0c0","displayName":"Sales",
			  "members":[{"value":"u-1","display":"a@example.com","$ref":"` + testBase + `/Users/u-1","type":"User"},
			    {"value":"u-2","$ref":"` + testBase + `/Users/u-2","type":"User"}],
			  "meta":{"resourceType":"Group","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T04:04:05Z",
			    "location":"` + testBase + `/Groups/g-1","version":"W/\"4\""}}`},
		{"without a base URL: no $ref, meta.location as given", fullGroup(), "",
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-1","externalId":"8aa1a0c0","displayName":"Sales",
			  "members":[{"value":"u-1","display":"a@example.com","type":"User"},{"value":"u-2","type":"User"}],
			  "meta":{"resourceType":"Group","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T04:04:05Z",
			    "location":"https://elsewhere/g-1","version":"W/\"4\""}}`},
		{"members not read: no members attribute", &Group{ID: "g-2", DisplayName: "Ops"}, testBase,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-2","displayName":"Ops",
			  "meta":{"resourceType":"Group","location":"` + testBase + `/Groups/g-2"}}`},
		{"no members: an empty list", &Group{ID: "g 3", DisplayName: "Empty", Members: []Member{}}, testBase,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g 3","displayName":"Empty","members":[],
			  "meta":{"resourceType":"Group","location":"` + testBase + `/Groups/g%203"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonEqual(t, EncodeGroup(tt.group, tt.base), tt.want)
		})
	}
}

func TestAppendGroupMatchesEncodeGroup(t *testing.T) {
	groups := []*Group{fullGroup(), {}, {ID: "g", Members: []Member{}}, {Members: []Member{{}}},
		{ID: "g", Meta: Meta{Created: time.Date(2026, 5, 6, 7, 8, 9, 123, time.FixedZone("x", 3600))}}}
	for i := range oddStrings {
		s := func(k int) string { return oddStrings[(i+k)%len(oddStrings)] }
		groups = append(groups, &Group{ID: "id " + s(0) + "/?#%", ExternalID: s(1), DisplayName: s(2),
			Members: []Member{{Value: s(3), Display: s(4)}, {Value: s(5) + "/?#"}},
			Meta:    Meta{Version: s(6), Location: s(0)}})
	}
	for _, g := range groups {
		for _, base := range []string{"", testBase, "https://gw.example.com/<&>/é"} {
			var w jsonWriter
			w.appendGroup(g, newRefPrefixes(base))
			checkSame(t, &w, EncodeGroup(g, base))
		}
	}
}

func FuzzAppendGroup(f *testing.F) {
	f.Add("g-1", "Sales", "u-1", "a@b.c", "\u2028<&>", "\xff")
	f.Fuzz(func(t *testing.T, id, name, member, display, s1, s2 string) {
		g := &Group{ID: id, ExternalID: s1, DisplayName: name,
			Members: []Member{{Value: member, Display: display}, {Value: s2}}, Meta: Meta{Version: s1, Location: s2}}
		for _, base := range []string{"", testBase + s2} {
			var w jsonWriter
			w.appendGroup(g, newRefPrefixes(base))
			checkSame(t, &w, EncodeGroup(g, base))
		}
	})
}
