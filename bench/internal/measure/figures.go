package measure

import "time"

// The figures of each workload, computed alike for every Go client. The names are the
// metrics the orchestrator tabulates.

// PerRequest returns the figures of workloads B and Ehs: n requests done in wall time,
// from u0 to u1. They are the requests per second and the wall time, the client's CPU
// seconds, CPU µs per request and the share of it spent in the kernel, Go heap allocations
// per request, and the peak RSS.
func PerRequest(u0, u1 Usage, n int, wall time.Duration) Result {
	cpu := (u1.CPU - u0.CPU).Seconds()
	return Result{
		"rps":        float64(n) / wall.Seconds(),
		"wall_s":     wall.Seconds(),
		"cpu_s":      cpu,
		"cpu_us_per": cpu * 1e6 / float64(n),
		"sys_share":  (u1.Sys - u0.Sys).Seconds() / cpu,
		"allocs_per": float64(u1.Allocs-u0.Allocs) / float64(n),
		"maxrss_kib": float64(u1.MaxRSS),
	}
}

// PerTransfer returns the figures of workload C: n idle transfers held, with base the
// memory before them and m with them. They are the RSS and the Go heap and stacks per
// transfer, in KiB, and both resident sets.
func PerTransfer(base, m Memory, n int) Result {
	return Result{
		"rss_kib_per_xfer":  float64(m.RSS-base.RSS) / float64(n),
		"heap_kib_per_xfer": float64(m.Heap-base.Heap) / 1024 / float64(n),
		"base_rss_kib":      float64(base.RSS),
		"rss_kib":           float64(m.RSS),
	}
}

// PerMiB returns the figures of workload D: one body of size bytes received in wall time,
// from u0 to u1. They are the CPU ms per MiB and the share of it spent in the kernel, the
// MiB per second, Go heap allocations per MiB, and the peak RSS.
func PerMiB(u0, u1 Usage, size int64, wall time.Duration) Result {
	mib := float64(size) / (1 << 20)
	return Result{
		"cpu_ms_per_mib": (u1.CPU - u0.CPU).Seconds() * 1000 / mib,
		"sys_share":      (u1.Sys - u0.Sys).Seconds() / (u1.CPU - u0.CPU).Seconds(),
		"mib_s":          mib / wall.Seconds(),
		"allocs_per_mib": float64(u1.Allocs-u0.Allocs) / mib,
		"maxrss_kib":     float64(u1.MaxRSS),
	}
}

// PerIdleConn returns the figures of workload Eidle: conns idle TLS connections (as the
// server counts them), with base the memory before them and m with them. They are the RSS
// and the Go heap and stacks per connection, in KiB, and the count.
func PerIdleConn(base, m Memory, conns int) Result {
	return Result{
		"tls_idle_kib": float64(m.RSS-base.RSS) / float64(max(conns, 1)),
		"tls_heap_kib": float64(m.Heap-base.Heap) / 1024 / float64(max(conns, 1)),
		"conns":        float64(conns),
	}
}
