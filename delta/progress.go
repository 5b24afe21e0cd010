package delta

import (
	"context"
	"strings"
	"sync"
)

// Phases of a snapshot load, in ProgressEvent.Phase.
const (
	ProgressList       = "list"       // the _delta_log listing arrived
	ProgressCommits    = "commits"    // a commit file was read
	ProgressCheckpoint = "checkpoint" // checkpoint or sidecar bytes were read
	ProgressDone       = "done"       // the snapshot finished (or failed)
)

// ProgressEvent is the running state of a snapshot load. Counts are
// cumulative since the load started; totals are 0 until known.
type ProgressEvent struct {
	Phase string
	// Listed is the number of _delta_log objects listed.
	Listed int
	// CommitsRead of Commits commit files in the log segment.
	CommitsRead, Commits int
	// CheckpointBytesRead of CheckpointBytes, the size of the checkpoint
	// files (sidecars add to it when the checkpoint names them).
	CheckpointBytesRead, CheckpointBytes int64
}

// WithProgress calls fn as a snapshot load advances: after the listing,
// after each commit read and after each checkpoint byte range. Calls are
// serialized (fn need not be safe for concurrent use) and must return
// quickly; the last event of each load has Phase ProgressDone. Meant for
// progress displays; it does not change what is read.
func WithProgress(fn func(ProgressEvent)) Option {
	return func(t *Table) {
		if fn != nil {
			t.progress = &progress{fn: fn}
		}
	}
}

// progress counts a load's I/O and reports it. A nil *progress does
// nothing, so call sites need no checks.
type progress struct {
	mu sync.Mutex
	fn func(ProgressEvent)
	ev ProgressEvent
}

func (p *progress) update(phase string, f func(ev *ProgressEvent)) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.ev)
	p.ev.Phase = phase
	p.fn(p.ev)
}

// start resets the counts for a new load.
func (p *progress) start() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.ev = ProgressEvent{}
	p.mu.Unlock()
}

func (p *progress) done() {
	p.update(ProgressDone, func(*ProgressEvent) {})
}

func (p *progress) segment(seg *logSegment) {
	p.update(ProgressCommits, func(ev *ProgressEvent) {
		ev.Commits += len(seg.commits)
		if seg.checkpoint != nil {
			for _, f := range seg.checkpoint.files {
				ev.CheckpointBytes += f.Size
			}
		}
	})
}

func (p *progress) sidecars(files []FileInfo) {
	p.update(ProgressCheckpoint, func(ev *ProgressEvent) {
		for _, f := range files {
			ev.CheckpointBytes += f.Size
		}
	})
}

// progressStorage counts what a load reads through it: listed objects,
// whole reads of commit files and byte ranges of checkpoint files.
type progressStorage struct {
	Storage
	p *progress
}

func (s progressStorage) List(ctx context.Context, prefix, startAfter string) ([]FileInfo, error) {
	files, err := s.Storage.List(ctx, prefix, startAfter)
	if err == nil {
		s.p.update(ProgressList, func(ev *ProgressEvent) { ev.Listed += len(files) })
	}
	return files, err
}

func (s progressStorage) Read(ctx context.Context, path string) ([]byte, error) {
	b, err := s.Storage.Read(ctx, path)
	if err == nil && strings.HasSuffix(path, ".json") && strings.HasPrefix(path, logDir) {
		if lf, ok := parseLogName(FileInfo{Path: path}); ok && lf.kind == kindCommit {
			s.p.update(ProgressCommits, func(ev *ProgressEvent) { ev.CommitsRead++ })
		} else if ok {
			s.p.update(ProgressCheckpoint, func(ev *ProgressEvent) { ev.CheckpointBytesRead += int64(len(b)) })
		}
	}
	return b, err
}

// ReadRange: byte ranges are what the parquet reader asks for.
func (s progressStorage) ReadRange(ctx context.Context, path string, off, n int64) ([]byte, error) {
	b, err := s.Storage.ReadRange(ctx, path, off, n)
	if err == nil {
		s.p.checkpointBytes(len(b))
	}
	return b, err
}

func (p *progress) checkpointBytes(n int) {
	p.update(ProgressCheckpoint, func(ev *ProgressEvent) { ev.CheckpointBytesRead += int64(n) })
}

// asLocal returns the local file system behind st, if that is what it is.
func asLocal(st Storage) (LocalFS, bool) {
	if ps, ok := st.(progressStorage); ok {
		st = ps.Storage
	}
	l, ok := st.(LocalFS)
	return l, ok
}

// progressOf returns the progress st reports to (nil if none).
func progressOf(st Storage) *progress {
	if ps, ok := st.(progressStorage); ok {
		return ps.p
	}
	return nil
}
