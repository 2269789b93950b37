package genesys

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

const (
	tokenKey      = "access_token"
	tokenEndpoint = "POST /oauth/token"
	// tokenMargin is how long before expires_in the token is replaced, so a
	// call never leaves with a token that expires on the way.
	tokenMargin = 30 * time.Second
	// tokenDefaultLife is assumed when the token response has no usable
	// expires_in.
	tokenDefaultLife = 5 * time.Minute
	// maxTokenBody bounds the token response.
	maxTokenBody = 64 << 10
)

// cachedToken is what the go-cache holds. refreshAt is checked on the
// client's clock as well as being the cache expiry, so expiry is testable
// without real sleeps.
type cachedToken struct {
	value     string
	refreshAt time.Time
}

// accessToken returns a token that is good for at least tokenMargin. Many
// concurrent callers share one token request (singleflight); a caller whose
// context ends stops waiting without cancelling the shared request.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	if t, ok := c.cachedToken(); ok {
		return t, nil
	}
	ch := c.refresh.DoChan(tokenKey, func() (any, error) {
		// Another flight may have filled the cache just before this one
		// started.
		if t, ok := c.cachedToken(); ok {
			return t, nil
		}
		t, err := c.fetchToken(ctx)
		c.observer.ObserveTokenRefresh(ctx, err)
		return t, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *Client) cachedToken() (string, bool) {
	v, ok := c.tokens.Get(tokenKey)
	if !ok {
		return "", false
	}
	t := v.(cachedToken)
	if !c.clock.Now().Before(t.refreshAt) {
		return "", false
	}
	return t.value, true
}

// dropToken forgets token after Genesys answered 401 to it. A token another
// caller has already replaced is left alone, so a burst of 401s on the old
// token causes one refetch, not one each.
func (c *Client) dropToken(token string) {
	if v, ok := c.tokens.Get(tokenKey); ok && v.(cachedToken).value == token {
		c.tokens.Delete(tokenKey)
	}
}

// tokenResponse is the Genesys AuthResponse, and its AuthErrorResponse
// fields.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Error       string `json:"error"`
}

// fetchToken makes the client credentials request itself rather than through
// golang.org/x/oauth2/clientcredentials, because x/oauth2 URL-encodes the id
// and secret inside the Basic header while Genesys (like its SDKs) expects
// base64 of the raw "id:secret", so a secret containing + / = would be
// refused. The request runs detached from the first caller's cancellation
// (other callers share it) but bounded by Timeout.
func (c *Client) fetchToken(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.LoginURL+"/oauth/token",
		strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", &UnavailableError{Endpoint: tokenEndpoint, Err: err}
	}
	basic := base64.StdEncoding.EncodeToString([]byte(c.cfg.ClientID + ":" + c.cfg.ClientSecret))
	req.Header.Set("Authorization", "Basic "+basic)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		return "", &UnavailableError{Endpoint: tokenEndpoint, Err: err}
	}
	body, err := readBounded(resp, maxTokenBody)
	if err != nil {
		return "", &UnavailableError{Endpoint: tokenEndpoint, Err: err}
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(body, &tr)
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		return "", &CredentialsError{Status: resp.StatusCode, Reason: safeReason(tr.Error)}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return "", &UnavailableError{Endpoint: tokenEndpoint, Err: fmt.Errorf("token endpoint answered %d", resp.StatusCode)}
	case jsonErr != nil || tr.AccessToken == "":
		return "", &UnavailableError{Endpoint: tokenEndpoint, Err: fmt.Errorf("token response without an access_token")}
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = tokenDefaultLife
	}
	// A short-lived token is kept for half its life rather than not at all.
	keep := life - tokenMargin
	if keep <= 0 {
		keep = life / 2
	}
	c.tokens.Set(tokenKey, cachedToken{value: tr.AccessToken, refreshAt: c.clock.Now().Add(keep)}, keep)
	return tr.AccessToken, nil
}

// safeReason keeps an OAuth error code fit for logs: short and printable.
// The code comes from Genesys, never from our credentials.
func safeReason(s string) string {
	s = strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		return "refused"
	}
	return s
}
