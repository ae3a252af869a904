package pool

// ownerState is where an owner stands with the scheduler: who may give
// it work, and the lists it is in. Its connection's own state (what is in
// flight, its transaction) is the engine's. Guarded by d.mu; changed only
// through become.
//
//	state      lists          takes work from             left by
//	shared     all, shared    the pool (choose, waiters)  idleIfDone; serveWaiters, to a GetConn caller
//	idle       all, idle      nobody: parked               choose, GetConn, the health check
//	pinned     all            its Conn only               release (the Conn put back); acquire (its caller gone while it dialed)
//	releasing  all            its Conn's work, finishing  settleReleased, once that work is done
//	checking   all            nobody: being pinged         checked
//
// An owner starts shared (dialed for a request of the pool's), pinned
// (for GetConn, or to fill the floor) or releasing (dialed to replace one
// retired). Orthogonal to the state, and only ever set: quit (stop once
// nothing is in flight), yielding (hand the connection back to
// database/sql's callers once done), retireAs (doomed, retired once idle)
// and broken (its connection is gone). An owner with one of them set takes
// no new work, and leaves the lists of its state when it is retired or
// gone: shrinking, doom and hand-backs take it out of the idle list at
// once, leaving its state idle.
type ownerState uint8

const (
	ownerShared    ownerState = iota // serving the pool's requests
	ownerIdle                        // in the idle list, parked
	ownerPinned                      // a Conn's, from GetConn or Acquire
	ownerReleasing                   // its Conn was put back; finishing the Conn's work
	ownerChecking                    // taken from the idle list by the health check
	ownerStates
)

var ownerStateNames = [ownerStates]string{"shared", "idle", "pinned", "releasing", "checking"}

func (s ownerState) String() string { return ownerStateNames[s] }

// ownerMoves are the transitions the scheduler makes, from → to.
var ownerMoves = [ownerStates][ownerStates]bool{
	ownerShared:    {ownerIdle: true, ownerPinned: true},
	ownerIdle:      {ownerShared: true, ownerPinned: true, ownerChecking: true},
	ownerPinned:    {ownerReleasing: true},
	ownerReleasing: {ownerShared: true},
	ownerChecking:  {ownerShared: true, ownerIdle: true},
}

// strictStates makes become panic on a transition ownerMoves does not
// list; the package's tests set it, so that a scheduler change that makes
// one fails them.
var strictStates bool

// become moves o to state to; d.mu is held.
func (o *owner) become(to ownerState) {
	if strictStates && !ownerMoves[o.state][to] {
		panic("momoko: owner moved from " + o.state.String() + " to " + to.String())
	}
	o.state = to
}
