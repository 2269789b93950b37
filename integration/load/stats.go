package load

import (
	"fmt"
	"slices"
	"time"
)

// sample is what one phase of a fixed-duration run measured.
type sample struct {
	OK      int           // answers with the expected status
	Errors  int           // other statuses and transport errors
	Elapsed time.Duration // wall time of the phase
	CPU     time.Duration // process CPU time used in the phase
	lat     []time.Duration
}

// merge adds o's counts and latencies to s (Elapsed adds up: the phases of
// one path run one after another).
func (s *sample) merge(o sample) {
	s.OK += o.OK
	s.Errors += o.Errors
	s.Elapsed += o.Elapsed
	s.CPU += o.CPU
	s.lat = append(s.lat, o.lat...)
}

// RPS is successful requests per second of wall time.
func (s sample) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.OK) / s.Elapsed.Seconds()
}

// CPUPerRequest is the process CPU time per successful request.
func (s sample) CPUPerRequest() time.Duration {
	if s.OK == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.OK)
}

// Percentile returns the p-th percentile (0 < p <= 100) of the latencies of
// successful requests, by nearest rank; 0 when there are none.
func (s sample) Percentile(p float64) time.Duration {
	return percentile(s.lat, p)
}

func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	rank := int(p/100*float64(len(sorted)) + 0.999999) // ceil without float noise
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// ms formats a duration as milliseconds with two decimals, the unit of
// every latency in the reports.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
