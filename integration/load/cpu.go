package load

import (
	"syscall"
	"time"
)

// processCPU is the user plus system CPU time this process has used. The
// whole stack runs in-process, so a phase's share of it is the CPU cost of
// that path end to end (client, Caddy, emulator): a figure that holds on a
// machine shared with other work, where requests/s does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
