package load

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// entraClient provisions users the way Entra ID's provisioning service
// does under errors: on 429 it waits the Retry-After, on 5xx or a dropped
// connection it backs off exponentially with jitter; after any error it
// does not re-POST blindly but first looks the user up by a userName
// filter; after maxAttempts it gives up on the user and moves on (the next
// cycle tries again). It records every answer it saw.
type entraClient struct {
	c           *http.Client
	base, token string
	maxAttempts int
	minBackoff  time.Duration
	maxBackoff  time.Duration
	maxWait     time.Duration // longest Retry-After honoured

	mu    sync.Mutex
	stats entraStats
}

// entraStats is what the client saw.
type entraStats struct {
	Statuses  map[int]int // every answer, by status
	Transport int         // requests that got no answer
	Posts     int
	Lookups   int
	BadErrors []string // error answers that were not SCIM error bodies (first 20)
	BadCount  int
	GaveUp    int      // users abandoned after maxAttempts (retried in the next cycle)
	Refused   []string // 4xx answers other than 409 and 429, which end a user's attempts
}

// provision makes sure p exists and reports whether it does; id is the
// SCIM id when known.
func (e *entraClient) provision(ctx context.Context, p person) (id string, ok bool) {
	lookupFirst := false
	for attempt := range e.maxAttempts {
		if lookupFirst {
			rp, err := e.call(ctx, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "`+p.UserName+`"`), "")
			if err == nil && rp.Status == http.StatusOK {
				if id, found := firstID(rp.Body); found {
					return id, true
				}
			} else {
				e.pause(ctx, rp, err, attempt)
				continue
			}
		}
		rp, err := e.call(ctx, http.MethodPost, "/Users", p.createBody())
		switch {
		case err == nil && (rp.Status == http.StatusCreated || rp.Status == http.StatusOK):
			var u struct{ ID string }
			_ = json.Unmarshal(rp.Body, &u)
			return u.ID, true
		case err == nil && rp.Status == http.StatusConflict:
			lookupFirst = true // it exists: the lookup finds it
			continue
		case err == nil && rp.Status < 500 && rp.Status != http.StatusTooManyRequests:
			e.mu.Lock()
			if len(e.stats.Refused) < 20 {
				e.stats.Refused = append(e.stats.Refused, p.UserName+": "+strconv.Itoa(rp.Status)+" "+string(rp.Body))
			}
			e.mu.Unlock()
			return "", false
		}
		lookupFirst = true
		e.pause(ctx, rp, err, attempt)
	}
	e.mu.Lock()
	e.stats.GaveUp++
	e.mu.Unlock()
	return "", false
}

// call sends one request and records its answer.
func (e *entraClient) call(ctx context.Context, method, path, body string) (reply, error) {
	rp, err := send(ctx, e.c, method, e.base+path, e.token, body)
	e.mu.Lock()
	defer e.mu.Unlock()
	if method == http.MethodPost {
		e.stats.Posts++
	} else {
		e.stats.Lookups++
	}
	if err != nil {
		e.stats.Transport++
		return rp, err
	}
	e.stats.Statuses[rp.Status]++
	if rp.Status >= 400 {
		if prob := scimErrorProblem(rp); prob != "" {
			e.stats.BadCount++
			if len(e.stats.BadErrors) < 20 {
				e.stats.BadErrors = append(e.stats.BadErrors, method+" "+path+": "+prob)
			}
		}
	}
	return rp, nil
}

// pause waits before the next attempt: the Retry-After of a 429 (at most
// maxWait), else exponential backoff with equal jitter.
func (e *entraClient) pause(ctx context.Context, rp reply, err error, attempt int) {
	d := min(e.minBackoff<<attempt, e.maxBackoff)
	d = d/2 + rand.N(d/2+1)
	if err == nil && rp.Status == http.StatusTooManyRequests {
		if s, perr := strconv.Atoi(rp.Header.Get("Retry-After")); perr == nil && s >= 0 {
			d = min(time.Duration(s)*time.Second, e.maxWait)
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// firstID reads the id of the first resource of a ListResponse.
func firstID(body []byte) (string, bool) {
	var l struct {
		TotalResults int
		Resources    []struct{ ID string }
	}
	if json.Unmarshal(body, &l) != nil || l.TotalResults < 1 || len(l.Resources) == 0 {
		return "", false
	}
	return l.Resources[0].ID, true
}
