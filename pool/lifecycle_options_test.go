package pool

import (
	"testing"
	"time"
)

func TestLifecycleDefaults(t *testing.T) {
	tests := []struct {
		name                     string
		in                       Options
		lifetime, jitter, health time.Duration
	}{
		{"zero: the defaults", Options{}, time.Hour, 6 * time.Minute, time.Minute},
		{"jitter follows the lifetime", Options{MaxLifetime: 10 * time.Second}, 10 * time.Second, time.Second, time.Minute},
		{"negative: off", Options{MaxLifetime: -1, MaxLifetimeJitter: -1, HealthCheckPeriod: -1}, -1, -1, -1},
		{"no lifetime, no jitter", Options{MaxLifetime: -1}, -1, 0, time.Minute},
	}
	for _, tt := range tests {
		o, err := tt.in.resolve()
		if err != nil {
			t.Fatal(err)
		}
		if o.MaxLifetime != tt.lifetime || o.MaxLifetimeJitter != tt.jitter || o.HealthCheckPeriod != tt.health {
			t.Errorf("%s: lifetime %v jitter %v health %v, want %v %v %v", tt.name,
				o.MaxLifetime, o.MaxLifetimeJitter, o.HealthCheckPeriod, tt.lifetime, tt.jitter, tt.health)
		}
	}
}

func TestNewTakesLifecycleFromDSNWhereOptionsLeaveZero(t *testing.T) {
	const dsn = "postgres://u@127.0.0.1:1/db?max_lifetime=2s&max_lifetime_jitter=1s&health_check_period=-1s"
	p, err := New(dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if o := p.Options(); o.MaxLifetime != 2*time.Second || o.MaxLifetimeJitter != time.Second || o.HealthCheckPeriod != -time.Second {
		t.Errorf("from the DSN: lifetime %v jitter %v health %v, want 2s 1s -1s", o.MaxLifetime, o.MaxLifetimeJitter, o.HealthCheckPeriod)
	}
	q, err := New(dsn, Options{MaxLifetime: time.Minute, HealthCheckPeriod: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if o := q.Options(); o.MaxLifetime != time.Minute || o.MaxLifetimeJitter != time.Second || o.HealthCheckPeriod != 5*time.Second {
		t.Errorf("Options win: lifetime %v jitter %v health %v, want 1m 1s 5s", o.MaxLifetime, o.MaxLifetimeJitter, o.HealthCheckPeriod)
	}
}
