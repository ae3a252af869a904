package pool

import "context"

// callerValues is the pool's context, whose end (Close) stops a dial, with
// the values of the caller whose call made the connection dial, such as
// its trace, so that the driver's log events about the dial ("database
// not available") reach that caller's trace.
type callerValues struct {
	context.Context
	values context.Context
}

func (c callerValues) Value(key any) any { return c.values.Value(key) }

// dialContext is the context o dials with; run it on o's goroutine.
func (o *owner) dialContext() context.Context {
	if o.caller == nil {
		return o.d.p.ctx
	}
	return callerValues{Context: o.d.p.ctx, values: o.caller}
}
