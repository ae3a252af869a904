package engine

import (
	"errors"
	"slices"
	"sync"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// Read groups: lone reads of a pool, pipelined on one connection, share
// one Sync, and with it one transaction made read-only. The server's work
// at each Sync (ending a transaction, ReadyForQuery, a flush) is most of
// what a pipelined fast statement costs it; a group pays it once.
//
// A group is what one write pass holds of such reads: a guard statement,
// then its members, then one Sync, with no BEGIN or COMMIT. The statements
// between two Syncs share an implicit transaction, which the server
// commits at the Sync, or rolls back there after an error, leaving the
// connection idle either way, so that what is pipelined behind a group
// never meets an aborted transaction. The
// guard makes that transaction read-only (set_config of
// transaction_read_only, local to it), and fails it, so that no member
// runs, unless the session's isolation is read committed: under
// repeatable read or serializable the members would share the snapshot
// its first statement took, and a member written later would not see a
// commit its caller saw before sending it.
//
// Members are held until the Sync is read, since an error of a later
// member rolls back an earlier member's transaction; then, case by case:
//   - the group committed: every member is delivered;
//   - member k failed: k gets its error; the members after k were skipped
//     by the server and never ran, and run again (Skipped); the members
//     before k ran and were rolled back: whatever a read-only transaction
//     lets them change (rows of an existing temporary table, a set_config
//     that is not local, a pg_notify) was undone, so they run again too,
//     rather than be reported done while undone;
//   - k failed with 25006 (a writer dressed as a read: nextval, a function
//     that inserts): it did nothing, runs again, and its SQL text is never
//     grouped again (Writers);
//   - k failed with 40001 or 40P01 (a serialization failure, or a deadlock
//     that the group's longer-held locks could have caused) or with a
//     stale prepared statement (26000, 0A000): it runs again, alone;
//   - the guard failed (isolation not read committed): nothing ran, every
//     member runs again, and the connection groups no more until its
//     session is changed (SET, RESET, DISCARD, or what pgx runs itself);
//   - the connection broke once the group was sent: its members may have
//     run, and committed (a pg_notify is allowed in a read-only
//     transaction), as for any statement in flight.
// What no rollback undoes and a second run repeats (a session-level
// advisory lock, nextval of a temporary sequence, taken inside a
// function) happens twice when a member runs again; statements that take
// session advisory locks by name, or change the session, never join a
// group (the pool's choice, sqltext.ChangesSession).
//
// What sharing a transaction changes, and no settlement mends, is why the
// pool keeps groups off by default: members share the transaction's start
// (now()) and id (txid_current()); a setting one member makes local to the
// transaction (set_config(..., true), which the pool keeps out of groups
// by its text, but not inside a function) reaches the members after it;
// and a function that catches the 25006 of its own write returns as if it
// had written, so the write is lost without a writer being learned.
//
// The locks a member takes (ACCESS SHARE on what it reads) are held
// until the Sync, not its own end: a group holds at most GroupLimit
// statements, and only fast ones join, so that a DDL waiting for them
// waits about as long as for one statement. A group never outlives its
// write pass: kept open for the next pass, its transaction would have
// begun before a later member was called, whose now() (the transaction's
// start) would then precede the call and miss what its caller saw
// committed.

// GroupLimit is how many statements one group holds at most.
const GroupLimit = 16

// groupGuard opens a group. The cast fails at run time (22P02) when the
// isolation is not read committed, which no member must run under.
const groupGuard = "SELECT CASE WHEN current_setting('transaction_isolation') = 'read committed' " +
	"THEN set_config('transaction_read_only', 'on', true) " +
	"ELSE current_setting('transaction_isolation')::int::text END"

// Writers are the SQL texts a group found to write (25006): they never
// join a group again. A pool's engines share one; nil turns groups off.
type Writers struct {
	mu sync.RWMutex
	m  map[string]struct{}
}

// writersKept bounds Writers: beyond it, a new writer is not remembered,
// and fails its group again the next time it joins one (it still runs
// once, correctly).
const writersKept = 4096

func (v *Writers) add(sql string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[string]struct{})
	}
	if len(v.m) < writersKept {
		v.m[sql] = struct{}{}
	}
}

// Has reports whether sql was found to write.
func (v *Writers) Has(sql string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, ok := v.m[sql]
	return ok
}

