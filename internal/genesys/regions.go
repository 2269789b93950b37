package genesys

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Region is one Genesys Cloud region: the SDK's key and the domain under
// which the API (api.<Domain>) and the token endpoint (login.<Domain>) live.
type Region struct {
	Key    string // the SDKs' name, e.g. us_east_1
	Domain string // e.g. mypurecloud.com
}

// Regions lists the regions of the Genesys SDKs' PureCloudRegionHosts
// tables (platform-client-sdk-python:
// build/PureCloudPlatformClientV2/purecloud_region_hosts.py, whose 17
// entries are the first 17 here) and eusc_de_east_1, the EU Sovereign Cloud
// (api.edee1.eusc-pure.cloud), which that table does not list yet.
var Regions = []Region{
	{"us_east_1", "mypurecloud.com"},
	{"eu_west_1", "mypurecloud.ie"},
	{"ap_southeast_2", "mypurecloud.com.au"},
	{"ap_northeast_1", "mypurecloud.jp"},
	{"eu_central_1", "mypurecloud.de"},
	{"us_west_2", "usw2.pure.cloud"},
	{"ca_central_1", "cac1.pure.cloud"},
	{"ap_northeast_2", "apne2.pure.cloud"},
	{"eu_west_2", "euw2.pure.cloud"},
	{"ap_south_1", "aps1.pure.cloud"},
	{"us_east_2", "use2.us-gov-pure.cloud"},
	{"sa_east_1", "sae1.pure.cloud"},
	{"me_central_1", "mec1.pure.cloud"},
	{"ap_northeast_3", "apne3.pure.cloud"},
	{"eu_central_2", "euc2.pure.cloud"},
	{"mx_central_1", "mxc1.pure.cloud"},
	{"ap_southeast_1", "apse1.pure.cloud"},
	{"eusc_de_east_1", "edee1.eusc-pure.cloud"},
}

// Hosts returns the API base and the login (token) base of a region given in
// the Caddyfile's domain form ("mypurecloud.com", "usw2.pure.cloud"); the SDK
// key ("us_west_2") is accepted too. Matching ignores case and surrounding
// space. An unknown region is an error that lists the known domains, so a
// typo in the Caddyfile is fixed from the message alone.
func Hosts(region string) (apiURL, loginURL string, err error) {
	r := strings.ToLower(strings.TrimSpace(region))
	for _, known := range Regions {
		if r == known.Domain || r == known.Key {
			return "https://api." + known.Domain, "https://login." + known.Domain, nil
		}
	}
	domains := make([]string, len(Regions))
	for i, known := range Regions {
		domains[i] = known.Domain
	}
	sort.Strings(domains)
	return "", "", fmt.Errorf("genesys: unknown region %q; known regions: %s", region, strings.Join(domains, ", "))
}

// LoginURLFor derives the token host from an API base the way the Genesys
// SDKs do: a leading "api." host label becomes "login."; any other URL (an
// emulator on 127.0.0.1, a proxy) is its own login URL.
func LoginURLFor(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" || !strings.HasPrefix(strings.ToLower(u.Host), "api.") {
		return apiURL
	}
	u.Host = "login." + u.Host[len("api."):]
	return u.String()
}
