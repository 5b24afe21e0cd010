package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/deltaplan/deltaplan/delta"
)

// backend is one store's SDK behind the common Store logic. Keys are full
// object keys inside the bucket.
type backend interface {
	// list returns the objects directly under the "directory" of prefix
	// (delimiter '/') whose keys start with prefix and sort after
	// startAfter, in any order.
	list(ctx context.Context, prefix, startAfter string) ([]delta.FileInfo, error)
	// get reads n bytes at off, or the whole object when n < 0. A range
	// starting at or past the end yields no bytes and no error.
	get(ctx context.Context, key string, off, n int64) ([]byte, error)
	stat(ctx context.Context, key string) (delta.FileInfo, error)
	// check verifies that the bucket exists and the credentials work.
	check(ctx context.Context) error
}

// Option configures Open.
type Option func(*options)

type options struct {
	maxInFlight int
	maxAttempts int           // per request, first try included
	maxBackoff  time.Duration // cap of the jittered exponential backoff
	sdk         *sdkLog       // receives the SDKs' log messages
}

// WithRetry sets how many times a throttled or failed request is tried
// (default 6) and the longest wait between tries (default 5 s).
func WithRetry(attempts int, maxBackoff time.Duration) Option {
	return func(o *options) {
		if attempts > 0 {
			o.maxAttempts = attempts
		}
		if maxBackoff > 0 {
			o.maxBackoff = maxBackoff
		}
	}
}

// WithMaxInFlight bounds the requests a Store has in flight at once
// (default 32).
func WithMaxInFlight(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxInFlight = n
		}
	}
}

// Store is delta.Storage over one table root in an object store.
type Store struct {
	loc    Location
	be     backend
	sem    chan struct{}
	redact func(string) string

	mu    sync.Mutex
	sizes map[string]int64 // immutable log files: size from the last listing

	attempts   int           // tries per idempotent request (retry)
	maxBackoff time.Duration // cap of retry's backoff
	sdk        *sdkLog       // what the SDKs logged, for our errors
}

var _ delta.Storage = (*Store)(nil)

// Open connects to the store loc names (storage.Parse makes loc from a
// LOCATION), using the environment for
// settings and credentials, and checks that the bucket exists and the
// credentials are accepted. It does not check for a Delta table: delta.Open
// does.
func Open(ctx context.Context, loc Location, opts ...Option) (*Store, error) {
	if loc.Bucket == "" {
		return nil, fmt.Errorf("%w: %s names no bucket", ErrUnsupportedLocation, loc.URI())
	}
	var err error
	o := options{maxInFlight: 32, maxAttempts: 6, maxBackoff: 5 * time.Second, sdk: &sdkLog{}}
	for _, f := range opts {
		f(&o)
	}
	redact := newRedactor()
	var be backend
	switch loc.Provider {
	case S3:
		be, err = newS3(ctx, loc, o)
	case GCS:
		be, err = newGCS(ctx, loc, o)
	default:
		be, err = newAzure(ctx, loc, o)
	}
	if err != nil {
		return nil, &redactedError{msg: redact(fmt.Sprintf("open %s: %v", loc.URI(), err)), cause: err}
	}
	s := &Store{loc: loc, be: be, sem: make(chan struct{}, o.maxInFlight), redact: redact, sizes: map[string]int64{},
		attempts: max(o.maxAttempts, 3), maxBackoff: o.maxBackoff, sdk: o.sdk}
	if err := s.retry(ctx, func() error { return s.do(ctx, func() error { return be.check(ctx) }) }); err != nil {
		return nil, s.wrap("open", "", err)
	}
	return s, nil
}

// Location returns the parsed location.
func (s *Store) Location() Location { return s.loc }

// URI returns the canonical table root URI (scheme://bucket/prefix).
func (s *Store) URI() string { return s.loc.URI() }

// do runs one request under the in-flight bound.
func (s *Store) do(ctx context.Context, f func() error) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.sem }()
	return f()
}

// List implements delta.Storage.
func (s *Store) List(ctx context.Context, prefix, startAfter string) ([]delta.FileInfo, error) {
	sa := ""
	if startAfter != "" {
		sa = s.loc.key(startAfter)
	}
	var out []delta.FileInfo
	err := s.retry(ctx, func() error {
		return s.do(ctx, func() error {
			var err error
			out, err = s.be.list(ctx, s.loc.key(prefix), sa)
			return err
		})
	})
	if err != nil {
		return nil, s.wrap("list", prefix, err)
	}
	keep := out[:0]
	for _, fi := range out {
		// Stores differ in whether the start offset is inclusive; the
		// contract is "after".
		if sa != "" && fi.Path <= sa {
			continue
		}
		fi.Path = s.loc.rel(fi.Path)
		keep = append(keep, fi)
	}
	out = keep
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if len(out) == 0 && startAfter == "" {
		// Object stores have no directories: nothing under the prefix is
		// the missing directory of the contract.
		return nil, fmt.Errorf("list %s: %w", s.objectURI(prefix), fs.ErrNotExist)
	}
	s.mu.Lock()
	for _, fi := range out {
		if immutableLogFile(fi.Path) {
			s.sizes[fi.Path] = fi.Size
		}
	}
	s.mu.Unlock()
	return out, nil
}

// Read implements delta.Storage. The Delta reader fetches commits
// concurrently (delta.WithConcurrency); the store bounds what is in flight.
func (s *Store) Read(ctx context.Context, path string) ([]byte, error) {
	return s.readWhole(ctx, path)
}

