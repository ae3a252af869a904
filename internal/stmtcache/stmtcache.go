// Package stmtcache keeps the statements prepared on one connection, as
// pgx's own statement cache does: a bounded set by SQL text, the one used
// least recently deallocated to make room. It does no I/O: its user prepares and
// deallocates, and tells the cache.
package stmtcache

import (
	"cmp"
	"maps"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// Size bounds the statements a Cache keeps.
const Size = 512

// Prepared is a statement prepared on one connection.
type Prepared struct {
	Name    string
	SQL     string
	SD      *pgconn.StatementDescription
	Formats []int16                   // the result format of each field
	Fields  []pgconn.FieldDescription // SD's fields with those formats; shared by results

	// The size of its last result, so that the next one's buffers are
	// allocated once.
	LastBytes, LastValues int

	used uint64 // the cache's clock when it was last added or got
}

// Cache is one connection's prepared statements; one goroutine uses it.
type Cache struct {
	prefix  string
	next    int
	clock   uint64
	byQuery map[string]*Prepared
}

// New makes the cache of a connection whose statement names start with
// prefix and a number unique on the connection.
func New(prefix string) *Cache {
	return &Cache{prefix: prefix, byQuery: make(map[string]*Prepared)}
}

// Get is the statement prepared for sql, or nil; it counts as used now.
// Least recently used rather than oldest goes first, so that a
// transaction's statements, all got before its missing ones are added,
// are not evicted to make room for them.
func (c *Cache) Get(sql string) *Prepared {
	p := c.byQuery[sql]
	if p != nil {
		c.clock++
		p.used = c.clock
	}
	return p
}

// Name gives a new statement name, unique on the connection.
func (c *Cache) Name() string {
	c.next++
	return c.prefix + strconv.Itoa(c.next)
}

// Add records p, prepared, and returns the statement to deallocate to
// stay within Size, or nil.
func (c *Cache) Add(p *Prepared) (evict *Prepared) {
	if len(c.byQuery) >= Size {
		for _, q := range c.byQuery {
			if evict == nil || q.used < evict.used {
				evict = q
			}
		}
		delete(c.byQuery, evict.SQL)
	}
	c.clock++
	p.used = c.clock
	c.byQuery[p.SQL] = p
	return evict
}

// Forget drops p, reporting whether it was cached: a statement whose
// description may be stale (it failed on the server, or its arguments did
// not encode) is prepared again when next used.
func (c *Cache) Forget(p *Prepared) bool {
	if c.byQuery[p.SQL] != p {
		return false
	}
	delete(c.byQuery, p.SQL)
	return true
}

// Clear drops every statement: the server dropped them all (DEALLOCATE
// ALL, DISCARD ALL).
func (c *Cache) Clear() { clear(c.byQuery) }

// All are the statements cached, least recently used first.
func (c *Cache) All() []*Prepared {
	all := slices.Collect(maps.Values(c.byQuery))
	slices.SortFunc(all, func(a, b *Prepared) int { return cmp.Compare(a.used, b.used) })
	return all
}

// Len is how many statements are cached.
func (c *Cache) Len() int { return len(c.byQuery) }
