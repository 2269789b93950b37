package caddyscim

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddytest"
)

// TestCaddyfileAdapt runs the golden files: Caddyfile in, JSON out.
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob("testdata/caddyfile_adapt/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	sep := regexp.MustCompile(`(?m)^-{10,}\s*$`)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parts := sep.Split(string(data), 2)
			if len(parts) != 2 {
				t.Fatalf("%s: want Caddyfile, a ---------- line, then JSON", f)
			}
			if !caddytest.CompareAdapt(t, f, parts[0], "caddyfile", strings.TrimSpace(parts[1])) {
				t.Fail()
			}
		})
	}
}

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"unknown option", "scim_genesys {\ncolour blue\n}", "'colour'"},
		{"argument on directive", "scim_genesys extra {\n}", "'extra'"},
		{"duplicate option", "scim_genesys {\n region mypurecloud.com\n region mypurecloud.ie\n}", "duplicate option 'region'"},
		{"missing value", "scim_genesys {\nclient_id\n}", "wrong argument count"},
		{"too many values", "scim_genesys {\nclient_id a b\n}", "'b'"},
		{"bad duration", "scim_genesys {\ntimeout soon\n}", "'soon'"},
		{"negative duration", "scim_genesys {\nmax_retry_wait -5s\n}", "'-5s'"},
		{"zero timeout", "scim_genesys {\ntimeout 0s\n}", "'0s'"},
		{"bad clock skew", "scim_genesys {\nclock_skew 3\n}", "'3'"},
		{"zero request timeout", "scim_genesys {\nrequest_timeout 0s\n}", "'0s'"},
		{"bad request timeout", "scim_genesys {\nrequest_timeout forever\n}", "'forever'"},
		{"bad retries", "scim_genesys {\nmax_retries many\n}", "'many'"},
		{"negative retries", "scim_genesys {\nmax_retries -1\n}", "'-1'"},
		{"bad max_results", "scim_genesys {\nmax_results 0\n}", "'0'"},
		{"bad concurrency", "scim_genesys {\nmax_concurrency x\n}", "'x'"},
		{"bad on_duplicate", "scim_genesys {\non_duplicate merge\n}", "'merge'"},
		{"root base_path", "scim_genesys {\n base_path /\n}", "'/'"},
		{"bad base_path", "scim_genesys {\nbase_path scim\n}", "'scim'"},
		{"rate one arg", "scim_genesys {\nrate_limit 300\n}", "wrong argument count"},
		{"bad rate", "scim_genesys {\nrate_limit lots 1m\n}", "'lots'"},
		{"zero rate", "scim_genesys {\nrate_limit 0 1m\n}", "'0'"},
		{"bad rate window", "scim_genesys {\nrate_limit 300 fortnight\n}", "'fortnight'"},
		{"bad algorithm", "scim_genesys {\nalgorithms RS256 HS256\n}", "'HS256'"},
		{"alg none", "scim_genesys {\nalgorithms none\n}", "'none'"},
		{"empty audience", "scim_genesys {\naudience\n}", "'audience'"},
		{"bad proficiency", "scim_genesys {\ngroup g {\nskills \"Billing:9\"\n}\n}", "'Billing:9'"},
		{"word proficiency", "scim_genesys {\ngroup g {\nskills \"Billing:high\"\n}\n}", "'Billing:high'"},
		{"empty skill name", "scim_genesys {\ngroup g {\nskills \":3\"\n}\n}", "':3'"},
		{"unknown group option", "scim_genesys {\ngroup g {\nroles admin\n}\n}", "'roles'"},
		{"duplicate group", "scim_genesys {\n group Sales {\n queues q\n }\n group sales {\n queues r\n }\n}", "duplicate group 'sales'"},
		{"duplicate group option", "scim_genesys {\n group g {\n queues a\n queues b\n }\n}", "duplicate option 'queues'"},
		{"empty group", "scim_genesys {\ngroup g {\n}\n}", "'g': assigns nothing"},
		{"group without name", "scim_genesys {\ngroup {\nqueues q\n}\n}", "wrong argument count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if err == nil {
				t.Fatalf("want an error containing %q, got none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestParseProficiency(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string
		p    float64
		err  bool
	}{
		{"Billing", "Billing", 3, false},
		{"Billing:0", "Billing", 0, false},
		{"Billing:5", "Billing", 5, false},
		{"Billing:2.5", "Billing", 2.5, false},
		{"Tier:1:4", "Tier:1", 4, false},
		{" Spanish :1", "Spanish", 1, false},
		{"Billing:", "", 0, true},
		{"Billing:6", "", 0, true},
		{"Billing:-1", "", 0, true},
		{":2", "", 0, true},
	} {
		p, err := parseProficiency(tc.in)
		if (err != nil) != tc.err {
			t.Fatalf("%q: err %v, want error %v", tc.in, err, tc.err)
		}
		if err == nil && (p.Name != tc.name || p.Proficiency != tc.p) {
			t.Fatalf("%q: got %+v, want %s:%v", tc.in, p, tc.name, tc.p)
		}
	}
}

func TestUnderBase(t *testing.T) {
	for _, tc := range []struct {
		path, rel string
		ok        bool
	}{
		{"/scim/v2", "", true},
		{"/scim/v2/", "/", true},
		{"/scim/v2/Users", "/Users", true},
		{"/scim/v2Users", "", false},
		{"/scim/v20/Users", "", false},
		{"/scim", "", false},
		{"/other", "", false},
	} {
		rel, ok := underBase(tc.path, "/scim/v2")
		if ok != tc.ok || rel != tc.rel {
			t.Errorf("underBase(%q) = %q, %v; want %q, %v", tc.path, rel, ok, tc.rel, tc.ok)
		}
	}
}

// TestCaddyfileExampleIsFormatted: the example is what users copy; it must
// be as `caddy fmt` writes it (the adapter otherwise warns on every load,
// the demo's included).
func TestCaddyfileExampleIsFormatted(t *testing.T) {
	in, err := os.ReadFile("Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	if out := caddyfile.Format(in); !bytes.Equal(in, out) {
		t.Fatal("Caddyfile.example is not formatted: run `go run ./caddyscim fmt --overwrite Caddyfile.example`")
	}
}
