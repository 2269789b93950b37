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
