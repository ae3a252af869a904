package pool

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/momoko-go/momoko/driver"
)

func TestLSNText(t *testing.T) {
	for _, s := range []string{"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF"} {
		l, err := ParseLSN(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLSN(%q) = %v, %v; String %q", s, uint64(l), err, l.String())
		}
	}
	if l, _ := ParseLSN("16/B374D848"); l != LSN(0x16_B374D848) {
		t.Errorf("16/B374D848 = %#x", uint64(l))
	}
	for _, s := range []string{"", "16", "16/", "/1", "G/1", "1/100000000", "-1/1"} {
		if _, err := ParseLSN(s); err == nil {
			t.Errorf("ParseLSN(%q) succeeded", s)
		}
	}
}

func TestWALHistoryLag(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &walHistory{keep: 4}
	if lag, known := h.lag(0, t0); lag != 0 || !known {
		t.Errorf("no samples: lag %v, %v", lag, known)
	}
	for i := range 6 {
		h.add(walSample{at: t0.Add(time.Duration(i) * time.Second), lsn: LSN(100 * (i + 1))}, 1)
	}
	// Kept: 300@2s, 400@3s, 500@4s, 600@5s.
	now := t0.Add(5 * time.Second)
	for _, c := range []struct {
		replayed LSN
		want     time.Duration
		known    bool
	}{
		{600, 0, true}, {700, 0, true}, // has what the primary had at the last sample
		{599, 0, true},               // behind only the sample taken now
		{500, 0, true},               // behind 600@5s
		{450, time.Second, true},     // behind 500@4s
		{300, 2 * time.Second, true}, // behind 400@3s
		{10, 3 * time.Second, false}, // behind every kept sample: at least the oldest's age
	} {
		if lag, known := h.lag(c.replayed, now); lag != c.want || known != c.known {
			t.Errorf("replayed %d: lag %v, %v; want %v, %v", c.replayed, lag, known, c.want, c.known)
		}
	}
	// A promoted standby's positions start over, on a timeline of their
	// own, even when they go on from the old primary's.
	h.add(walSample{at: now, lsn: 50}, 1)
	if len(h.samples) != 1 {
		t.Errorf("after a lower position: %v", h.samples)
	}
	h.add(walSample{at: now, lsn: 700}, 2)
	if len(h.samples) != 1 || h.timeline != 2 {
		t.Errorf("after a new timeline: %v on %d", h.samples, h.timeline)
	}
}

func TestStandbyLag(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &walHistory{keep: 8}
	h.add(walSample{at: t0, lsn: 1000}, 1)
	now := t0.Add(50 * time.Millisecond)
	age := func(s float64) *float64 { return &s }
	for _, c := range []struct {
		name         string
		replayed     LSN
		primaryKnown bool
		replayAge    *float64
		receiveLag   float64
		want         time.Duration
	}{
		{"caught up", 1000, true, age(3600), 0, 0},
		{"behind the only sample: its last replayed transaction bounds the lag", 900, true, age(3), 0, 3 * time.Second},
		{"behind the only sample, never replayed a transaction", 900, true, nil, 0, forever},
		{"primary not asked: WAL waiting to be replayed", 1000, false, age(2), 2, 2 * time.Second},
		{"primary known: the history wins over the receive lag", 1000, true, age(2), 2, 0},
	} {
		if got := standbyLag(h, c.replayed, now, c.primaryKnown, c.replayAge, c.receiveLag); got != c.want {
			t.Errorf("%s: lag %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCoversPageHeader(t *testing.T) {
	rs := &replicas{}
	const page = 8192
	if !rs.covers(2*page, 2*page) || rs.covers(2*page, 2*page+24) {
		t.Error("without the page size, only positions at or before the replay are covered")
	}
	rs.blockSize.Store(page)
	for _, c := range []struct {
		replayed, after LSN
		want            bool
	}{
		{2 * page, 2*page + 24, true},  // a record ended on the boundary; the insert position is after the short header
		{2 * page, 2*page + 40, true},  // after a segment's long header
		{2 * page, 2*page + 48, false}, // a record fits in there
		{2*page - 8, 2*page + 24, false},
		{2*page + 8, 2*page + 32, false},
	} {
		if got := rs.covers(c.replayed, c.after); got != c.want {
			t.Errorf("covers(%d, %d) = %v, want %v", c.replayed, c.after, got, c.want)
		}
	}
}

func TestWALHistoryKeepsMaxLagWorth(t *testing.T) {
	h := newWALHistory(ReplicaOptions{MaxReplicaLag: 10 * time.Second, CheckPeriod: 100 * time.Millisecond})
	if h.keep != 102 {
		t.Errorf("keep %d, want 102", h.keep)
	}
	if h := newWALHistory(ReplicaOptions{MaxReplicaLag: -1, CheckPeriod: time.Second}); h.keep != 64 {
		t.Errorf("no bound: keep %d, want 64", h.keep)
	}
}

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

func TestStandbyLagBeyondTheHistory(t *testing.T) {
	ro := ReplicaOptions{MaxReplicaLag: 2 * time.Hour, CheckPeriod: time.Second}
	h := newWALHistory(ro)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 * 3600 { // 3h of samples, more than the history keeps
		h.add(walSample{at: t0.Add(time.Duration(i) * time.Second), lsn: LSN(1000 + i)}, 1)
	}
	now := t0.Add(3 * time.Hour)
	replayAge := (3 * time.Hour).Seconds() // its last replayed transaction
	if lag := standbyLag(h, 10, now, true, &replayAge, 0); lag < 3*time.Hour {
		t.Errorf("standby 3h behind: lag %v", lag)
	}
}
