package pool

import (
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
)

func TestOptionsDefaults(t *testing.T) {
	o, err := Options{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if o.Size != 1 || o.MaxSize != 1 || o.ReconnectInterval != 500*time.Millisecond || o.MaxPipeline != DefaultMaxPipeline ||
		o.ShrinkDelay != 2*time.Minute || o.ShrinkPeriod != 2*time.Minute || o.IgnoreConnectErrors || o.Logger == nil {
		t.Fatalf("defaults %+v", o)
	}
	o, err = Options{Size: 3}.resolve()
	if err != nil || o.MaxSize != 3 {
		t.Fatalf("MaxSize defaults to Size: %+v, %v", o, err)
	}
}

func TestOptionsRejectNonsense(t *testing.T) {
	for _, o := range []Options{
		{Size: -1},
		{Size: 3, MaxSize: 2},
		{ReconnectInterval: -time.Second},
		{ShrinkDelay: -1},
		{ShrinkPeriod: -1},
		{AcquireTimeout: -1},
		{LeakThreshold: -1},
		{MaxPipeline: -1},
	} {
		if _, err := o.resolve(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: %v, want ErrInvalidOptions", o, err)
		}
		if _, err := New("postgres://localhost/db", o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("New with %+v: %v, want ErrInvalidOptions", o, err)
		}
	}
}

func TestNewDoesNoIOAndHidesPassword(t *testing.T) {
	p, err := New("postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if s := p.Stats().String(); s != "<momoko.Pool: 0 free, 0 busy, 0 dead, 0 pending, 0 waiting>" {
		t.Fatalf("Stats of an unconnected pool: %s", s)
	}
	_, err = New("postgres://u:s3cret@127.0.0.1:1/db?reconnect_interval=soon", Options{})
	var cfgErr *driver.ConfigError
	if !errors.As(err, &cfgErr) || cfgErr.Key != driver.KeyReconnectInterval {
		t.Fatalf("a bad reconnect_interval: %v, want a *driver.ConfigError for %s", err, driver.KeyReconnectInterval)
	}
	if contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
