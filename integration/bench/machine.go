package bench

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where a report was measured.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Memory     string `json:"memory,omitempty"`
	OS         string `json:"os"`
	Kernel     string `json:"kernel,omitempty"`
	Go         string `json:"go"`
	PostgreSQL string `json:"postgresql"`
	// Server says where the server ran: "local" (same machine, sharing
	// its CPUs), "docker" or "external".
	Server string `json:"server,omitempty"`
}

func describeMachine(ctx context.Context, db *sql.DB) (Machine, error) {
	m := Machine{
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS:         runtime.GOOS + "/" + runtime.GOARCH,
		Go:         runtime.Version(),
		CPUModel:   procField("/proc/cpuinfo", "model name"),
		Kernel:     strings.TrimSpace(readSmall("/proc/sys/kernel/osrelease")),
	}
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.Memory = strconv.FormatFloat(float64(kb)/(1<<20), 'f', 1, 64) + " GiB"
	}
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&m.PostgreSQL); err != nil {
		return m, err
	}
	return m, nil
}

// procField is the value of the first "key: value" line of a /proc file
// with the given key, or "" where there is no such file or line.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func readSmall(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}
