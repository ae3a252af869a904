package driver

import (
	"context"
	"crypto/tls"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// DialConfig is the pgx configuration of one dial, as a Connector makes
// it: a copy of ConnConfig, adjusted by BeforeConnect when it is set. Its
// error wraps ErrBeforeConnect. It is there for code that dials pgx
// itself beside a Connector and needs the same credentials (package
// pool's replica checks do).
func (c *Config) DialConfig(ctx context.Context) (cfg *pgx.ConnConfig, err error) {
	cfg = c.ConnConfig.Copy()
	if c.BeforeConnect == nil {
		return cfg, nil
	}
	isolateTLS(cfg.TLSConfig)
	for _, fb := range cfg.Fallbacks {
		isolateTLS(fb.TLSConfig)
	}
	defer func() {
		// The hook is the caller's code, run on database/sql's or the
		// pool's goroutines, where a panic would end the program.
		if r := recover(); r != nil {
			cfg, err = nil, fmt.Errorf("%w: panic: %v", ErrBeforeConnect, r)
		}
	}()
	if err := c.BeforeConnect(ctx, cfg); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBeforeConnect, err)
	}
	return cfg, nil
}

// beforeConnect is stdlib's BeforeConnect for a Config with a hook: it
// replaces stdlib's shallow copy of the connector's configuration with
// DialConfig's deep one (the hook may change maps and slices, such as
// RuntimeParams, without reaching the next dial), whose DialFunc, the
// user's or the hook's, is metered like every dial's.
func (c *Connector) beforeConnect(ctx context.Context, dialCfg *pgx.ConnConfig) error {
	cfg, err := c.cfg.DialConfig(ctx)
	if err != nil {
		return err
	}
	cfg.DialFunc = meteredDial(cfg.DialFunc)
	*dialCfg = *cfg
	return nil
}

// isolateTLS gives a copied TLS configuration certificates and roots of
// its own: tls.Config.Clone shares them, and a hook that rotates a client
// certificate in place would change every later dial's too, while others
// read them.
func isolateTLS(tc *tls.Config) {
	if tc == nil {
		return
	}
	tc.Certificates = slices.Clone(tc.Certificates)
	if tc.RootCAs != nil {
		tc.RootCAs = tc.RootCAs.Clone()
	}
}
