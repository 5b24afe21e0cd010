package objstore

import (
	"fmt"
	"sync"

	"github.com/aws/smithy-go/logging"
)

// sdkLog receives what an SDK would print on stderr (the AWS SDK's "WARN
// failed to discard remaining HTTP response body", for one): a library
// prints nothing, so the messages are kept and the latest is added to the
// error of the request that fails next (see Store.wrap).
type sdkLog struct {
	mu   sync.Mutex
	last string
	n    int
}

var _ logging.Logger = (*sdkLog)(nil)

// Logf implements logging.Logger.
func (l *sdkLog) Logf(c logging.Classification, format string, v ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last = string(c) + " " + fmt.Sprintf(format, v...)
	l.n++
}

// take returns the messages logged since the last take: the latest and
// how many there were.
func (l *sdkLog) take() (string, int) {
	if l == nil {
		return "", 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	msg, n := l.last, l.n
	l.last, l.n = "", 0
	return msg, n
}
