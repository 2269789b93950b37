package load

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // reversed: percentile must sort
	}
	for _, tc := range []struct {
		name string
		lat  []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of odd", ms(3, 1, 2), 50, 2 * time.Millisecond},
		{"median of even is the lower", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p1 of 100", ms(hundred...), 1, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.lat, tc.p); got != tc.want {
				t.Fatalf("percentile(%v, %v) = %v, want %v", tc.lat, tc.p, got, tc.want)
			}
		})
	}
}

func TestSampleRPSAndMerge(t *testing.T) {
	var s sample
	s.merge(sample{OK: 10, Errors: 1, Elapsed: time.Second, lat: []time.Duration{1}})
	s.merge(sample{OK: 30, Elapsed: time.Second, lat: []time.Duration{2, 3}})
	if s.OK != 40 || s.Errors != 1 || s.Elapsed != 2*time.Second || len(s.lat) != 3 {
		t.Fatalf("merged %+v", s)
	}
	if s.RPS() != 20 {
		t.Fatalf("RPS %v, want 20", s.RPS())
	}
	if (sample{OK: 5}).RPS() != 0 {
		t.Fatal("RPS without elapsed time must be 0")
	}
}
