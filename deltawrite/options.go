package deltawrite

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// Option configures Create, Open and OpenOrCreate. Zero values are ignored;
// a malformed option is reported by the call it is given to.
type Option func(*options)

type options struct {
	config      map[string]string
	name        string
	description string
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	onCkpt      func(version int64, err error)
	err         error
}

func newOptions(opts []Option) (options, error) {
	o := options{maxAttempts: DefaultMaxAttempts, baseBackoff: 5 * time.Millisecond, maxBackoff: 500 * time.Millisecond}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o, o.err
}

func (o *options) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// DefaultMaxAttempts bounds the commit attempts of one Append or
// AddColumns (each lost race re-lists the log and tries the next version).
const DefaultMaxAttempts = 50

// DefaultCheckpointInterval is the checkpoint interval of a table whose
// configuration has no delta.checkpointInterval.
const DefaultCheckpointInterval = 100

// WithConfiguration sets table properties (metaData.configuration) on
// Create; Open ignores it. Repeated calls merge.
func WithConfiguration(conf map[string]string) Option {
	return func(o *options) {
		if len(conf) == 0 {
			return
		}
		if o.config == nil {
			o.config = map[string]string{}
		}
		maps.Copy(o.config, conf)
	}
}

// WithCheckpointInterval sets delta.checkpointInterval on Create: a
// checkpoint is written at every version that is a multiple of n.
func WithCheckpointInterval(n int) Option {
	return func(o *options) {
		if n == 0 {
			return
		}
		if n < 0 {
			o.fail(fmt.Errorf("%w: checkpoint interval %d", ErrInvalidOption, n))
			return
		}
		WithConfiguration(map[string]string{"delta.checkpointInterval": strconv.Itoa(n)})(o)
	}
}

// WithName sets metaData.name (and WithDescription metaData.description)
// on Create.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithDescription sets metaData.description on Create.
func WithDescription(d string) Option { return func(o *options) { o.description = d } }

// WithMaxAttempts bounds the commit attempts per operation (default
// DefaultMaxAttempts).
func WithMaxAttempts(n int) Option {
	return func(o *options) {
		if n < 0 {
			o.fail(fmt.Errorf("%w: max attempts %d", ErrInvalidOption, n))
		} else if n > 0 {
			o.maxAttempts = n
		}
	}
}

// WithBackoff sets the first and the longest wait between commit attempts
// (defaults 5 ms and 500 ms); each wait is drawn at random up to twice the
// previous bound (full jitter).
func WithBackoff(first, longest time.Duration) Option {
	return func(o *options) {
		if first > 0 {
			o.baseBackoff = first
		}
		if longest > 0 {
			o.maxBackoff = longest
		}
		if o.baseBackoff > o.maxBackoff {
			o.fail(fmt.Errorf("%w: backoff %v longer than its bound %v", ErrInvalidOption, o.baseBackoff, o.maxBackoff))
		}
	}
}

// WithCheckpointHook is called after every automatic checkpoint attempt
// with its version and outcome. A failed checkpoint never fails the commit
// that triggered it (the commit is already durable); without a hook the
// failure is dropped and the next interval tries again.
func WithCheckpointHook(fn func(version int64, err error)) Option {
	return func(o *options) {
		if fn != nil {
			o.onCkpt = fn
		}
	}
}
