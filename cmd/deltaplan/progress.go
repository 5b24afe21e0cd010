package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/storage"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressOutput is where snapshot loads draw their progress: stderr when
// it is a terminal, nil (no progress at all) otherwise, so pipes, files
// and CI logs never see it. Tests replace it.
var progressOutput = func() io.Writer {
	if isTerminal(os.Stderr) {
		return os.Stderr
	}
	return nil
}

func isTerminal(f *os.File) bool { return f != nil && term.IsTerminal(int(f.Fd())) }

// openTable opens a LOCATION for reading (storage parses it); on a
// terminal, loads show progress on stderr.
func openTable(ctx context.Context, location string) (*delta.Table, error) {
	return storage.TableOpener(progressOptions()...)(ctx, location)
}

// progressOptions returns the delta options that draw load progress, none
// when there is no terminal to draw on.
func progressOptions() []delta.Option {
	w := progressOutput()
	if w == nil {
		return nil
	}
	r := &progressRenderer{w: w}
	return []delta.Option{delta.WithProgress(r.event)}
}

// progressRenderer draws one line per load: a bar over the checkpoint
// bytes (a spinner until their size is known) described by the objects
// listed and the commits read. The line is erased when the load ends,
// before the command prints anything.
type progressRenderer struct {
	w   io.Writer
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func (r *progressRenderer) event(ev delta.ProgressEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Phase == delta.ProgressDone {
		if r.bar != nil {
			_ = r.bar.Exit()
			_ = r.bar.Clear()
			r.bar = nil
		}
		return
	}
	if r.bar == nil {
		r.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(r.w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(20),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
			// No spinner ticker: its goroutine draws on its own and could
			// redraw the line after it is erased. Draw only on events.
			progressbar.OptionSetSpinnerChangeInterval(0),
		)
	}
	desc := fmt.Sprintf("listed %d · commits %d", ev.Listed, ev.CommitsRead)
	if ev.Commits > 0 {
		desc += fmt.Sprintf("/%d", ev.Commits)
	}
	if ev.CheckpointBytes > 0 {
		desc += " · checkpoint"
	}
	r.bar.Describe(desc)
	if ev.CheckpointBytes > 0 {
		if r.bar.GetMax64() != ev.CheckpointBytes {
			r.bar.ChangeMax64(ev.CheckpointBytes)
		}
		// A part's footer is read twice: never draw past the end.
		_ = r.bar.Set64(min(ev.CheckpointBytesRead, ev.CheckpointBytes-1))
	}
}