// readWhole reads one object (retried, cut responses included), and
// refuses a log file whose length differs from its listed size.
func (s *Store) readWhole(ctx context.Context, path string) ([]byte, error) {
	s.mu.Lock()
	want, known := s.sizes[path]
	s.mu.Unlock()
	var data []byte
	err := s.retry(ctx, func() error {
		return s.do(ctx, func() error {
			var err error
			data, err = s.be.get(ctx, s.loc.key(path), 0, -1)
			if err == nil && known && int64(len(data)) != want {
				err = fmt.Errorf("%w: got %d bytes, listed size %d", ErrShortRead, len(data), want)
			}
			return err
		})
	})
	if err != nil {
		return nil, s.wrap("read", path, err)
	}
	return data, nil
}

// ReadRange implements delta.Storage.
func (s *Store) ReadRange(ctx context.Context, path string, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("read %s: invalid range %d+%d", s.objectURI(path), off, n)
	}
	if n == 0 {
		return []byte{}, nil
	}
	s.mu.Lock()
	size, known := s.sizes[path]
	s.mu.Unlock()
	var data []byte
	err := s.retry(ctx, func() error {
		return s.do(ctx, func() error {
			var err error
			data, err = s.be.get(ctx, s.loc.key(path), off, n)
			if err == nil && int64(len(data)) > n {
				err = fmt.Errorf("%w: asked %d bytes at %d, got %d", ErrShortRead, n, off, len(data))
			}
			if err == nil && known && int64(len(data)) < min(n, max(size-off, 0)) {
				err = fmt.Errorf("%w: asked %d bytes at %d of %d, got %d", ErrShortRead, n, off, size, len(data))
			}
			return err
		})
	})
	if err != nil {
		return nil, s.wrap("read", path, fmt.Errorf("range %d+%d: %w", off, n, err))
	}
	return data, nil
}

// Stat implements delta.Storage.
func (s *Store) Stat(ctx context.Context, path string) (delta.FileInfo, error) {
	var fi delta.FileInfo
	err := s.retry(ctx, func() error {
		return s.do(ctx, func() error {
			var err error
			fi, err = s.be.stat(ctx, s.loc.key(path))
			return err
		})
	})
	if err != nil {
		return delta.FileInfo{}, s.wrap("stat", path, err)
	}
	fi.Path = path
	return fi, nil
}

// retry runs one idempotent request (a read, a listing, a stat) until it
// succeeds, fails for good, or has been tried maxAttempts times, waiting a
// jittered exponential backoff (50 ms doubling, capped at maxBackoff)
// between tries. The SDKs retry what they recognize (throttling, 5xx);
// this also covers what they hand back: bodies cut short (a listing's
// "deserialization failed ... unexpected EOF" included), connections reset
// mid-answer, and SDK retries that ran out under a burst of faults.
func (s *Store) retry(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < s.attempts; attempt++ {
		if attempt > 0 {
			d := min(s.maxBackoff, 50*time.Millisecond<<min(attempt-1, 16))
			d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) // jitter: [d/2, d]
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return err
			}
		}
		if err = f(); err == nil || permanent(ctx, err) {
			return err
		}
	}
	return err
}

// permanent reports an error that trying again cannot change: a missing
// object or bucket, refused credentials, a broken configuration, or the
// caller giving up.
func permanent(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrBucketNotFound) || errors.Is(err, ErrAccessDenied) ||
		errors.Is(err, ErrConfig)
}

func (s *Store) objectURI(path string) string {
	if path == "" {
		return s.loc.URI()
	}
	return s.loc.URI() + "/" + path
}

// wrap names the operation and object and strips secrets from the cause's
// text while keeping it for errors.Is.
func (s *Store) wrap(op, path string, err error) error {
	if re, ok := err.(*redactedError); ok {
		err = re.cause
	}
	msg := fmt.Sprintf("%s %s: %v", op, s.objectURI(path), err)
	if last, n := s.sdk.take(); n > 0 {
		msg += fmt.Sprintf(" (the store's SDK logged %d message(s), the last: %s)", n, last)
	}
	return &redactedError{msg: s.redact(msg), cause: err}
}

// redactedError carries a message with secrets removed; Unwrap keeps the
// cause for errors.Is/As.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

var sigParam = regexp.MustCompile(`(?i)((?:sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential)=)[^&\s"]+`)

// newRedactor returns a function removing the secret values of the
// environment (and signed-URL parameters) from a message.
func newRedactor() func(string) string {
	var secrets []string
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN"} {
		if v := os.Getenv(k); len(v) >= 4 {
			secrets = append(secrets, v)
		}
	}
	for _, part := range strings.Split(os.Getenv("AZURE_STORAGE_CONNECTION_STRING"), ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok && len(v) >= 4 && (strings.EqualFold(k, "AccountKey") || strings.EqualFold(k, "SharedAccessSignature")) {
			secrets = append(secrets, v)
		}
	}
	return func(msg string) string {
		for _, sec := range secrets {
			msg = strings.ReplaceAll(msg, sec, "[REDACTED]")
		}
		return sigParam.ReplaceAllString(msg, "${1}[REDACTED]")
	}
}

// immutableLogFile: commits and checkpoints never change once written, so
// their listed size must match what a read returns.
func immutableLogFile(path string) bool {
	name, ok := strings.CutPrefix(path, "_delta_log/")
	if !ok || len(name) < 21 || name[20] != '.' {
		return false
	}
	for i := 0; i < 20; i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}