// group is one read group, from its guard to its Sync.
type group struct {
	members []*Batch
	failed  *Batch // the member whose error ended the group
	refused bool   // the guard or the Sync failed: no member's run stands
}

// joinGroup writes b, a lone statement ready to write, into the open
// group, opening one if it may; it reports false when b must be written
// on its own.
func (w *Engine) joinGroup(b *Batch, sql string) bool {
	if !b.Group || b.noGroup || w.cfg.Writers == nil || b.positionAfter() || w.cfg.Writers.Has(sql) {
		return false
	}
	if w.open == nil {
		// A group of one costs more than the statement alone: a group
		// opens behind work in flight, which tells that more is coming.
		if !w.working() || w.isolationRefused {
			return false
		}
		guard := w.cache.Get(groupGuard)
		if guard == nil {
			if _, pending := w.preparing[groupGuard]; !pending {
				w.sendEvictions()
				w.prepare(b, groupGuard)
			}
			return false
		}
		w.open = new(group)
		w.groups = append(w.groups, w.open)
		w.fe.SendBind(&pgproto3.Bind{PreparedStatement: guard.Name})
		w.fe.SendExecute(&pgproto3.Execute{})
		w.expect(expect{kind: expectGuard, g: w.open})
	}
	b.group = w.open
	w.open.members = append(w.open.members, b)
	return true
}

// endGroup writes the Sync that ends the open group, if one is open.
func (w *Engine) endGroup() {
	if w.open == nil {
		return
	}
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectSync, g: w.open})
	w.open = nil
	w.unflushed = true
}

// readGuard reads the guard's result.
func (w *Engine) readGuard(g *group) error {
	err := w.receive(func(m pgproto3.BackendMessage) (bool, error) {
		_, ok := m.(*pgproto3.CommandComplete)
		return ok, nil
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		g.refused = true
		switch {
		case pgErr.Code == pgerrcode.InvalidTextRepresentation:
			w.isolationRefused = true
		case StalePrepared(err):
			// The server lost it (DEALLOCATE ALL unseen here): prepared
			// again for the next group.
			if p := w.cache.Get(groupGuard); p != nil {
				w.drop(p)
			}
		}
	}
	return err
}

// readGroupEnd reads the Sync that ends g, whose server-side commit may
// fail, and settles its members.
func (w *Engine) readGroupEnd(g *group) error {
	err := w.receive(readyForQuery)
	if _, ok := err.(*pgconn.PgError); ok {
		// The commit failed: nothing of the group stands.
		g.refused = true
		err = w.receive(readyForQuery)
	}
	if err != nil {
		return err
	}
	w.groups = slices.DeleteFunc(w.groups, func(o *group) bool { return o == g })
	for _, b := range g.members {
		b.group = nil
		switch {
		case g.refused:
			skip(b)
		case g.failed == nil:
			b.Grouped = true
		case b == g.failed:
			w.settleFailed(b)
		default:
			skip(b) // skipped, or rolled back
		}
		w.ready = append(w.ready, b)
	}
	return nil
}

// settleFailed decides what becomes of b, the member whose error ended
// its group: its error stands, or it runs again.
func (w *Engine) settleFailed(b *Batch) {
	var pgErr *pgconn.PgError
	if !errors.As(b.Err, &pgErr) && !errors.As(b.again, &pgErr) {
		return
	}
	b.Grouped = true
	switch {
	case pgErr.Code == pgerrcode.ReadOnlySQLTransaction:
		w.cfg.Writers.add(b.sqlAt(0))
		skip(b)
	case b.again != nil, pgerrcode.IsTransactionRollback(pgErr.Code):
		skip(b)
		b.noGroup = true
	}
}

// skip makes b, a member whose run does not stand, one to write again.
func skip(b *Batch) {
	b.Skipped, b.Grouped = true, false
	b.Err, b.again = nil, nil
	clear(b.Results)
	b.Results = b.Results[:0]
	b.ResetTimes()
}

// changesSession forgets that the session's isolation kept groups out:
// sql may have changed it.
func (w *Engine) changesSession(sql string) {
	if w.isolationRefused && sqltext.StartsWith(sql, "SET", "RESET", "DISCARD") {
		w.isolationRefused = false
	}
}
