package genesys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// maxBody bounds every response body read from the API.
const maxBody = 4 << 20

// errBodyTooLarge is returned when a response exceeds its bound.
var errBodyTooLarge = errors.New("genesys: response body too large")

// call is one logical API operation; do sends it, as many attempts as the
// rules allow.
type call struct {
	method   string
	endpoint string // templated, for errors and the Observer: "GET /api/v2/users/{id}"
	path     string // escaped path, e.g. /api/v2/users/abc
	query    url.Values
	body     any // JSON-encoded once when non-nil
	out      any // decoded from a 2xx body when non-nil

	// repeatable says the request may be sent again after an attempt that
	// may have reached Genesys (connection error, timeout, 502/503/504).
	// 401 and 429 answers are repeated regardless: Genesys did not act.
	repeatable bool
	// doneOnRepeat, if set, recognises an error answer to a repeat that
	// means an earlier attempt did the work (a conflict for an external id
	// that now exists, a 404 for a delete).
	doneOnRepeat func(*APIError) bool
	// retryOn, if set, recognises a 4xx answer that a later identical
	// attempt can overcome (a delete that clashed with a concurrent update:
	// see DeleteUser). It is repeated with backoff from the same MaxRetries
	// budget; when that runs out the caller gets the answer. Only for
	// repeatable calls.
	retryOn func(*APIError) bool
}

// do runs c through the token, the shared 429 gate, pacing and the
// concurrency limit, and applies the retry rules:
//   - 401: drop the token, refetch, repeat once; a second 401 is a
//     CredentialsError.
//   - 429: everyone waits Retry-After (shared gate); past MaxRetryWait or
//     MaxRetries the caller gets a RetryAfterError at once.
//   - 502/503/504 and connection errors: backoff and repeat, repeatable
//     calls only; others get an error wrapping ErrOutcomeUnknown, as they
//     do for a 408 (Genesys timed out on a request it may have applied).
//   - an answer r.retryOn recognises: backoff and repeat.
//
// One retry budget (MaxRetries) covers 429s, 5xx, connection errors and
// retryOn answers.
func (c *Client) do(ctx context.Context, r call) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("genesys: %s: encoding request: %w", r.endpoint, err)
		}
	}
	var (
		attempts  int  // attempts sent, for CallInfo.Retry
		retries   int  // repeats spent from MaxRetries
		reauthed  bool // the one 401 refetch is used
		ambiguous bool // an earlier attempt may have reached Genesys
	)
	// The loop is bounded: each pass either returns or spends retries
	// (<= MaxRetries) or reauthed (once).
	for {
		if err := c.waitGate(ctx, r.endpoint); err != nil {
			return err
		}
		token, err := c.accessToken(ctx)
		if err != nil {
			var unavailable *UnavailableError
			if ctx.Err() != nil || !errors.As(err, &unavailable) || retries >= *c.cfg.MaxRetries {
				return err
			}
			// Nothing was sent to the API: safe to repeat for any call.
			retries++
			if err := c.clock.Sleep(ctx, backoff(retries)); err != nil {
				return err
			}
			continue
		}
		if err := c.pace(ctx); err != nil {
			return err
		}
		release, err := c.acquire(ctx)
		if err != nil {
			return err
		}
		res := c.attempt(ctx, r, body, token, attempts > 0)
		release()
		attempts++

		switch {
		case res.err != nil: // transport error, timeout, unreadable body
			if !r.repeatable {
				return outcomeUnknown(r.endpoint, res.err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ambiguous = true
			if retries >= *c.cfg.MaxRetries {
				return &UnavailableError{Endpoint: r.endpoint, Err: res.err}
			}
			retries++
			if err := c.clock.Sleep(ctx, backoff(retries)); err != nil {
				return err
			}

		case res.status == http.StatusUnauthorized:
			c.dropToken(token)
			if reauthed {
				return &CredentialsError{Status: res.status, Reason: "a fresh token was refused"}
			}
			reauthed = true

		case res.status == http.StatusTooManyRequests:
			wait := retryAfter(res.header, c.clock.Now())
			if wait <= 0 {
				wait = backoff(retries + 1)
			}
			c.gate.extend(c.clock.Now().Add(wait))
			c.observer.ObserveRateLimited(ctx, wait)
			if wait > c.cfg.MaxRetryWait || retries >= *c.cfg.MaxRetries {
				return &RetryAfterError{Wait: wait, Endpoint: r.endpoint}
			}
			retries++ // the gate makes this call (and all others) wait

		case res.status >= 500:
			if !r.repeatable {
				return outcomeUnknown(r.endpoint, res.apiErr)
			}
			if !retryableStatus(res.status) {
				return res.apiErr
			}
			ambiguous = true
			if retries >= *c.cfg.MaxRetries {
				return &UnavailableError{Endpoint: r.endpoint, Err: res.apiErr}
			}
			retries++
			if err := c.clock.Sleep(ctx, backoff(retries)); err != nil {
				return err
			}

		case res.status >= 300:
			if ambiguous && r.doneOnRepeat != nil && r.doneOnRepeat(res.apiErr) {
				return nil
			}
			if !r.repeatable && res.status == http.StatusRequestTimeout {
				return outcomeUnknown(r.endpoint, res.apiErr)
			}
			if !r.repeatable || r.retryOn == nil || !r.retryOn(res.apiErr) || retries >= *c.cfg.MaxRetries {
				return res.apiErr
			}
			// A 408 may have been applied; a version clash was not.
			ambiguous = ambiguous || res.status == http.StatusRequestTimeout
			retries++
			if err := c.clock.Sleep(ctx, backoff(retries)); err != nil {
				return err
			}

		default:
			if r.out == nil || len(strings.TrimSpace(res.body)) == 0 {
				return nil
			}
			if err := decodeInto(res.body, r.out); err != nil {
				err = fmt.Errorf("genesys: %s: decoding response: %w", r.endpoint, err)
				if !r.repeatable {
					return outcomeUnknown(r.endpoint, err)
				}
				return err
			}
			return nil
		}
	}
}

// decodeInto decodes a 2xx body into out: by out's own decoder when it has
// one (the user responses, which lists make large), else by encoding/json.
func decodeInto(body string, out any) error {
	if d, ok := out.(bodyDecoder); ok {
		return d.decodeBody(body)
	}
	return json.Unmarshal([]byte(body), out)
}

// retryableStatus is the set of 5xx answers that mean "try again later".
func retryableStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// outcomeUnknown marks the failure of a request that may have been applied.
// errors.Is finds both ErrOutcomeUnknown and the cause.
func outcomeUnknown(endpoint string, cause error) error {
	return fmt.Errorf("%w: %s: %w", ErrOutcomeUnknown, endpoint, cause)
}

// result is what one attempt produced.
type result struct {
	status int
	header http.Header
	body   string
	apiErr *APIError // for a non-2xx status
	err    error     // transport error; status is then 0
}

// attempt sends one HTTP request with the per-attempt timeout, reads the
// bounded body and reports to the Observer. The caller holds a concurrency
// slot.
func (c *Client) attempt(ctx context.Context, r call, body []byte, token string, retry bool) (res result) {
	start := c.clock.Now()
	defer func() {
		info := CallInfo{Endpoint: r.endpoint, Status: res.status, Duration: c.clock.Now().Sub(start), Retry: retry, Err: res.err}
		if res.apiErr != nil {
			info.Err = res.apiErr
		}
		c.observer.ObserveCall(ctx, info)
	}()

	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := c.cfg.APIURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, rd)
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return result{err: scrubURL(err)}
	}
	b, err := readBoundedString(resp, maxBody)
	if err != nil {
		return result{err: scrubURL(err)}
	}
	res = result{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.apiErr = decodeAPIError(r.endpoint, resp.StatusCode, b)
	}
	return res
}

