//go:build !unix

package audit_test

// cpuTime is not measured here: the benchmark reports no CPU per event.
func cpuTime() float64 { return 0 }
