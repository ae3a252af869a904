package pool

// The dispatcher's lists of owners (all, idle, shared): taking one out;
// d.mu is held.

func (d *dispatcher) removeShared(o *owner) { d.shared = without(d.shared, o) }

// without removes o from list, whose order does not matter.
func without(list []*owner, o *owner) []*owner {
	for i, x := range list {
		if x == o {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			return list[:last]
		}
	}
	return list
}

func (d *dispatcher) removeIdle(o *owner) bool {
	for i, x := range d.idle {
		if x == o {
			d.idle = append(d.idle[:i], d.idle[i+1:]...)
			return true
		}
	}
	return false
}

func (d *dispatcher) removeAll(o *owner) { d.all = without(d.all, o) }
