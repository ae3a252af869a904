package pool

import (
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// stmtCacheSize bounds the prepared statements an owner keeps on its
// connection, as pgx's own statement cache does; the oldest is
// deallocated to make room.
const stmtCacheSize = 512

// prepared is a statement prepared on one connection.
type prepared struct {
	name    string
	sql     string
	sd      *pgconn.StatementDescription
	formats []int16                   // the result format of each field
	fields  []pgconn.FieldDescription // sd's fields with those formats; shared by cursors

	// The size of its last result, so that the next one's buffers are
	// allocated once (up to presizeBytes and presizeValues).
	lastBytes, lastValues int
}

// stmtCache is one connection's prepared statements, used by its owner
// goroutine only.
type stmtCache struct {
	prefix  string
	next    int
	byQuery map[string]*prepared
	order   []*prepared // oldest first
}

func newStmtCache(owner uint64) *stmtCache {
	return &stmtCache{prefix: "momoko_" + strconv.FormatUint(owner, 10) + "_", byQuery: make(map[string]*prepared)}
}

func (c *stmtCache) get(sql string) *prepared { return c.byQuery[sql] }

// name gives a new statement name, unique on the connection.
func (c *stmtCache) name() string {
	c.next++
	return c.prefix + strconv.Itoa(c.next)
}

// add records a statement prepared under name and returns the one to
// deallocate to stay within bounds, or nil.
func (c *stmtCache) add(p *prepared) (evict *prepared) {
	if len(c.order) >= stmtCacheSize {
		evict = c.order[0]
		c.order = c.order[1:]
		delete(c.byQuery, evict.sql)
	}
	c.byQuery[p.sql] = p
	c.order = append(c.order, p)
	return evict
}

// forget drops p, reporting whether it was cached: a statement whose
// description may be stale (it failed on the server, or its arguments did
// not encode) is prepared again when next used.
func (c *stmtCache) forget(p *prepared) bool {
	if c.byQuery[p.sql] != p {
		return false
	}
	delete(c.byQuery, p.sql)
	c.order = slices.DeleteFunc(c.order, func(q *prepared) bool { return q == p })
	return true
}

// clear drops every statement: the server dropped them all (DEALLOCATE
// ALL, DISCARD ALL).
func (c *stmtCache) clear() {
	clear(c.byQuery)
	clear(c.order)
	c.order = c.order[:0]
}
