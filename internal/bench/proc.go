package bench

import (
	"bufio"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
)

// memory is the process's resident set as Linux reports it, in MiB; zero where /proc is missing.
type memory struct {
	rss, peak, anon float64
}

func readMemory() memory {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return memory{}
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "VmRSS":
			dst = &m.rss
		case "VmHWM":
			dst = &m.peak
		case "RssAnon":
			dst = &m.anon
		default:
			continue
		}
		fields := strings.Fields(rest) // "123456 kB"
		if len(fields) > 0 {
			if kb, err := strconv.ParseFloat(fields[0], 64); err == nil {
				*dst = kb / 1024
			}
		}
	}
	return m
}

// gcCycles is how many collections the process has completed.
func gcCycles() uint64 { return metricUint("/gc/cycles/total:gc-cycles") }

// heapAllocated is how many bytes the process has allocated on the heap so far, freed or not.
func heapAllocated() uint64 { return metricUint("/gc/heap/allocs:bytes") }

func metricUint(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
