// Package storage is the one place a LOCATION is parsed. A LOCATION is a
// local path, a file:// URI or an object-store URI (s3://, s3a://, gs://,
// az://, abfss://); Parse turns it into a Location, and OpenTable and
// OpenWritable open what it names: a delta.Table for reading, a
// deltawrite.Storage for writing. Everything below (delta, deltawrite,
// objstore) receives an opened storage and a table root, never a string to
// parse again.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/objstore"
)

// ErrUnsupportedLocation: the LOCATION is malformed or names a scheme this
// program cannot read (hdfs://, http://, ...). It also satisfies
// errors.Is(err, delta.ErrUnsupportedScheme).
var ErrUnsupportedLocation = errors.New("unsupported location")

type locationError struct {
	msg string
}

func (e *locationError) Error() string { return e.msg }

func (e *locationError) Unwrap() []error {
	return []error{ErrUnsupportedLocation, delta.ErrUnsupportedScheme}
}

func errorf(format string, args ...any) error {
	return &locationError{msg: fmt.Sprintf("%v: ", ErrUnsupportedLocation) + fmt.Sprintf(format, args...)}
}

// schemeErrorf is errorf for a scheme no storage serves.
func schemeErrorf(format string, args ...any) error {
	return &locationError{msg: "unsupported location scheme: " + fmt.Sprintf(format, args...)}
}

// Location is a parsed LOCATION: a local directory (Path set) or an object
// store (Object set).
type Location struct {
	// Path is the absolute local directory, '/'-separated on every system;
	// "" for object stores.
	Path string
	// Object is the object-store location when Path is "".
	Object objstore.Location
}

// IsLocal reports whether the location is a local directory.
func (l Location) IsLocal() bool { return l.Path != "" }

// Root is the canonical table root that log paths resolve against: the
// absolute local path, or scheme://bucket/prefix.
func (l Location) Root() string {
	if l.IsLocal() {
		return l.Path
	}
	return l.Object.URI()
}

// Join returns the location of name under l (a table under a diagnostics
// directory, for example).
func (l Location) Join(name string) Location {
	if l.IsLocal() {
		l.Path = strings.TrimRight(l.Path, "/") + "/" + name
		return l
	}
	l.Object.Prefix = strings.Trim(strings.Trim(l.Object.Prefix, "/")+"/"+name, "/")
	return l
}