// readBounded reads at most limit bytes of the body and closes it; a longer
// body is errBodyTooLarge.
func readBounded(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// readBuffers hold response bodies while they are read: a 100-user page is
// about 100 KiB, and io.ReadAll's growth would allocate it twice over on
// every list. Buffers that grew past maxPooledRead are left to the GC.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledRead = 1 << 20

// readBoundedString is readBounded into a pooled buffer, returning the body
// as a string: the one copy the caller keeps, which decoded values may point
// into.
func readBoundedString(resp *http.Response, limit int64) (string, error) {
	defer resp.Body.Close()
	buf := readBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRead {
			buf.Reset()
			readBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if resp.ContentLength > 0 && resp.ContentLength <= limit {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return "", err
	}
	if int64(buf.Len()) > limit {
		return "", errBodyTooLarge
	}
	return buf.String(), nil
}

// scrubURL drops the URL from a *url.Error: the endpoint template already
// says what failed, and the full URL names the host (and, for external id
// calls, keys) that errors should not carry.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decodeAPIError reads a Genesys ErrorBody. A body that is not one (a proxy's
// HTML page) still gives an APIError with the HTTP status, so callers always
// get the same type. The HTTP status wins over the body's.
func decodeAPIError(endpoint string, status int, body string) *APIError {
	// A type mismatch in one field (say a non-string messageParams value)
	// still fills the others, and a syntax error fills none: either way the
	// error itself adds nothing.
	e := &APIError{}
	_ = json.Unmarshal([]byte(body), e)
	e.Status = status
	e.Endpoint = endpoint
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}
