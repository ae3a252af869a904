package pool

import (
	"fmt"
	"time"
)

// ReplicaOptions give a pool read replicas: streaming standbys of its
// primary that take the reads sent through Pool.Replica. The zero value
// means no standbys: Replica reads run on the primary.
type ReplicaOptions struct {
	// Standbys are the DSNs of the standbys. A DSN naming several hosts
	// adds one standby per host, so the primary's own multi-host DSN
	// (host=a,b,c target_session_attrs=read-write) can be given here as
	// it is: each host's role is checked in the background, and the one
	// that is the primary takes no replica reads (it keeps a floor of
	// idle connections of its own). target_session_attrs is ignored for
	// standbys. Each standby has connections, a floor and a fail-fast
	// gate of its own, sized by Size and MaxSize, and the pool's other
	// Options (lifetimes, health checks, SetSession) apply to it too;
	// momoko's keys in the standby's own DSN (reconnect_interval,
	// max_lifetime, ...) fill the fields those leave zero. Its
	// sessions start read only (default_transaction_read_only), so that a
	// read cannot write, even on a standby promoted since its last check.
	// The checks run on a connection of their own per server, never
	// queued behind reads.
	Standbys []string
	// Size and MaxSize are each standby's floor and stretch limit.
	// Default: the primary's.
	Size, MaxSize int
	// MaxReplicaLag: a standby further behind the primary than this takes
	// no reads until it has caught up. The lag is measured in the
	// background every CheckPeriod, as how long ago the primary had
	// written what the standby has not replayed yet, so it is known to
	// within a CheckPeriod. Default 10s (DefaultMaxReplicaLag); negative:
	// no bound.
	MaxReplicaLag time.Duration
	// CheckPeriod is how often each standby's role and lag are measured.
	// Default 1s (DefaultReplicaCheckPeriod).
	CheckPeriod time.Duration
	// FallbackToPrimary: a read that no standby can take (all down,
	// lagging, or promoted) runs on the primary; while the primary's pool
	// fails fast during a failover, on the promoted standby. Otherwise it
	// fails at once with an error wrapping ErrNoReplica.
	FallbackToPrimary bool
	// ReplayWait bounds how long a read that must see a commit (see
	// ReadYourWrites and Replica.After) waits for a standby to replay it,
	// after which it runs on the primary with FallbackToPrimary, or fails
	// with an error wrapping ErrReplicaBehind. Default 1s
	// (DefaultReplayWait); negative: never wait.
	ReplayWait time.Duration
}

// Defaults of ReplicaOptions.
const (
	DefaultMaxReplicaLag      = 10 * time.Second
	DefaultReplicaCheckPeriod = time.Second
	DefaultReplayWait         = time.Second
)

// resolve checks ro and fills in its defaults, taking the sizes from the
// primary's options.
func (ro ReplicaOptions) resolve(primary Options) (ReplicaOptions, error) {
	if ro.Size < 0 || ro.MaxSize < 0 {
		return ro, fmt.Errorf("%w: Replicas.Size %d, MaxSize %d: negative", ErrInvalidOptions, ro.Size, ro.MaxSize)
	}
	if ro.CheckPeriod < 0 {
		return ro, fmt.Errorf("%w: Replicas.CheckPeriod %v is negative", ErrInvalidOptions, ro.CheckPeriod)
	}
	if ro.Size == 0 {
		ro.Size = primary.Size
	}
	if ro.MaxSize == 0 {
		ro.MaxSize = max(primary.MaxSize, ro.Size)
	}
	if ro.MaxSize < ro.Size {
		return ro, fmt.Errorf("%w: Replicas.MaxSize %d is below Replicas.Size %d", ErrInvalidOptions, ro.MaxSize, ro.Size)
	}
	if ro.MaxReplicaLag == 0 {
		ro.MaxReplicaLag = DefaultMaxReplicaLag
	}
	if ro.CheckPeriod == 0 {
		ro.CheckPeriod = DefaultReplicaCheckPeriod
	}
	if ro.ReplayWait == 0 {
		ro.ReplayWait = DefaultReplayWait
	}
	return ro, nil
}
