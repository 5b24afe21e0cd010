package objstore

import "errors"

// Errors callers can tell apart with errors.Is. A missing object wraps
// fs.ErrNotExist, as delta.Storage requires.
var (
	// ErrUnsupportedLocation: the location is not an object-store URI this
	// package knows, or it is malformed.
	ErrUnsupportedLocation = errors.New("unsupported object-store location")
	// ErrBucketNotFound: the bucket (or Azure container) does not exist.
	ErrBucketNotFound = errors.New("bucket not found")
	// ErrAccessDenied: the store refused the credentials.
	ErrAccessDenied = errors.New("access denied")
	// ErrConfig: the environment does not configure the store (no
	// credentials, no account).
	ErrConfig = errors.New("object-store configuration")
	// ErrShortRead: an object came back shorter or longer than the store
	// said it is (a cut response); the read is refused, never used.
	ErrShortRead = errors.New("object read incomplete")
)
