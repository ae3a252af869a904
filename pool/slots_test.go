package pool

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestSlotsQueueInFIFOOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(1)
		if err := s.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		var order []int
		done := make(chan struct{})
		for i := range 5 {
			go func() {
				if err := s.acquire(context.Background()); err != nil {
					t.Error(err)
				}
				order = append(order, i) // slots are held one at a time
				s.release()
				done <- struct{}{}
			}()
			synctest.Wait() // waiter i is queued before waiter i+1 starts
		}
		if _, waiting := s.counts(); waiting != 5 {
			t.Fatalf("waiting = %d, want 5", waiting)
		}
		s.release()
		for range 5 {
			<-done
		}
		for i, got := range order {
			if got != i {
				t.Fatalf("admission order %v, want FIFO", order)
			}
		}
		if busy, waiting := s.counts(); busy != 0 || waiting != 0 {
			t.Fatalf("after all: busy %d, waiting %d", busy, waiting)
		}
	})
}

func TestSlotsWaiterHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(1)
		s.acquire(context.Background())
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("acquire past its deadline: %v", err)
		}
		if _, waiting := s.counts(); waiting != 0 {
			t.Fatalf("a timed-out waiter stayed queued (%d)", waiting)
		}
		s.release()
		if busy, _ := s.counts(); busy != 0 {
			t.Fatalf("busy = %d after release, want 0", busy)
		}
	})
}

func TestSlotsCloseFailsWaitersAndLaterCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(1)
		s.acquire(context.Background())
		errs := make(chan error, 3)
		for range 3 {
			go func() { errs <- s.acquire(context.Background()) }()
		}
		synctest.Wait()
		s.close()
		for range 3 {
			if err := <-errs; !errors.Is(err, ErrPoolClosed) {
				t.Fatalf("waiter after close: %v, want ErrPoolClosed", err)
			}
		}
		if err := s.acquire(context.Background()); !errors.Is(err, ErrPoolClosed) {
			t.Fatalf("acquire after close: %v", err)
		}
		s.release() // the holder's release after close is harmless
	})
}

func TestSlotsTryAcquireRespectsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(3)
		if !s.tryAcquire(2) {
			t.Fatal("tryAcquire(2) of 3 free slots failed")
		}
		if s.tryAcquire(2) {
			t.Fatal("tryAcquire(2) with 1 free slot succeeded")
		}
		s.acquire(context.Background())
		go s.acquire(context.Background())
		synctest.Wait()
		s.release()
		synctest.Wait()
		if s.tryAcquire(1) {
			t.Fatal("tryAcquire jumped the queue")
		}
	})
}

func TestNeededWithin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(4)
		for range 3 {
			s.acquire(context.Background())
		}
		for range 3 {
			s.release()
		}
		if got := s.neededWithin(time.Minute); got != 3 {
			t.Fatalf("neededWithin right after 3 at once = %d", got)
		}
		time.Sleep(2 * time.Minute)
		s.acquire(context.Background())
		if got := s.neededWithin(time.Minute); got != 1 {
			t.Fatalf("neededWithin after the peak aged out = %d, want 1", got)
		}
	})
}

func TestRequeueOfTheOnlyHolderReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(2)
		s.acquire(context.Background()) // H
		s.acquire(context.Background()) // R
		s.release()                     // H leaves before R requeues
		if err := s.requeue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if busy, waiting := s.counts(); busy != 1 || waiting != 0 {
			t.Fatalf("after requeue by the only holder: busy %d, waiting %d; want 1, 0", busy, waiting)
		}
	})
}

func TestRequeuedWaiterLeavingFreesTheLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSlots(2)
		s.acquire(context.Background()) // H, holding on
		s.acquire(context.Background()) // R
		ctx, cancel := context.WithCancel(context.Background())
		requeued := make(chan error)
		go func() { requeued <- s.requeue(ctx) }()
		synctest.Wait()
		later := make(chan error)
		go func() { later <- s.acquire(context.Background()) }()
		synctest.Wait()
		cancel()
		if err := <-requeued; !errors.Is(err, context.Canceled) {
			t.Fatalf("requeue: %v", err)
		}
		if err := <-later; err != nil {
			t.Fatalf("a caller queued behind the requeued one, with a slot free: %v", err)
		}
	})
}
