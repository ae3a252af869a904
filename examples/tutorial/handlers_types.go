package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/momoko-go/momoko/hstore"
	"github.com/momoko-go/momoko/jsonb"
)

// hstore sends an hstore argument and scans the server's answer back into
// hstore.Hstore; a nil value is hstore's NULL.
func (a *app) hstore(ctx context.Context, w io.Writer) error {
	in := hstore.Hstore{"colour": hstore.Text("red"), "size": nil}
	cur, err := a.db.Execute(ctx, "SELECT $1::hstore || 'shape=>round'::hstore", in).Await(ctx)
	if err != nil {
		return err
	}
	var out hstore.Hstore
	if err := cur.FetchOne(&out); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(out)) {
		if v := out[k]; v != nil {
			fmt.Fprintf(w, "%s=%s\n", k, *v)
		} else {
			fmt.Fprintf(w, "%s=NULL\n", k)
		}
	}
	return nil
}

// profile is the Go side of the json page's document.
type profile struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// json sends a Go value as jsonb, lets the server add to it and decodes the
// result into the same Go type.
func (a *app) json(ctx context.Context, w io.Writer) error {
	cur, err := a.db.Execute(ctx, `SELECT $1::jsonb || '{"tags": ["momoko", "go"]}'::jsonb`,
		jsonb.Valid(profile{Name: "Ada"})).Await(ctx)
	if err != nil {
		return err
	}
	var out jsonb.JSON[profile]
	if err := cur.FetchOne(&out); err != nil {
		return err
	}
	fmt.Fprintf(w, "name=%s tags=%v\n", out.V.Name, out.V.Tags)
	return nil
}
