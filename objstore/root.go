package objstore

import "strings"

// Provider names a store family.
type Provider string

// The supported providers.
const (
	S3    Provider = "s3"
	GCS   Provider = "gs"
	Azure Provider = "az"
)

// Location is an object-store table root, as package storage parses it
// from a LOCATION (the only place LOCATION strings are parsed).
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
