package replica

import (
	"errors"
	"time"
)

// StandbyCheck asks a server its role, its replay position (NULL on a
// primary), the time since it replayed its last transaction (NULL before
// any), and that time again counted only while WAL it received waits to
// be replayed. Its row scans into an Answer, the position through
// ScanLSN.
const StandbyCheck = `SELECT pg_is_in_recovery(),
	pg_last_wal_replay_lsn()::text,
	extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
	coalesce(CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
		THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END, 0)`

// PrimaryCheck asks the primary how far it has flushed its WAL (what a
// standby can have received), its timeline (from the name of the WAL
// file), and its WAL page size.
const PrimaryCheck = `SELECT pg_current_wal_flush_lsn()::text,
	('x' || substr(pg_walfile_name(pg_current_wal_flush_lsn()), 1, 8))::bit(32)::int8,
	current_setting('wal_block_size')::int8`

// Answer is a standby's answer to StandbyCheck.
type Answer struct {
	InRecovery bool
	Replayed   LSN
	ReplayAge  *float64 // seconds
	ReceiveLag float64  // seconds
}

// ErrAhead: the standby has replayed WAL the primary does not have, so
// it follows another timeline (an old primary's, after a failover): its
// positions say nothing of the primary's commits.
var ErrAhead = errors.New("momoko: the standby has replayed beyond the primary's position: it is on another timeline")

// CheckTimeout bounds one round of checks made every period: a standby
// that does not answer within it is down.
func CheckTimeout(period time.Duration) time.Duration {
	return min(max(period, time.Second), 5*time.Second)
}
