package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// lookupParallelism bounds the lookups one request has in flight at once
// (routing names, listed users' external ids); the client paces them
// further.
const lookupParallelism = 4

// routingPlan is what a user's groups and purecloud extension give it in
// Genesys ids: skills and languages with the highest proficiency asked for
// each, and queues. It is computed before any write, so an unknown name
// fails a request that has changed nothing.
type routingPlan struct {
	Skills    []genesys.Proficiency
	Languages []genesys.Proficiency
	Queues    []string // queue ids
}

// empty reports whether the plan assigns nothing.
func (p *routingPlan) empty() bool {
	return p == nil || len(p.Skills)+len(p.Languages)+len(p.Queues) == 0
}

// steps are the plan's writes for userID: skills and languages in bulk (the
// client sends 50 a call), one queue add per queue (batched across users).
func (p *routingPlan) steps(userID, email string) []step {
	if p.empty() {
		return nil
	}
	var out []step
	if len(p.Skills) > 0 {
		out = append(out, step{Kind: stepSkills, UserID: userID, Email: email, Items: p.Skills})
	}
	if len(p.Languages) > 0 {
		out = append(out, step{Kind: stepLanguages, UserID: userID, Email: email, Items: p.Languages})
	}
	for _, q := range p.Queues {
		out = append(out, step{Kind: stepQueue, UserID: userID, Email: email, QueueID: q})
	}
	return out
}

// wanted collects names before resolution: proficiency per name (highest
// wins), in first-seen order so plans and upstream bodies are deterministic.
type wanted struct {
	order []string
	prof  map[string]float64
}

func (w *wanted) add(name string, p float64) {
	if w.prof == nil {
		w.prof = map[string]float64{}
	}
	cur, seen := w.prof[name]
	if !seen {
		w.order = append(w.order, name)
	}
	if !seen || p > cur {
		w.prof[name] = p
	}
}

