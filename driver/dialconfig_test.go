package driver_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// TestBeforeConnectRotatesItsOwnCertificates: a hook that rotates a
// client certificate or adds a root in place changes that dial's
// configuration only.
func TestBeforeConnectRotatesItsOwnCertificates(t *testing.T) {
	cfg, err := driver.ParseConfig("postgres://app@127.0.0.1:1/app")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	cfg.ConnConfig.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{OCSPStaple: []byte("configured")}}, RootCAs: roots}
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		cc.TLSConfig.Certificates[0].OCSPStaple = []byte("rotated")
		cc.TLSConfig.RootCAs.AddCert(&x509.Certificate{Raw: []byte("root"), RawSubject: []byte("root")})
		return nil
	}
	dial, err := cfg.DialConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(cfg.ConnConfig.TLSConfig.Certificates[0].OCSPStaple); got != "configured" {
		t.Errorf("the Config's certificate after one dial's hook: %q, want %q", got, "configured")
	}
	if cfg.ConnConfig.TLSConfig.RootCAs.Equal(dial.TLSConfig.RootCAs) {
		t.Errorf("the hook's root reached the Config's pool")
	}
}
