package pool

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/internal/replica"
)

// Role is what a standby's server was found to be at its last check.
// String names it in words.
type Role = replica.Role

const (
	// RoleUnknown: not checked yet.
	RoleUnknown Role = replica.RoleUnknown
	// RoleStandby: in recovery, streaming from the primary; it takes reads
	// while its lag is within MaxReplicaLag.
	RoleStandby Role = replica.RoleStandby
	// RolePrimary: not in recovery (promoted, or the primary itself, as
	// one host of a multi-host DSN): it takes no replica reads.
	RolePrimary Role = replica.RolePrimary
	// RoleDown: the last check, or a read, failed to reach it.
	RoleDown Role = replica.RoleDown
)

// member is one standby: a pool of its own, and what the background check
// last found.
type member struct {
	replica.Standby
	name    string // host:port, never the password
	pool    *Pool
	monitor *monitor // the checks' own connection
}

// State is what the checks and the reads know of m, for choosing.
func (m *member) State() *replica.Standby { return &m.Standby }

// newMembers makes one member per host of each standby DSN, with the
// options given for the primary, but the size, and with the standby
// DSN's keys where those leave a field zero. A standby's reads are traced
// by the primary's tracer.
func newMembers(ro ReplicaOptions, primary Options, logger *slog.Logger, tracer pgx.QueryTracer) ([]*member, error) {
	var ms []*member
	seen := map[string]bool{}
	for i, dsn := range ro.Standbys {
		cfg, err := driver.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("%w: Replicas.Standbys[%d]: %w", ErrInvalidOptions, i, err)
		}
		for _, host := range splitHosts(cfg) {
			name := hostName(host.ConnConfig.Host, host.ConnConfig.Port)
			if seen[name] {
				continue
			}
			seen[name] = true
			o := primary
			o.Replicas = ReplicaOptions{}
			o.Size, o.MaxSize = ro.Size, ro.MaxSize
			o.Logger = logger.With(slog.String("standby", name))
			if host.ConnConfig.Tracer == nil {
				host.ConnConfig.Tracer = tracer
			}
			p, err := NewWithConfig(host, o)
			if err != nil {
				closeMembers(ms)
				return nil, fmt.Errorf("standby %s: %w", name, err)
			}
			ms = append(ms, &member{name: name, pool: p, monitor: newMonitor(host)})
		}
	}
	return ms, nil
}

// splitHosts makes one config per host cfg names, in order. pgx lists a
// host once per way of reaching it (TLS, then plain text for
// sslmode=prefer): each host's config keeps its own. A standby's sessions
// are read only, and whatever the DSN's target_session_attrs says, any
// server is accepted: the background check classifies it.
func splitHosts(cfg *driver.Config) []*driver.Config {
	main := cfg.ConnConfig
	ways := append([]*pgconn.FallbackConfig{{Host: main.Host, Port: main.Port, TLSConfig: main.TLSConfig}}, main.Fallbacks...)
	var out []*driver.Config
	byHost := map[string]*pgconn.Config{}
	for _, w := range ways {
		name := hostName(w.Host, w.Port)
		if cc := byHost[name]; cc != nil {
			cc.Fallbacks = append(cc.Fallbacks, w)
			continue
		}
		c := *cfg
		c.ConnConfig = main.Copy()
		cc := &c.ConnConfig.Config
		cc.Host, cc.Port, cc.TLSConfig = w.Host, w.Port, w.TLSConfig
		cc.Fallbacks = nil
		cc.ValidateConnect = nil
		cc.RuntimeParams["default_transaction_read_only"] = "on"
		byHost[name] = cc
		out = append(out, &c)
	}
	return out
}

func hostName(host string, port uint16) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

func closeMembers(ms []*member) {
	for _, m := range ms {
		_ = m.pool.Close()
	}
}

// ReplicaStats is one standby as the pool last saw it.
type ReplicaStats struct {
	Name      string        // host:port
	Role      Role          // what its last check found
	Usable    bool          // it takes reads now
	Lag       time.Duration // behind the primary at its last check
	Replayed  LSN           // the furthest it is known to have replayed
	Checked   time.Time     // its last successful check
	LastError string        // why it is down; "" when up
	InFlight  int           // reads on it now
	Reads     uint64        // reads it resolved
	Retried   uint64        // reads that failed on it and went elsewhere
	Pool      Stats         // its connections
}

func (rs *replicas) stats() ([]ReplicaStats, uint64) {
	out := make([]ReplicaStats, len(rs.members))
	for i, m := range rs.members {
		st := m.Status()
		out[i] = ReplicaStats{Name: m.name, Role: st.Role, Lag: st.Lag, Checked: st.Checked, LastError: st.LastError}
		out[i].Usable = m.Usable.Load()
		out[i].Replayed = LSN(m.Replayed.Load())
		out[i].InFlight = int(m.InFlight.Load())
		out[i].Reads, out[i].Retried = m.Reads.Load(), m.Retried.Load()
		out[i].Pool = m.pool.Stats()
	}
	return out, rs.fellBack.Load()
}
