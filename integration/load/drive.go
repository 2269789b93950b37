package load

import (
	"context"
	"sync"
	"time"
)

// runFor runs clients workers that call do back to back for d and returns
// what they measured. do reports whether the answer was the expected one;
// only those count as OK and have their latency kept.
func runFor(ctx context.Context, clients int, d time.Duration, do func(ctx context.Context) bool) sample {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]sample, clients)
	start, cpu0 := time.Now(), processCPU()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func(s *sample) {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				ok := do(ctx)
				if ctx.Err() != nil {
					return // cut off by the end of the phase: not a result
				}
				if ok {
					s.OK++
					s.lat = append(s.lat, time.Since(t0))
				} else {
					s.Errors++
				}
			}
		}(&results[i])
	}
	wg.Wait()
	out := sample{Elapsed: time.Since(start), CPU: processCPU() - cpu0}
	for _, r := range results {
		out.OK += r.OK
		out.Errors += r.Errors
		out.lat = append(out.lat, r.lat...)
	}
	return out
}

// forEach calls fn(i) for i in [0, n) from workers goroutines, each taking
// the next index when it is free (like an identity provider's provisioning
// threads).
func forEach(n, workers int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
