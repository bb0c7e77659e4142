//go:build unix

package audit_test

import "syscall"

// cpuTime is the CPU time this process has used, user and system: on a machine shared with other
// work, a benchmark's CPU per event varies far less than its wall time.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
