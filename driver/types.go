package driver

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// hstoreOIDQuery finds the hstore type of the hstore extension, whatever
// schema the extension was created in, and its array type.
const hstoreOIDQuery = `SELECT t.oid, t.typarray
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e
  ON d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'hstore' AND t.typname = 'hstore'`

// typeRegistry is the set of types a Connector registers on its connections.
// It can grow after connections exist (EnableHstore, EnableJSON); each
// connection's own pgtype.Map records what it already has, so a reused
// connection is brought up to date by comparing the two.
type typeRegistry struct {
	hstore atomic.Bool
	json   atomic.Pointer[jsonCodecs]
}

// jsonCodecs is one registration of JSON functions; connections holding these
// exact codec values are up to date.
type jsonCodecs struct {
	json  *pgtype.JSONCodec
	jsonb *pgtype.JSONBCodec
}

func newJSONCodecs(jc JSONConfig) *jsonCodecs {
	jc = jc.withDefaults()
	return &jsonCodecs{
		json:  &pgtype.JSONCodec{Marshal: jc.Marshal, Unmarshal: jc.Unmarshal},
		jsonb: &pgtype.JSONBCodec{Marshal: jc.Marshal, Unmarshal: jc.Unmarshal},
	}
}

// apply registers on conn whatever it lacks.
func (r *typeRegistry) apply(ctx context.Context, conn *pgx.Conn) error {
	if r.hstore.Load() {
		if _, ok := conn.TypeMap().TypeForName("hstore"); !ok {
			if err := registerHstore(ctx, conn); err != nil {
				return err
			}
		}
	}
	if jc := r.json.Load(); jc != nil {
		if t, ok := conn.TypeMap().TypeForOID(pgtype.JSONOID); !ok || t.Codec != jc.json {
			registerJSON(conn, jc)
		}
	}
	return nil
}

// registerHstore looks up hstore's OIDs on conn and registers pgx's binary
// hstore codec for hstore and hstore[].
func registerHstore(ctx context.Context, conn *pgx.Conn) error {
	var oid, arrayOID uint32
	err := conn.QueryRow(ctx, hstoreOIDQuery, pgx.QueryExecModeSimpleProtocol).Scan(&oid, &arrayOID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w (run CREATE EXTENSION hstore)", ErrHstoreNotInstalled)
	}
	if err != nil {
		return fmt.Errorf("momoko: looking up the hstore type: %w", err)
	}
	m := conn.TypeMap()
	t := &pgtype.Type{Name: "hstore", OID: oid, Codec: pgtype.HstoreCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_hstore", OID: arrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
	return nil
}

// registerJSON installs jc for json, jsonb and their arrays. The OIDs are
// fixed, so this needs no round trip.
func registerJSON(conn *pgx.Conn, jc *jsonCodecs) {
	m := conn.TypeMap()
	jt := &pgtype.Type{Name: "json", OID: pgtype.JSONOID, Codec: jc.json}
	jbt := &pgtype.Type{Name: "jsonb", OID: pgtype.JSONBOID, Codec: jc.jsonb}
	m.RegisterType(jt)
	m.RegisterType(jbt)
	m.RegisterType(&pgtype.Type{Name: "_json", OID: pgtype.JSONArrayOID, Codec: &pgtype.ArrayCodec{ElementType: jt}})
	m.RegisterType(&pgtype.Type{Name: "_jsonb", OID: pgtype.JSONBArrayOID, Codec: &pgtype.ArrayCodec{ElementType: jbt}})
}

// EnableHstore registers hstore on conn now, returning any error (one
// wrapping ErrHstoreNotInstalled when the extension is missing), and from then
// on on every connection of c: new ones as they connect, idle ones when they
// are next taken from the pool.
func (c *Connector) EnableHstore(ctx context.Context, conn *pgx.Conn) error {
	ctx = nilctx.Or(ctx)
	if conn == nil {
		return &ConfigError{Key: "conn", Err: errors.New("nil *pgx.Conn")}
	}
	if err := registerHstore(ctx, conn); err != nil {
		return err
	}
	c.types.hstore.Store(true)
	return nil
}

// EnableJSON makes jc's functions encode and decode json and jsonb on conn
// (which may be nil) and on every connection of c, like EnableHstore. It
// needs no round trip, so ctx is only there for symmetry.
func (c *Connector) EnableJSON(_ context.Context, conn *pgx.Conn, jc JSONConfig) error {
	codecs := newJSONCodecs(jc)
	if conn != nil {
		registerJSON(conn, codecs)
	}
	c.types.json.Store(codecs)
	return nil
}