// Parse parses a LOCATION. A path without a scheme is local (made
// absolute against the working directory); file:// URIs name local paths
// (host empty or localhost); s3:// and s3a:// (S3), gs:// (GCS), az://
// (Azure container) and abfss://container@account.dfs.core.windows.net/
// (Azure Data Lake) name object stores. Anything else, hdfs:// included,
// is refused with ErrUnsupportedLocation naming the scheme. Credentials in
// a location are refused and never echoed.
func Parse(location string) (Location, error) {
	if strings.TrimSpace(location) == "" {
		return Location{}, errorf("empty location")
	}
	scheme := schemeOf(location)
	switch scheme {
	case "":
		return local(location, location)
	case "file":
		u, err := url.Parse(location)
		if err != nil {
			return Location{}, errorf("%s: %v", location, err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return Location{}, errorf("file URI with host %q in %s (only local files)", u.Host, location)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return Location{}, errorf("%s: query and fragment are not supported", location)
		}
		return local(u.Path, location)
	case "s3", "s3a", "gs", "az", "abfs", "abfss":
		o, err := parseObject(location)
		if err != nil {
			return Location{}, err
		}
		return Location{Object: o}, nil
	case "hdfs", "viewfs", "webhdfs":
		return Location{}, schemeErrorf("%s: HDFS is not supported; copy the table to local disk or an object store (s3://, gs://, az://, abfss://)", redact(location))
	}
	return Location{}, schemeErrorf("%q in %s (want a local path, file://, s3://, s3a://, gs://, az:// or abfss://)", scheme, redact(location))
}

// schemeOf returns the lower-cased URI scheme of s, "" for a local path
// (including Windows drive letters like C:\x).
func schemeOf(s string) string {
	i := strings.Index(s, ":")
	if i < 2 {
		return ""
	}
	for j := 0; j < i; j++ {
		c := s[j] | 0x20
		letter := 'a' <= c && c <= 'z'
		if !letter && (j == 0 || !('0' <= s[j] && s[j] <= '9' || s[j] == '+' || s[j] == '-' || s[j] == '.')) {
			return ""
		}
	}
	return strings.ToLower(s[:i])
}

func local(p, location string) (Location, error) {
	if p == "" {
		return Location{}, errorf("%s names no path", location)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return Location{}, fmt.Errorf("resolve %s: %w", location, err)
	}
	return Location{Path: filepath.ToSlash(abs)}, nil
}

// redact drops user information from a URI-like string for messages.
func redact(location string) string {
	if u, err := url.Parse(location); err == nil {
		return u.Redacted()
	}
	return "the location"
}

// parseObject parses s3://bucket/prefix, s3a://bucket/prefix,
// gs://bucket/prefix, az://container/prefix and
// abfss://container@account.dfs.core.windows.net/prefix.
func parseObject(location string) (objstore.Location, error) {
	if !strings.Contains(location, "://") {
		return objstore.Location{}, errorf("%q: want scheme://bucket/path", location)
	}
	u, err := url.Parse(location)
	if err != nil {
		return objstore.Location{}, errorf("%s: %v", redact(location), err)
	}
	scheme := strings.ToLower(u.Scheme)
	abfs := scheme == "abfss" || scheme == "abfs"
	if u.User != nil && !abfs {
		return objstore.Location{}, errorf("%q: credentials do not belong in the location; use the environment", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return objstore.Location{}, errorf("%q: query and fragment are not supported", u.Redacted())
	}
	loc := objstore.Location{Prefix: strings.Trim(u.Path, "/")}
	switch scheme {
	case "s3", "s3a":
		loc.Provider, loc.Bucket = objstore.S3, u.Host
	case "gs":
		loc.Provider, loc.Bucket = objstore.GCS, u.Host
	case "az":
		loc.Provider, loc.Bucket = objstore.Azure, u.Host
	default:
		loc.Provider = objstore.Azure
		if u.User == nil || u.User.Username() == "" {
			return objstore.Location{}, errorf("%q: want abfss://container@account.dfs.core.windows.net/path", u.Redacted())
		}
		if _, hasPw := u.User.Password(); hasPw {
			return objstore.Location{}, errorf("%q: credentials do not belong in the location", u.Redacted())
		}
		loc.Bucket = u.User.Username()
		acct, _, ok := strings.Cut(u.Hostname(), ".")
		if !ok || acct == "" {
			return objstore.Location{}, errorf("%q: host %q names no account", u.Redacted(), u.Hostname())
		}
		loc.Account = acct
	}
	if loc.Bucket == "" {
		return objstore.Location{}, errorf("%q names no bucket", u.Redacted())
	}
	if strings.Contains(loc.Prefix, "//") {
		return objstore.Location{}, errorf("%q has an empty path segment", u.Redacted())
	}
	return loc, nil
}

// Open opens the storage l names for reading and writing: a
// deltawrite.LocalFS for a local directory (created on the first write),
// an objstore.Store (which checks the bucket and credentials) otherwise.
func (l Location) Open(ctx context.Context, opts ...objstore.Option) (deltawrite.Storage, error) {
	if l.IsLocal() {
		return deltawrite.Local(filepath.FromSlash(l.Path)), nil
	}
	return objstore.Open(ctx, l.Object, opts...)
}

// OpenTable parses location and opens the Delta table there for reading.
func OpenTable(ctx context.Context, location string) (*delta.Table, error) {
	return openTable(ctx, location, nil)
}

// TableOpener returns OpenTable with opts passed to delta.Open (progress,
// concurrency): the opener callers hand to planbundle.Pin or a workflow.
func TableOpener(opts ...delta.Option) func(ctx context.Context, location string) (*delta.Table, error) {
	return func(ctx context.Context, location string) (*delta.Table, error) {
		return openTable(ctx, location, opts)
	}
}

func openTable(ctx context.Context, location string, opts []delta.Option) (*delta.Table, error) {
	l, err := Parse(location)
	if err != nil {
		return nil, err
	}
	var st delta.Storage
	if l.IsLocal() {
		st = delta.LocalFS{Root: filepath.FromSlash(l.Path)}
	} else if st, err = objstore.Open(ctx, l.Object); err != nil {
		return nil, err
	}
	return delta.Open(ctx, st, l.Root(), append([]delta.Option{delta.WithLocation(location)}, opts...)...)
}

// OpenWritable parses location and opens its storage for writing (see
// Location.Open).
func OpenWritable(ctx context.Context, location string, opts ...objstore.Option) (deltawrite.Storage, error) {
	l, err := Parse(location)
	if err != nil {
		return nil, err
	}
	return l.Open(ctx, opts...)
}
