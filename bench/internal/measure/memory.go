package measure

import (
	"runtime"
	"time"
)

// Memory is a snapshot of the memory the process holds.
type Memory struct {
	RSS      int64  // resident set, KiB (VmRSS)
	Heap     int64  // Go heap and goroutine stacks in use, bytes
	HeapGoal uint64 // the heap size at which the next collection starts, bytes
}

// Footprint collects garbage, then returns the memory the process holds.
func Footprint() Memory {
	runtime.GC()
	rss := RSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Memory{RSS: rss, Heap: int64(ms.HeapInuse + ms.StackInuse), HeapGoal: ms.NextGC}
}

// Settle returns the Footprint once the goroutines that have just ended are gone: it
// collects garbage and waits 50 ms before it.
func Settle() Memory {
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	return Footprint()
}
