package pool

import (
	"testing"
	"time"
)

// TestUsualWaitFollowsTheLinkNotALock: on a connection whose results take
// 20 ms to come (a server across a network), a pipeline is not late after
// 2 ms; one lock wait of a minute teaches the connection little.
func TestUsualWaitFollowsTheLinkNotALock(t *testing.T) {
	o := &owner{d: &dispatcher{lateAfter: lateHead}}
	for range 100 {
		o.learnWait(20 * time.Millisecond)
	}
	if after := o.lateAfter(); after < 60*time.Millisecond {
		t.Fatalf("after 100 waits of 20ms, late after %v; want several round trips", after)
	}
	local := &owner{d: &dispatcher{lateAfter: lateHead}}
	for range 100 {
		local.learnWait(50 * time.Microsecond)
	}
	before := local.lateAfter()
	local.learnWait(time.Minute)
	if after := local.lateAfter(); after > 2*before {
		t.Fatalf("one lock wait took lateness from %v to %v", before, after)
	}
	if before > 3*time.Millisecond {
		t.Fatalf("a local connection is late only after %v", before)
	}
}
