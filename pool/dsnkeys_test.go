package pool

import (
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
)

// Each of momoko's DSN keys that has an Options field reaches the pool
// through New: Options() shows the DSN's value where the options leave
// the field zero, and the given value where they set it.
func TestNewTakesEveryDSNKey(t *testing.T) {
	const base = "postgres://u@127.0.0.1:1/db?"
	tests := []struct {
		key, value string
		field      func(Options) time.Duration
		set        func(*Options, time.Duration)
	}{
		{driver.KeyReconnectInterval, "3s", func(o Options) time.Duration { return o.ReconnectInterval },
			func(o *Options, d time.Duration) { o.ReconnectInterval = d }},
		{driver.KeyPingAfterIdle, "3s", func(o Options) time.Duration { return o.PingAfterIdle },
			func(o *Options, d time.Duration) { o.PingAfterIdle = d }},
		{driver.KeyPingAfterIdle, "-1s", func(o Options) time.Duration { return o.PingAfterIdle },
			func(o *Options, d time.Duration) { o.PingAfterIdle = d }},
		{driver.KeyMaxLifetime, "3s", func(o Options) time.Duration { return o.MaxLifetime },
			func(o *Options, d time.Duration) { o.MaxLifetime = d }},
		{driver.KeyMaxLifetimeJitter, "3s", func(o Options) time.Duration { return o.MaxLifetimeJitter },
			func(o *Options, d time.Duration) { o.MaxLifetimeJitter = d }},
		{driver.KeyHealthCheckPeriod, "3s", func(o Options) time.Duration { return o.HealthCheckPeriod },
			func(o *Options, d time.Duration) { o.HealthCheckPeriod = d }},
	}
	for _, tt := range tests {
		want, _ := time.ParseDuration(tt.value)
		dsn := base + tt.key + "=" + tt.value
		p, err := New(dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := tt.field(p.Options()); got != want {
			t.Errorf("%s=%s: Options() has %v", tt.key, tt.value, got)
		}
		p.Close()
		var given Options
		tt.set(&given, 2*time.Second)
		p, err = New(dsn, given)
		if err != nil {
			t.Fatal(err)
		}
		if got := tt.field(p.Options()); got != 2*time.Second {
			t.Errorf("%s=%s with the option set to 2s: Options() has %v", tt.key, tt.value, got)
		}
		p.Close()
	}
}

// What the connector acts on is what Options() shows.
func TestNewGivesTheConnectorTheDSNsIntervals(t *testing.T) {
	p, err := New("postgres://u@127.0.0.1:1/db?ping_after_idle=3s&reconnect_interval=3s", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.connector.PingAfterIdle(); got != 3*time.Second {
		t.Errorf("the connector pings after %v idle, want 3s", got)
	}
	q, err := New("postgres://u@127.0.0.1:1/db?ping_after_idle=3s", Options{PingAfterIdle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if got := q.connector.PingAfterIdle(); got != time.Second {
		t.Errorf("with PingAfterIdle 1s the connector pings after %v idle", got)
	}
}

// A standby's own DSN keys fill what the options leave zero; the options
// given win over them.
func TestStandbyTakesItsOwnDSNKeys(t *testing.T) {
	const standby = "postgres://u@127.0.0.1:2/db?reconnect_interval=3s&max_lifetime=4s"
	p, err := New("postgres://u@127.0.0.1:1/db?reconnect_interval=5s", Options{
		MaxLifetime: time.Minute, Replicas: ReplicaOptions{Standbys: []string{standby}}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if o := p.Options(); o.ReconnectInterval != 5*time.Second || o.MaxLifetime != time.Minute {
		t.Errorf("primary: reconnect interval %v, lifetime %v; want 5s from its DSN, 1m given", o.ReconnectInterval, o.MaxLifetime)
	}
	if o := p.replicas.members[0].pool.Options(); o.ReconnectInterval != 3*time.Second || o.MaxLifetime != time.Minute {
		t.Errorf("standby: reconnect interval %v, lifetime %v; want 3s from its DSN, 1m given", o.ReconnectInterval, o.MaxLifetime)
	}
}

// The pool repairs its floor every ReconnectInterval: a DSN's 0 is the
// default there, and a negative interval is rejected as in Options.
func TestNewReconnectIntervalZeroOrNegative(t *testing.T) {
	p, err := New("postgres://u@127.0.0.1:1/db?reconnect_interval=0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.Options().ReconnectInterval; got != DefaultReconnectInterval {
		t.Errorf("reconnect_interval=0: %v, want the default", got)
	}
	if _, err := New("postgres://u@127.0.0.1:1/db?reconnect_interval=-1s", Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("reconnect_interval=-1s: %v, want ErrInvalidOptions", err)
	}
}

// The DSN's max_waiting reaches the pool where Options leave MaxWaiting
// zero; a value given in Options wins, and a negative one is rejected.
func TestNewTakesMaxWaitingFromDSN(t *testing.T) {
	const dsn = "postgres://u@127.0.0.1:1/db?" + driver.KeyMaxWaiting + "=7"
	for _, tt := range []struct{ given, want int }{{0, 7}, {2, 2}} {
		p, err := New(dsn, Options{MaxWaiting: tt.given})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Options().MaxWaiting; got != tt.want {
			t.Errorf("max_waiting=7, Options.MaxWaiting %d: Options() has %d, want %d", tt.given, got, tt.want)
		}
		p.Close()
	}
	if _, err := New("postgres://u@127.0.0.1:1/db", Options{MaxWaiting: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("MaxWaiting -1: %v, want ErrInvalidOptions", err)
	}
}

// The DSN's read_groups=true turns the pool's read groups on; Options
// can turn them on whatever the DSN says.
func TestNewTakesReadGroupsFromDSN(t *testing.T) {
	for _, tt := range []struct {
		dsn       string
		given, on bool
	}{
		{"postgres://u@127.0.0.1:1/db?" + driver.KeyReadGroups + "=true", false, true},
		{"postgres://u@127.0.0.1:1/db?" + driver.KeyReadGroups + "=false", true, true},
		{"postgres://u@127.0.0.1:1/db", false, false},
	} {
		p, err := New(tt.dsn, Options{ReadGroups: tt.given})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Options().ReadGroups; got != tt.on {
			t.Errorf("%s, Options.ReadGroups %v: Options() has %v, want %v", tt.dsn, tt.given, got, tt.on)
		}
		if on := p.writers != nil; on != tt.on {
			t.Errorf("%s, Options.ReadGroups %v: groups on %v", tt.dsn, tt.given, on)
		}
		p.Close()
	}
}
