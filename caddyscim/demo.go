package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile" // the caddyfile adapter
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/idptest"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "demo",
		Usage: "[--listen <host:port>] [--config <Caddyfile>] [--exit]",
		Short: "Runs scim_genesys locally against a Genesys Cloud emulator, with no credentials",
		Long: `
Starts a Genesys Cloud emulator (seeded with the skills, languages and queues
that Caddyfile.example maps), a local token issuer with its JWKS, and Caddy
with Caddyfile.example pointed at both. Prints a bearer token and curl
commands, shows a create and a list round trip, then serves until interrupted
(or exits at once with --exit).`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.Flags().String("listen", "localhost:8080", "address the SCIM site listens on (plain HTTP)")
			cmd.Flags().String("config", "Caddyfile.example", "the Caddyfile to run")
			cmd.Flags().Bool("exit", false, "stop after the round trip instead of serving")
			cmd.RunE = caddycmd.WrapCommandFuncForCobra(runDemo)
		},
	})
}

// demoSeeds are the names Caddyfile.example's group blocks map.
var demoSeeds = genesystest.Config{
	ClientID:     "demo-client",
	ClientSecret: "demo-secret+/=",
	Skills:       []string{"Billing", "Payments", "Support", "Escalations"},
	Languages:    []string{"English", "Spanish"},
	Queues:       []string{"Billing", "Spanish Support", "General Support", "Escalations"},
}

const demoAudience = "api://scim-genesys"

func runDemo(fl caddycmd.Flags) (int, error) {
	cfgPath, err := findUp(fl.String("config"))
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	emu := genesystest.New(demoSeeds)
	apiURL, err := emu.Start()
	if err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("starting the Genesys Cloud emulator: %v", err)
	}
	defer emu.Close()
	issuer, err := idptest.New()
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	jwksURL, err := issuer.Start()
	if err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("starting the token issuer: %v", err)
	}
	defer issuer.Close()

	dir, err := os.MkdirTemp("", "caddyscim-demo-")
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	defer os.RemoveAll(dir)
	site := "http://" + fl.String("listen")
	for k, v := range map[string]string{
		"SCIM_SITE": site, "SCIM_API_URL": apiURL, "SCIM_JWKS_URL": jwksURL,
		"SCIM_ISSUER": issuer.Issuer(), "SCIM_AUDIENCE": demoAudience,
		"SCIM_AUDIT_LOG":        filepath.Join(dir, "scim-audit.log"),
		"GENESYS_CLIENT_ID":     demoSeeds.ClientID,
		"GENESYS_CLIENT_SECRET": demoSeeds.ClientSecret,
	} {
		os.Setenv(k, v)
	}
	caddyfile, err := os.ReadFile(cfgPath)
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	cfgJSON, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(caddyfile, map[string]any{"filename": cfgPath})
	if err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("adapting %s: %v", cfgPath, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "warning: %s:%d: %s\n", w.File, w.Line, w.Message)
	}
	if err := caddy.Load(cfgJSON, true); err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("starting Caddy: %v", err)
	}
	defer caddy.Stop() //nolint:errcheck

	token := issuer.Mint(idptest.Claims{Subject: "demo-provisioner", Audience: []string{demoAudience},
		Roles: []string{"scim_provisioner"}, ExpiresAt: time.Now().Add(8 * time.Hour)})
	base := site + "/scim/v2"
	printIntro(base, token, apiURL, os.Getenv("SCIM_AUDIT_LOG"))
	if err := roundTrip(base, token); err != nil {
		return caddy.ExitCodeFailedStartup, fmt.Errorf("round trip: %v", err)
	}
	if fl.Bool("exit") {
		return caddy.ExitCodeSuccess, nil
	}
	fmt.Println("\nServing until interrupted (Ctrl-C).")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return caddy.ExitCodeSuccess, nil
}

func printIntro(base, token, apiURL, auditLog string) {
	fmt.Printf(`
caddyscim demo
  SCIM endpoint:           %[1]s
  Genesys Cloud emulator:  %[3]s
  Audit log:               %[4]s

Bearer token (role scim_provisioner, valid 8h):
%[2]s

Try:
  export TOKEN='%[2]s'
  curl -s -H "Authorization: Bearer $TOKEN" '%[1]s/Users?count=10'
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/scim+json' \
    -d '{"userName":"ana.lopez@example.com","name":{"givenName":"Ana","familyName":"Lopez"},"groups":[{"display":"CC Spanish Support"}]}' \
    '%[1]s/Users'
  curl -s -G -H "Authorization: Bearer $TOKEN" --data-urlencode 'filter=userName eq "ana.lopez@example.com"' '%[1]s/Users'
  curl -s -H "Authorization: Bearer $TOKEN" '%[1]s/ServiceProviderConfig'
`, base, token, apiURL, auditLog)
}

