package engine

import (
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pristine holds pgx's default types and is never changed: a type a
// connection's map returns from it needs no registration for decoding.
var pristine = newDecodeMap(nil)

// SharedTypes is the pgtype.Map results are decoded with, outside the
// connection that read their rows. A connection's own map is used by its
// engine's goroutine only (pgtype.Map is not safe for concurrent use), so
// results share one that is never changed once published: a type the
// connections know beyond pgx's defaults (hstore, json functions) makes a
// new map with it, copy on write. The zero value is ready to use.
type SharedTypes struct {
	mu  sync.Mutex // serializes publishing
	cur atomic.Pointer[pgtype.Map]
	reg []*pgtype.Type
}

func (d *SharedTypes) load() *pgtype.Map {
	if m := d.cur.Load(); m != nil {
		return m
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur.Load() == nil {
		d.cur.Store(pristine)
	}
	return d.cur.Load()
}

// cover makes sure the published map decodes every field as conn does,
// and returns it.
func (d *SharedTypes) cover(conn *pgtype.Map, fields []pgconn.FieldDescription) *pgtype.Map {
	m := d.load()
	for i := range fields {
		oid := fields[i].DataTypeOID
		t, ok := conn.TypeForOID(oid)
		if !ok {
			continue
		}
		if have, ok := m.TypeForOID(oid); ok && sameType(have, t) {
			continue
		}
		m = d.publish(t)
	}
	return m
}

func (d *SharedTypes) publish(t *pgtype.Type) *pgtype.Map {
	d.mu.Lock()
	defer d.mu.Unlock()
	reg := make([]*pgtype.Type, 0, len(d.reg)+1)
	for _, r := range d.reg {
		if r.OID != t.OID {
			reg = append(reg, r)
		}
	}
	d.reg = append(reg, t)
	m := newDecodeMap(d.reg)
	d.cur.Store(m)
	return m
}

// newDecodeMap builds a map with types registered, ready for concurrent
// scanning: the lazily built part of a pgtype.Map is built here, so that
// scanning only reads it.
func newDecodeMap(types []*pgtype.Type) *pgtype.Map {
	m := pgtype.NewMap()
	for _, t := range types {
		m.RegisterType(t)
	}
	m.TypeForValue(int64(0))
	return m
}

// sameType reports whether a and b decode alike. Connections register
// their own copies of a type (hstore's OID is looked up per connection),
// so the name and codec count, not the pointer.
func sameType(a, b *pgtype.Type) bool {
	if a == b {
		return true
	}
	if a.Name != b.Name || a.OID != b.OID {
		return false
	}
	ta, tb := reflect.TypeOf(a.Codec), reflect.TypeOf(b.Codec)
	if ta != tb {
		return false
	}
	if ta.Comparable() {
		return a.Codec == b.Codec
	}
	return true
}
