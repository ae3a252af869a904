package bench

import (
	"fmt"
	"io"
	"strings"
)

// WriteTable writes r as Markdown: the results with their ratios, the
// future overhead, the targets and the machine.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Medians over %d interleaved rounds of %gs per client and workload; every client has at most %d connections.\n\n",
		r.Rounds, r.RoundSeconds, r.MaxConns)
	b.WriteString("| workload | client | ops/s | p50 µs | p99 µs | CPU µs/op | allocs/op | ops/s ÷ sql+pgx | ops/s ÷ pgxpool | CPU ÷ sql+pgx |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	last := ""
	for _, res := range r.Results {
		label := ""
		if res.Workload != last {
			label = fmt.Sprintf("%s %s; %d in flight; op = %s", res.Workload[:2], res.What, res.Callers, res.Unit)
			last = res.Workload
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.0f | %.1f | %.1f | %.3f | %.3f | %.2f |\n",
			label, res.Client, res.OpsPerSec, res.P50Micros, res.P99Micros,
			res.CPUMicrosPerOp, res.AllocsPerOp, res.ThroughputVsSQL, res.ThroughputVsPGXPool, res.CPUVsSQL)
	}
	f := r.Future
	b.WriteString("\n| future overhead | ns/op | allocs/op |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| future.Go + Await | %.0f | %.1f |\n", f.GoAwaitNs, f.GoAwaitAllocs)
	fmt.Fprintf(&b, "| goroutine + channel | %.0f | %.1f |\n", f.BareNs, f.BareAllocs)
	fmt.Fprintf(&b, "| ratio (paired by round) | %.2f | |\n", f.Ratio)
	if len(r.BigResult) > 0 {
		b.WriteString("\n| a million-row result, read once | seconds | CPU seconds | peak heap MiB |\n|---|---:|---:|---:|\n")
		for _, x := range r.BigResult {
			fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.1f |\n", x.Reader, x.Seconds, x.CPUSeconds, x.PeakHeapMiB)
		}
	}
	b.WriteString("\n| target | want | got | met |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.Name, t.Want, t.Got, met)
	}
	m := r.Machine
	fmt.Fprintf(&b, "\nMachine: %d CPUs (GOMAXPROCS %d) %s, %s RAM, %s %s, %s, PostgreSQL %s",
		m.CPUs, m.GOMAXPROCS, m.CPUModel, m.Memory, m.OS, m.Kernel, m.Go, m.PostgreSQL)
	if m.Server != "" {
		fmt.Fprintf(&b, " (%s server)", m.Server)
	}
	b.WriteString(".\n")
	_, err := io.WriteString(w, b.String())
	return err
}
