package objstore

import (
	"fmt"
	"net/url"
	"strings"
)

// Provider names a store family.
type Provider string

// The supported providers.
const (
	S3    Provider = "s3"
	GCS   Provider = "gs"
	Azure Provider = "az"
)

// Location is a parsed object-store LOCATION.
type Location struct {
	Provider Provider
	// Bucket is the S3/GCS bucket or the Azure container.
	Bucket string
	// Account is the Azure storage account named by an abfss:// URI ("" if
	// none).
	Account string
	// Prefix is the table's key prefix inside the bucket, without leading
	// or trailing '/' ("" for a table at the bucket root).
	Prefix string
}

// IsObjectStore reports whether location names an object store (by its
// scheme), as opposed to a local path or file:// URI.
func IsObjectStore(location string) bool {
	i := strings.Index(location, "://")
	if i <= 0 {
		return false
	}
	switch strings.ToLower(location[:i]) {
	case "s3", "s3a", "gs", "az", "abfs", "abfss":
		return true
	}
	return false
}

// ParseLocation parses s3://bucket/prefix, s3a://bucket/prefix,
// gs://bucket/prefix, az://container/prefix and
// abfss://container@account.dfs.core.windows.net/prefix.
func ParseLocation(location string) (Location, error) {
	if !IsObjectStore(location) {
		return Location{}, fmt.Errorf("%w: %q (want s3://, s3a://, gs://, az:// or abfss://)", ErrUnsupportedLocation, location)
	}
	u, err := url.Parse(location)
	if err != nil {
		return Location{}, fmt.Errorf("%w: %q: %v", ErrUnsupportedLocation, location, err)
	}
	if u.User != nil && strings.ToLower(u.Scheme) != "abfss" && strings.ToLower(u.Scheme) != "abfs" {
		return Location{}, fmt.Errorf("%w: %q: credentials do not belong in the location; use the environment", ErrUnsupportedLocation, u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Location{}, fmt.Errorf("%w: %q: query and fragment are not supported", ErrUnsupportedLocation, location)
	}
	loc := Location{Prefix: strings.Trim(u.Path, "/")}
	switch strings.ToLower(u.Scheme) {
	case "s3", "s3a":
		loc.Provider, loc.Bucket = S3, u.Host
	case "gs":
		loc.Provider, loc.Bucket = GCS, u.Host
	case "az":
		loc.Provider, loc.Bucket = Azure, u.Host
	case "abfs", "abfss":
		loc.Provider = Azure
		if u.User == nil || u.User.Username() == "" {
			return Location{}, fmt.Errorf("%w: %q: want abfss://container@account.dfs.core.windows.net/path", ErrUnsupportedLocation, location)
		}
		if _, hasPw := u.User.Password(); hasPw {
			return Location{}, fmt.Errorf("%w: %q: credentials do not belong in the location", ErrUnsupportedLocation, u.Redacted())
		}
		loc.Bucket = u.User.Username()
		host := u.Hostname()
		acct, _, ok := strings.Cut(host, ".")
		if !ok || acct == "" {
			return Location{}, fmt.Errorf("%w: %q: host %q names no account", ErrUnsupportedLocation, location, host)
		}
		loc.Account = acct
	}
	if loc.Bucket == "" {
		return Location{}, fmt.Errorf("%w: %q names no bucket", ErrUnsupportedLocation, location)
	}
	if strings.Contains(loc.Prefix, "//") {
		return Location{}, fmt.Errorf("%w: %q has an empty path segment", ErrUnsupportedLocation, location)
	}
	return loc, nil
}

// URI is the canonical form of the table root: scheme://bucket/prefix
// (abfss keeps its container@host form), without a trailing '/'.
func (l Location) URI() string {
	var s string
	switch l.Provider {
	case S3:
		s = "s3://" + l.Bucket
	case GCS:
		s = "gs://" + l.Bucket
	default:
		if l.Account != "" {
			s = "abfss://" + l.Bucket + "@" + l.Account + ".dfs.core.windows.net"
		} else {
			s = "az://" + l.Bucket
		}
	}
	if l.Prefix != "" {
		s += "/" + l.Prefix
	}
	return s
}

// key turns a table-relative path into the object key.
func (l Location) key(rel string) string {
	if l.Prefix == "" {
		return rel
	}
	return l.Prefix + "/" + rel
}

// rel turns an object key back into a table-relative path.
func (l Location) rel(key string) string {
	if l.Prefix == "" {
		return key
	}
	return strings.TrimPrefix(key, l.Prefix+"/")
}
