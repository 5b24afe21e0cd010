package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/workflow"
)

// openStore opens (creating on first use) the ledger at path: only
// schedule creates a ledger.
func openStore(ctx context.Context, path string) (*ledger.Store, error) {
	if path == "" {
		return nil, usageError{fmt.Errorf("--store is required")}
	}
	return ledger.Open(ctx, path)
}

// openExistingStore opens the ledger at path, which must exist: a typo
// never creates an empty ledger (only schedule creates one).
func openExistingStore(ctx context.Context, path string) (*ledger.Store, error) {
	if path == "" {
		return nil, usageError{fmt.Errorf("--store is required")}
	}
	return ledger.OpenExisting(ctx, path)
}

// eventLog appends events to a file as JSON lines. Lines are written whole
// (one write per batch of complete lines, O_APPEND), so two processes
// logging to one file interleave lines, never parts of lines.
type eventLog struct {
	f   *os.File
	buf bytes.Buffer
	err error
}

func openEventLog(path string) (*eventLog, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return &eventLog{f: f}, nil
}

// add is the workflow.LedgerOptions.Log callback; a nil log drops events.
func (l *eventLog) add(e workflow.Event) {
	if l == nil || l.err != nil {
		return
	}
	line, err := json.Marshal(e)
	if err != nil {
		l.err = fmt.Errorf("log event %s of %s: %w", e.Event, e.Node, err)
		return
	}
	l.buf.Write(line)
	l.buf.WriteByte('\n')
	if l.buf.Len() >= 1<<16 {
		l.flush()
	}
}

func (l *eventLog) flush() {
	if l.err == nil && l.buf.Len() > 0 {
		if _, err := l.f.Write(l.buf.Bytes()); err != nil {
			l.err = fmt.Errorf("write log %s: %w", l.f.Name(), err)
		}
	}
	l.buf.Reset()
}

// close flushes and closes; it returns the first error of the log.
func (l *eventLog) close() error {
	if l == nil {
		return nil
	}
	l.flush()
	if err := l.f.Close(); err != nil && l.err == nil {
		l.err = fmt.Errorf("close log: %w", err)
	}
	return l.err
}
