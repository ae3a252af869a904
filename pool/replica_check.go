package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/momoko-go/momoko/internal/replica"
)

// replicas routes the reads of Pool.Replica to the standbys.
type replicas struct {
	opts    ReplicaOptions
	members []*member
	next    atomic.Uint32 // where the search for the least busy starts

	primary   *monitor         // the checks' connection to the primary
	history   *replica.History // the check goroutine's
	blockSize atomic.Int64

	checked chan struct{} // closed once the first check is done

	fellBack atomic.Uint64 // reads that fell back to the primary
}

// watchReplicas checks the standbys every CheckPeriod until the pool
// closes.
func (p *Pool) watchReplicas() {
	defer p.maintains.Done()
	rs := p.replicas
	defer func() {
		rs.primary.close()
		for _, m := range rs.members {
			m.monitor.close()
		}
	}()
	rs.check(p)
	close(rs.checked)
	t := time.NewTicker(rs.opts.CheckPeriod)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		rs.check(p)
	}
}

// awaitFirstCheck waits for the first check, so that reads go to the
// standbys from the start.
func (rs *replicas) awaitFirstCheck(ctx context.Context, p *Pool) {
	select {
	case <-rs.checked:
	case <-ctx.Done():
	case <-p.ctx.Done():
	}
}

// check asks every standby, concurrently, then the primary: a standby
// streaming from the primary cannot have replayed more than the primary
// had flushed after it was asked.
func (rs *replicas) check(p *Pool) {
	ctx, cancel := context.WithTimeout(p.ctx, replica.CheckTimeout(rs.opts.CheckPeriod))
	defer cancel()
	start := time.Now()
	states := make([]replica.Answer, len(rs.members))
	errs := make([]error, len(rs.members))
	var wg sync.WaitGroup
	for i, m := range rs.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			states[i], errs[i] = m.ask(ctx)
		}()
	}
	wg.Wait()
	// A time of its own: a standby that did not answer must not cost the
	// primary's sample.
	pctx, pcancel := context.WithTimeout(p.ctx, replica.CheckTimeout(rs.opts.CheckPeriod))
	defer pcancel()
	sampled := time.Now()
	var position *string
	var timeline, blockSize int64
	err := rs.primary.query(pctx, replica.PrimaryCheck, &position, &timeline, &blockSize)
	var flushed LSN
	if err == nil {
		flushed, err = replica.ScanLSN(position)
	}
	primaryKnown := err == nil && position != nil
	if primaryKnown {
		rs.history.Add(replica.Sample{At: sampled, LSN: flushed}, timeline)
		rs.blockSize.Store(blockSize)
	}
	if p.ctx.Err() != nil {
		return
	}
	now := time.Now()
	for i, m := range rs.members {
		if errs[i] != nil {
			m.FailCheck(errs[i])
			continue
		}
		s := states[i]
		if primaryKnown && s.InRecovery && s.Replayed > flushed {
			m.FailCheck(replica.ErrAhead)
			continue
		}
		lag := replica.StandbyLag(rs.history, s.Replayed, now, primaryKnown, s.ReplayAge, s.ReceiveLag)
		m.Classify(s, lag, start, now, rs.opts.MaxReplicaLag)
	}
}

// ask runs StandbyCheck on m's own connection.
func (m *member) ask(ctx context.Context) (replica.Answer, error) {
	var s replica.Answer
	var position *string
	if err := m.monitor.query(ctx, replica.StandbyCheck, &s.InRecovery, &position, &s.ReplayAge, &s.ReceiveLag); err != nil {
		return s, err
	}
	var err error
	s.Replayed, err = replica.ScanLSN(position)
	return s, err
}
