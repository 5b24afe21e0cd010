package main

import (
	"context"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/objstore"
)

// openTable opens a LOCATION: object-store URIs (s3://, s3a://, gs://, az://,
// abfss://) through objstore, anything else (local paths, file:// URIs) as
// delta.Open does. On a terminal, snapshot loads show progress on stderr.
func openTable(ctx context.Context, location string) (*delta.Table, error) {
	if !objstore.IsObjectStore(location) {
		return delta.Open(ctx, location, progressOptions()...)
	}
	st, err := objstore.Open(ctx, location)
	if err != nil {
		return nil, err
	}
	// Relative and absolute (s3://…) paths in the log resolve against the
	// store's canonical root, so adds and removes in either form cancel.
	opts := append([]delta.Option{delta.WithStorage(st), delta.WithRoot(st.URI())}, progressOptions()...)
	return delta.Open(ctx, location, opts...)
}
