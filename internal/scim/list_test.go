package scim

import (
	"net/http"
	"net/url"
	"testing"
)

func TestParseListQuery(t *testing.T) {
	tests := []struct {
		query        string
		start, count int
		filter       string // show() of the filter, "" for none
		errType      string
	}{
		{"", 1, 100, "", ""},
		{"startIndex=1&count=100", 1, 100, "", ""},
		{"startIndex=0&count=5", 1, 5, "", ""},
		{"startIndex=-7", 1, 100, "", ""},
		{"startIndex=11&count=5", 11, 5, "", ""},
		{"count=-1", 1, 0, "", ""},
		{"count=0", 1, 0, "", ""},
		{"count=1000", 1, 100, "", ""},
		{"count=99999999999999999999999", 1, 100, "", ""},
		{"startindex=3&COUNT=2", 3, 2, "", ""},
		{"sortBy=userName&sortOrder=descending&bogus=1", 1, 100, "", ""},
		{"filter=" + url.QueryEscape(`userName eq "test.user@okta.local"`) + "&startIndex=1&count=100",
			1, 100, `userName eq "test.user@okta.local"`, ""},
		{"Filter=" + url.QueryEscape(`emails[type eq "work"].value eq "a"`), 1, 100, `emails[type eq "work"].value eq "a"`, ""},
		{"count=abc", 0, 0, "", InvalidValue},
		{"startIndex=1.5", 0, 0, "", InvalidValue},
		{"filter=" + url.QueryEscape(`nickName eq "x"`), 0, 0, "", InvalidFilter},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			lq, err := ParseListQuery(q, 100)
			if tt.errType != "" {
				wantErr(t, err, http.StatusBadRequest, tt.errType)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if lq.StartIndex != tt.start || lq.Count != tt.count {
				t.Fatalf("start, count = %d, %d; want %d, %d", lq.StartIndex, lq.Count, tt.start, tt.count)
			}
			got := ""
			if lq.Filter != nil {
				got = show(lq.Filter)
			}
			if got != tt.filter {
				t.Fatalf("filter = %s, want %s", got, tt.filter)
			}
		})
	}
}

// A user list renders groups only when attributes asks for them, and looks
// up externalIds unless the response leaves them out.
func TestParseListQueryProjection(t *testing.T) {
	tests := []struct {
		query       string
		groups, ext bool
	}{
		{"", false, true},
		{"excludedAttributes=emails", false, true},
		{"attributes=userName", false, false},
		{"attributes=userName,groups", true, false},
		{"ATTRIBUTES=Groups.Display", true, false},
		{"attributes=" + url.QueryEscape("urn:ietf:params:scim:schemas:core:2.0:User:groups"), true, false},
		{"attributes=groups&excludedAttributes=groups", false, false},
		{"attributes=groups&excludedAttributes=groups.display", true, false},
		{"attributes=groupsX", false, false},
		{"excludedAttributes=externalId", false, false},
		{"EXCLUDEDATTRIBUTES=EXTERNALID", false, false},
		{"attributes=userName,externalId", false, true},
		{"attributes=" + url.QueryEscape("urn:ietf:params:scim:schemas:core:2.0:User:externalId"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			lq, err := ParseListQuery(q, 100)
			if err != nil || lq.Groups != tt.groups || lq.ExternalID != tt.ext {
				t.Fatalf("Groups, ExternalID = %v, %v (%v); want %v, %v", lq.Groups, lq.ExternalID, err, tt.groups, tt.ext)
			}
		})
	}
}

func TestParseGroupListQuery(t *testing.T) {
	tests := []struct {
		query        string
		start, count int
		filter       string
		members      bool
		errType      string
	}{
		{"", 1, 100, "", true, ""},
		{"startIndex=0&count=1000", 1, 100, "", true, ""},
		{"startindex=3&COUNT=2", 3, 2, "", true, ""},
		{"count=-4", 1, 0, "", true, ""},
		// Entra's lookups.
		{"excludedAttributes=members&filter=" + url.QueryEscape(`displayName eq "Group1"`), 1, 100, `displayName eq "Group1"`, false, ""},
		{"excludedAttributes=members&filter=" + url.QueryEscape(`id eq "g-1" and members eq "u-1"`), 1, 100,
			`and(id eq "g-1", members.value eq "u-1")`, false, ""},
		// Okta's.
		{"filter=" + url.QueryEscape(`displayName eq "Sales"`) + "&startIndex=1&count=100", 1, 100, `displayName eq "Sales"`, true, ""},
		{"attributes=displayName", 1, 100, "", false, ""},
		{"attributes=displayName,members.value", 1, 100, "", true, ""},
		{"attributes=" + url.QueryEscape("urn:ietf:params:scim:schemas:core:2.0:Group:members"), 1, 100, "", true, ""},
		{"excludedAttributes=" + url.QueryEscape("urn:ietf:params:scim:schemas:core:2.0:Group:members"), 1, 100, "", false, ""},
		{"excludedAttributes=members.display", 1, 100, "", true, ""},
		{"excludedAttributes=MEMBERS", 1, 100, "", false, ""},
		{"count=x", 0, 0, "", false, InvalidValue},
		{"filter=" + url.QueryEscape(`displayName co "x"`), 0, 0, "", false, InvalidFilter},
		{"filter=" + url.QueryEscape(`userName eq "x"`), 0, 0, "", false, InvalidFilter},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			gq, err := ParseGroupListQuery(q, 100)
			if tt.errType != "" {
				wantErr(t, err, http.StatusBadRequest, tt.errType)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if gq.Filter != nil {
				got = show(gq.Filter)
			}
			if gq.StartIndex != tt.start || gq.Count != tt.count || got != tt.filter || gq.Members != tt.members {
				t.Fatalf("got %d, %d, %s, members %v; want %d, %d, %s, %v",
					gq.StartIndex, gq.Count, got, gq.Members, tt.start, tt.count, tt.filter, tt.members)
			}
		})
	}
}
