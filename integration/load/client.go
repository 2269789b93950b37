package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds every response body the harness reads.
const maxBody = 4 << 20

// requestTimeout bounds one request of the load clients. It is longer than
// any wait the gateway may make for Genesys (pacing, Retry-After).
const requestTimeout = 2 * time.Minute

// newClient returns an HTTP client that keeps a connection per concurrent
// worker, so the measurement is not of TCP handshakes. It is deliberately
// lean (no JSON decoding of every answer) so it costs both paths the same.
func newClient(conns int) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     conns * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}
}

// reply is an answer: its status, headers and (bounded) body.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// send makes one request with a bearer token and reads the whole (bounded)
// answer so the connection is reused. body is a JSON string or empty.
func send(ctx context.Context, c *http.Client, method, url, token, body string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading the answer: %w", method, req.URL.Path, err)
	}
	if n > maxBody {
		return reply{}, fmt.Errorf("%s %s: answer larger than %d bytes", method, req.URL.Path, maxBody)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}, nil
}

// containsBytes reports whether b holds s.
func containsBytes(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
