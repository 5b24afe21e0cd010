package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"cloud.google.com/go/storage"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/deltaplan/deltaplan/delta"
)

type gcsBackend struct {
	bucket *storage.BucketHandle
	name   string
}

func newGCS(ctx context.Context, loc Location, o options) (backend, error) {
	// NewClient honours STORAGE_EMULATOR_HOST (no authentication then) and
	// otherwise uses application default credentials.
	c, err := storage.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: GCS client (application default credentials): %v", ErrConfig, err)
	}
	// Reads and listings are idempotent: retry every transient failure
	// (429, 5xx, cut connections) with exponential backoff.
	c.SetRetry(
		storage.WithBackoff(gax.Backoff{Initial: min(50*time.Millisecond, o.maxBackoff), Max: o.maxBackoff, Multiplier: 2}),
		storage.WithPolicy(storage.RetryAlways),
		storage.WithMaxAttempts(o.maxAttempts),
	)
	return &gcsBackend{bucket: c.Bucket(loc.Bucket), name: loc.Bucket}, nil
}

func (b *gcsBackend) check(ctx context.Context) error {
	_, err := b.bucket.Attrs(ctx)
	if err != nil {
		if errors.Is(err, storage.ErrBucketNotExist) {
			return fmt.Errorf("%w: %s", ErrBucketNotFound, b.name)
		}
		return classifyGCS(err)
	}
	return nil
}

func (b *gcsBackend) list(ctx context.Context, prefix, startAfter string) ([]delta.FileInfo, error) {
	q := &storage.Query{Prefix: prefix, Delimiter: "/", StartOffset: startAfter}
	if err := q.SetAttrSelection([]string{"Name", "Size", "Updated"}); err != nil {
		return nil, err
	}
	var out []delta.FileInfo
	it := b.bucket.Objects(ctx, q)
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, classifyGCS(err)
		}
		if a.Prefix != "" {
			continue // a "directory"
		}
		out = append(out, delta.FileInfo{Path: a.Name, Size: a.Size, ModTime: a.Updated})
	}
	return out, nil
}

func (b *gcsBackend) get(ctx context.Context, key string, off, n int64) ([]byte, error) {
	r, err := b.bucket.Object(key).NewRangeReader(ctx, off, n)
	if err != nil {
		var ge *googleapi.Error
		if n >= 0 && errors.As(err, &ge) && ge.Code == http.StatusRequestedRangeNotSatisfiable {
			return []byte{}, nil
		}
		return nil, classifyGCS(err)
	}
	defer r.Close()
	want := r.Attrs.Size - r.Attrs.StartOffset
	if n >= 0 && n < want {
		want = n
	}
	if want < 0 {
		want = 0
	}
	return readBody(r, &want)
}

func (b *gcsBackend) stat(ctx context.Context, key string) (delta.FileInfo, error) {
	a, err := b.bucket.Object(key).Attrs(ctx)
	if err != nil {
		return delta.FileInfo{}, classifyGCS(err)
	}
	return delta.FileInfo{Path: key, Size: a.Size, ModTime: a.Updated}, nil
}

func classifyGCS(err error) error {
	switch {
	case errors.Is(err, storage.ErrObjectNotExist):
		return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
	case errors.Is(err, storage.ErrBucketNotExist):
		return fmt.Errorf("%w: %v", ErrBucketNotFound, err)
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch ge.Code {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: %v", ErrAccessDenied, err)
		}
	}
	return err
}