// roundTrip shows a create, a filtered list and a plain list working.
func roundTrip(base, token string) error {
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
	  "userName":"  Jane.Doe@Example.COM ","name":{"givenName":"Jane","familyName":"Doe"},
	  "active":"True","externalId":"hr-1001","title":"Agent",
	  "groups":[{"display":"CC Billing"}]}`
	fmt.Println("\n== POST /Users (note the untidy userName and the string \"True\") ==")
	status, out, err := call(http.MethodPost, base+"/Users", token, body)
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	if status != http.StatusCreated && status != http.StatusOK {
		return fmt.Errorf("create answered %d", status)
	}
	fmt.Println("\n== GET /Users?filter=userName eq \"JANE.DOE@example.com\" ==")
	q := url.Values{"filter": {`userName eq "JANE.DOE@example.com"`}}
	status, out, err = call(http.MethodGet, base+"/Users?"+q.Encode(), token, "")
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	if status != http.StatusOK || !strings.Contains(out, `"totalResults":1`) {
		return fmt.Errorf("filtered list answered %d without exactly one result", status)
	}
	fmt.Println("\n== GET /Users?startIndex=1&count=5 ==")
	status, out, err = call(http.MethodGet, base+"/Users?startIndex=1&count=5", token, "")
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	if status != http.StatusOK {
		return fmt.Errorf("list answered %d", status)
	}
	return groupRoundTrip(base, token)
}

// groupRoundTrip shows /Groups as Entra ID uses it: a lookup by
// displayName without members, a create, and a membership PATCH whose
// routing then follows in the background.
func groupRoundTrip(base, token string) error {
	q := url.Values{"filter": {`displayName eq "cc spanish support"`}, "excludedAttributes": {"members"}}
	fmt.Println("\n== GET /Groups?filter=displayName eq \"cc spanish support\"&excludedAttributes=members ==")
	status, out, err := call(http.MethodGet, base+"/Groups?"+q.Encode(), token, "")
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	if status != http.StatusOK {
		return fmt.Errorf("group lookup answered %d", status)
	}
	fmt.Println("\n== POST /Groups (a group block's name: membership drives routing) ==")
	status, out, err = call(http.MethodPost, base+"/Groups", token, `{"displayName":"CC Spanish Support","externalId":"entra-obj-42"}`)
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	var g struct {
		ID string `json:"id"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(out), &g) != nil {
		return fmt.Errorf("group create answered %d", status)
	}
	status, out, err = call(http.MethodGet, base+"/Users?"+url.Values{"filter": {`userName eq "jane.doe@example.com"`}}.Encode(), token, "")
	if err != nil {
		return err
	}
	var list struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"Resources"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(out), &list) != nil || len(list.Resources) != 1 {
		return fmt.Errorf("user lookup answered %d", status)
	}
	fmt.Println("\n== PATCH /Groups/{id}: add Jane (Entra's form) ==")
	status, out, err = call(http.MethodPatch, base+"/Groups/"+g.ID, token,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"`+list.Resources[0].ID+`"}]}]}`)
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	if status != http.StatusNoContent {
		return fmt.Errorf("membership PATCH answered %d", status)
	}
	fmt.Println("\n== GET /Users/{id}: Jane's groups ==")
	status, out, err = call(http.MethodGet, base+"/Users/"+list.Resources[0].ID+"?attributes=userName,groups", token, "")
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, out)
	if status != http.StatusOK {
		return fmt.Errorf("user read answered %d", status)
	}
	return nil
}

func call(method, u, token, body string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", err
	}
	var pretty bytes.Buffer
	if json.Compact(&pretty, raw) == nil {
		raw = pretty.Bytes()
	}
	return resp.StatusCode, string(raw), nil
}

// findUp looks for name in the working directory and its parents, so the
// demo works from anywhere inside the repository.
func findUp(name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New(name + " not found here or in a parent directory (run the demo from the repository)")
		}
		dir = parent
	}
}
