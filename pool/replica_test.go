package pool

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/momoko-go/momoko/driver"
)

func TestReplicaOptions(t *testing.T) {
	o, err := Options{Size: 2, MaxSize: 5}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	ro := o.Replicas
	if ro.Size != 2 || ro.MaxSize != 5 || ro.MaxReplicaLag != DefaultMaxReplicaLag ||
		ro.CheckPeriod != DefaultReplicaCheckPeriod || ro.ReplayWait != DefaultReplayWait || ro.FallbackToPrimary {
		t.Errorf("defaults %+v", ro)
	}
	for _, bad := range []ReplicaOptions{{Size: -1}, {MaxSize: -1}, {Size: 3, MaxSize: 2}, {CheckPeriod: -time.Second}} {
		if _, err := (Options{Replicas: bad}).resolve(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: %v, want ErrInvalidOptions", bad, err)
		}
	}
	_, err = New("postgres://localhost/db", Options{Replicas: ReplicaOptions{Standbys: []string{"postgres://h:notaport/db"}}})
	if !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("bad standby DSN: %v, want ErrInvalidOptions", err)
	}
}

func TestStandbysOfMultiHostDSN(t *testing.T) {
	const secret = "s3cret-pw"
	p, err := New("postgres://u:"+secret+"@a:5432,b:5433/db?target_session_attrs=read-write", Options{
		Replicas: ReplicaOptions{Standbys: []string{
			"postgres://u:" + secret + "@a:5432,b:5433,c/db?target_session_attrs=read-write",
			"host=b port=5433 user=u password=" + secret + " dbname=db",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var names []string
	for _, m := range p.replicas.members {
		names = append(names, m.name)
	}
	if got := strings.Join(names, " "); got != "a:5432 b:5433 c:5432" {
		t.Errorf("members %q, want one per host, each once", got)
	}
	st := p.Stats()
	if len(st.Replicas) != 3 || st.Replicas[0].Role != RoleUnknown || st.Replicas[0].Usable {
		t.Errorf("stats before any check: %+v", st.Replicas)
	}
	if s := strings.Join(names, "") + st.String(); strings.Contains(s, secret) {
		t.Errorf("password in %q", s)
	}
}

func TestSplitHosts(t *testing.T) {
	cfg, err := driver.ParseConfig("postgres://u:pw@a:5432,b:5433/db?sslmode=prefer&target_session_attrs=read-write&application_name=app")
	if err != nil {
		t.Fatal(err)
	}
	hosts := splitHosts(cfg)
	if len(hosts) != 2 {
		t.Fatalf("%d configs, want 2", len(hosts))
	}
	for i, want := range []string{"a:5432", "b:5433"} {
		cc := hosts[i].ConnConfig
		if got := hostName(cc.Host, cc.Port); got != want {
			t.Errorf("config %d: host %s, want %s", i, got, want)
		}
		if len(cc.Fallbacks) != 1 || cc.Fallbacks[0].Host != cc.Host || cc.Fallbacks[0].TLSConfig != nil || cc.TLSConfig == nil {
			t.Errorf("%s: want TLS first, then plain text (sslmode=prefer); got %+v", want, cc.Fallbacks)
		}
		if cc.ValidateConnect != nil || cc.Password != "pw" ||
			cc.RuntimeParams["default_transaction_read_only"] != "on" || cc.RuntimeParams["application_name"] != "app" {
			t.Errorf("%s: validate %v, params %v", want, cc.ValidateConnect != nil, cc.RuntimeParams)
		}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["default_transaction_read_only"]; ok || cfg.ConnConfig.ValidateConnect == nil {
		t.Error("splitHosts changed the config it was given")
	}
}

func TestFromDBRejectsStandbys(t *testing.T) {
	db, _, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = FromDB(db, Options{Replicas: ReplicaOptions{Standbys: []string{"postgres://h/db"}}})
	if !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("FromDB with standbys: %v, want ErrInvalidOptions", err)
	}
}

func TestReplicaWithoutStandbysReadsThePrimary(t *testing.T) {
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	p, err := FromDB(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// On the primary, a read runs in a read-only transaction of its own.
	mock.ExpectBegin()
	mock.ExpectQuery("SELECT 1").WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(1))
	mock.ExpectCommit()
	cur, err := p.Replica().Execute(t.Context(), "SELECT 1").Await(t.Context())
	var n int
	if err != nil || cur.FetchOne(&n) != nil || n != 1 {
		t.Fatalf("Replica on a pool without standbys: %v, %d", err, n)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

func TestReadYourWritesUnknownPosition(t *testing.T) {
	w := &ReadYourWrites{writes: 2} // writes 1 and 2 started
	w.record(2, 0, errors.New("connection lost"))
	if w.LSN() != positionUnknown || w.LSN().String() != "FFFFFFFF/FFFFFFFF" {
		t.Fatalf("after a lost position: %v", w.LSN())
	}
	w.record(1, 500, nil)
	if w.LSN() != positionUnknown {
		t.Errorf("write 1, started before the position of write 2 was lost, vouched for it: %v", w.LSN())
	}
	w.writes = 3
	w.record(3, 700, nil)
	w.record(3, 600, nil)
	if w.LSN() != 700 {
		t.Errorf("after a later write's position: %v, want 0/2BC", w.LSN())
	}
}