// resolveRouting computes the routing plan of a user from its SCIM groups
// (each matching `group` block, by display or value, case-insensitively) and
// its purecloud extension skills and languages (proficiency 3 when not
// sent). Names resolve to ids through the Shared cache. A name of a group
// block that Genesys does not know is a configuration error: a SCIM 500
// naming it, for the operator. One the caller sent is the caller's: 400
// invalidValue naming it. Lookup failures are upstream errors. Callers audit
// SCIM_ROUTING_ERROR on a configuration error; resolveRouting writes nothing
// upstream.
func (c *core) resolveRouting(ctx context.Context, groups []scim.GroupRef, skills, langs []scim.NamedProficiency) (*routingPlan, error) {
	var ws, wl wanted
	var queues []string
	seenQueue := map[string]bool{}
	for _, gr := range c.matchGroups(groups) {
		for _, a := range gr.Skills {
			ws.add(a.Name, a.Proficiency)
		}
		for _, a := range gr.Languages {
			wl.add(a.Name, a.Proficiency)
		}
		for _, q := range gr.Queues {
			if !seenQueue[q] {
				seenQueue[q] = true
				queues = append(queues, q)
			}
		}
	}
	// Names the caller sent, as opposed to the configured ones. A name a
	// group block manages follows group membership only: were the
	// extension to assign it, the next reconciliation would take it away
	// from a user its groups do not give it to (or lower it to what they
	// give), so it is left out here.
	sent := map[string]bool{}
	for _, in := range []struct {
		kind string
		nps  []scim.NamedProficiency
		into *wanted
	}{{kindSkill, skills, &ws}, {kindLanguage, langs, &wl}} {
		for _, np := range in.nps {
			name := strings.TrimSpace(np.Name)
			if c.configured(in.kind, name) {
				continue
			}
			in.into.add(name, proficiencyOf(np))
			sent[in.kind+"\x00"+name] = true
		}
	}

	plan := &routingPlan{
		Skills:    make([]genesys.Proficiency, len(ws.order)),
		Languages: make([]genesys.Proficiency, len(wl.order)),
		Queues:    make([]string, len(queues)),
	}
	type job struct {
		kind, name string
		into       *string
	}
	var jobs []job
	for i, n := range ws.order {
		plan.Skills[i].Proficiency = ws.prof[n]
		jobs = append(jobs, job{kindSkill, n, &plan.Skills[i].ID})
	}
	for i, n := range wl.order {
		plan.Languages[i].Proficiency = wl.prof[n]
		jobs = append(jobs, job{kindLanguage, n, &plan.Languages[i].ID})
	}
	for i, n := range queues {
		jobs = append(jobs, job{kindQueue, n, &plan.Queues[i]})
	}
	if len(jobs) == 0 {
		return &routingPlan{}, nil
	}

	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(lookupParallelism)
	for _, j := range jobs {
		eg.Go(func() error {
			id, err := c.names.resolve(ectx, j.kind, j.name)
			*j.into = id
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, upstreamError(err)
	}
	var configured, unknown []string
	for _, j := range jobs {
		switch {
		case *j.into != "":
		case sent[j.kind+"\x00"+j.name] && !c.configured(j.kind, j.name):
			unknown = append(unknown, fmt.Sprintf("%s %q", j.kind, j.name))
		default:
			configured = append(configured, fmt.Sprintf("%s %q", j.kind, j.name))
		}
	}
	if len(configured) > 0 {
		sort.Strings(configured)
		return nil, scim.Errorf(http.StatusInternalServerError, "",
			"gateway configuration error: routing %s not found in Genesys Cloud", strings.Join(configured, ", "))
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, scim.BadValue("Genesys Cloud has no routing %s", strings.Join(unknown, ", "))
	}
	return plan, nil
}

// configured reports whether a group block names the skill, language or
// queue (by the exact name, as Genesys matches routing names): it is then
// managed, and its absence from Genesys is the operator's to fix.
func (c *core) configured(kind, name string) bool {
	for _, b := range c.blocks {
		switch kind {
		case kindSkill:
			if slices.ContainsFunc(b.Skills, func(a Assignment) bool { return a.Name == name }) {
				return true
			}
		case kindLanguage:
			if slices.ContainsFunc(b.Languages, func(a Assignment) bool { return a.Name == name }) {
				return true
			}
		case kindQueue:
			if slices.Contains(b.Queues, name) {
				return true
			}
		}
	}
	return false
}

// proficiencyOf is a named proficiency's value, the default when unsent.
func proficiencyOf(np scim.NamedProficiency) float64 {
	if np.Proficiency == nil {
		return DefaultProficiency
	}
	return *np.Proficiency
}

// matchGroups returns the configured group blocks that the SCIM groups name
// (display or value, case-insensitively), each once, in request order.
func (c *core) matchGroups(refs []scim.GroupRef) []*GroupRouting {
	if len(c.blocks) == 0 {
		return nil
	}
	var out []*GroupRouting
	seen := map[*GroupRouting]bool{}
	for _, r := range refs {
		for _, n := range []string{r.Display, r.Value} {
			gr := c.blocks[GroupKey(n)]
			if gr != nil && !seen[gr] {
				seen[gr] = true
				out = append(out, gr)
			}
		}
	}
	return out
}

// applyRouting assigns plan to userID: skills and languages in bulk, queue
// memberships through the batcher. Steps that still fail after the client's
// retries are handed to the outbox and complete in the background; the
// error is non-nil only when that hand-over failed (a 503 with Retry-After:
// the identical request converges) and is a *scim.Error. Outcomes are
// audited SCIM_ROUTING_ASSIGNED / SCIM_ROUTING_ERROR.
func (c *core) applyRouting(ctx context.Context, userID string, plan *routingPlan) error {
	_, err := c.steps.runAll(ctx, userID, "", plan.steps(userID, ""))
	return err
}
