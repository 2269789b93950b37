package genesys

import (
	"strings"
	"testing"
)

func TestHosts(t *testing.T) {
	tests := []struct {
		region, api, login string
	}{
		{"mypurecloud.com", "https://api.mypurecloud.com", "https://login.mypurecloud.com"},
		{"mypurecloud.ie", "https://api.mypurecloud.ie", "https://login.mypurecloud.ie"},
		{"mypurecloud.com.au", "https://api.mypurecloud.com.au", "https://login.mypurecloud.com.au"},
		{"mypurecloud.jp", "https://api.mypurecloud.jp", "https://login.mypurecloud.jp"},
		{"mypurecloud.de", "https://api.mypurecloud.de", "https://login.mypurecloud.de"},
		{"usw2.pure.cloud", "https://api.usw2.pure.cloud", "https://login.usw2.pure.cloud"},
		{"cac1.pure.cloud", "https://api.cac1.pure.cloud", "https://login.cac1.pure.cloud"},
		{"apne2.pure.cloud", "https://api.apne2.pure.cloud", "https://login.apne2.pure.cloud"},
		{"euw2.pure.cloud", "https://api.euw2.pure.cloud", "https://login.euw2.pure.cloud"},
		{"aps1.pure.cloud", "https://api.aps1.pure.cloud", "https://login.aps1.pure.cloud"},
		{"use2.us-gov-pure.cloud", "https://api.use2.us-gov-pure.cloud", "https://login.use2.us-gov-pure.cloud"},
		{"sae1.pure.cloud", "https://api.sae1.pure.cloud", "https://login.sae1.pure.cloud"},
		{"mec1.pure.cloud", "https://api.mec1.pure.cloud", "https://login.mec1.pure.cloud"},
		{"apne3.pure.cloud", "https://api.apne3.pure.cloud", "https://login.apne3.pure.cloud"},
		{"euc2.pure.cloud", "https://api.euc2.pure.cloud", "https://login.euc2.pure.cloud"},
		{"mxc1.pure.cloud", "https://api.mxc1.pure.cloud", "https://login.mxc1.pure.cloud"},
		{"apse1.pure.cloud", "https://api.apse1.pure.cloud", "https://login.apse1.pure.cloud"},
		{"edee1.eusc-pure.cloud", "https://api.edee1.eusc-pure.cloud", "https://login.edee1.eusc-pure.cloud"},
		{" MyPureCloud.com ", "https://api.mypurecloud.com", "https://login.mypurecloud.com"},
		{"us_west_2", "https://api.usw2.pure.cloud", "https://login.usw2.pure.cloud"},
	}
	if len(Regions) != 18 {
		t.Errorf("Regions has %d entries, want the 17 SDK regions and eusc_de_east_1", len(Regions))
	}
	for _, tt := range tests {
		api, login, err := Hosts(tt.region)
		if err != nil || api != tt.api || login != tt.login {
			t.Errorf("Hosts(%q) = %q, %q, %v; want %q, %q", tt.region, api, login, err, tt.api, tt.login)
		}
	}
}

func TestHostsUnknownListsKnown(t *testing.T) {
	for _, region := range []string{"", "mypurecloud.fr", "api.mypurecloud.com", "mygenesys.com"} {
		_, _, err := Hosts(region)
		if err == nil {
			t.Fatalf("Hosts(%q): want an error", region)
		}
		for _, known := range []string{"mypurecloud.com", "usw2.pure.cloud", "mypurecloud.de"} {
			if !strings.Contains(err.Error(), known) {
				t.Errorf("Hosts(%q) error %q does not list %q", region, err, known)
			}
		}
	}
}

func TestLoginURLFor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.mypurecloud.com", "https://login.mypurecloud.com"},
		{"https://api.usw2.pure.cloud/", "https://login.usw2.pure.cloud/"},
		{"https://API.mypurecloud.de", "https://login.mypurecloud.de"},
		{"http://api.localhost:8080", "http://login.localhost:8080"},
		{"http://127.0.0.1:9999", "http://127.0.0.1:9999"},
		{"https://proxy.example.com/genesys", "https://proxy.example.com/genesys"},
		{"https://myapi.example.com", "https://myapi.example.com"},
		{"https://example.com/api.x", "https://example.com/api.x"},
		{"::not a url", "::not a url"},
	}
	for _, tt := range tests {
		if got := LoginURLFor(tt.in); got != tt.want {
			t.Errorf("LoginURLFor(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
