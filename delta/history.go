package delta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Timestamp sources of a history entry.
const (
	// TimestampInCommit: the commit's inCommitTimestamp (written while the
	// table enables in-commit timestamps).
	TimestampInCommit = "in_commit_timestamp"
	// TimestampFileTime: the commit file's modification time.
	TimestampFileTime = "file_modification_time"
)

// Commit is one entry of a table's history: what commit Version did, as its
// commit file says. A run of versions whose commit files were removed (log
// cleanup after a checkpoint) is one entry with CleanedUp set, covering
// OldestVersion … Version; only those fields are set then.
type Commit struct {
	Version int64
	// TimestampMs is the commit's time and TimestampSource says which
	// (TimestampInCommit or TimestampFileTime).
	TimestampMs     int64
	TimestampSource string
	// Operation, OperationParameters and EngineInfo come from commitInfo
	// ("" and nil when the writer left them out); parameter values are as
	// the writer stored them (usually JSON-encoded strings).
	Operation           string
	OperationParameters map[string]json.RawMessage
	EngineInfo          string
	// FilesAdded and FilesRemoved count the commit's add and remove
	// actions.
	FilesAdded, FilesRemoved int

	CleanedUp     bool
	OldestVersion int64
	// Missing marks a run of versions without commit files between
	// versions that have them: not log cleanup (which removes the oldest
	// commits only) but a damaged log. CleanedUp is false then.
	Missing bool
}

// History lists the table's commits newest first, at most limit entries
// (all when limit <= 0). Versions below the oldest commit file that a
// checkpoint still covers are reported as one cleaned-up entry, not
// skipped; a gap between commit files is one entry with Missing set. A
// commit dates itself by its in-commit timestamp when it has
// one and the newest metadata among the commits read does not disable
// them, else by its file's modification time.
//
// Only the commit files of the listed entries are read, concurrently.
func (t *Table) History(ctx context.Context, limit int) ([]Commit, error) {
	st := t.Storage()
	files, err := st.List(ctx, logDir, "")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no _delta_log", ErrTableNotFound, t.location)
		}
		return nil, fmt.Errorf("list _delta_log of %s: %w", t.location, err)
	}
	commits := map[int64]FileInfo{}
	latest := int64(-1)
	for _, fi := range files {
		lf, ok := parseLogName(fi)
		if !ok {
			continue
		}
		if lf.kind == kindCommit {
			commits[lf.version] = fi
		}
		latest = max(latest, lf.version)
	}
	if latest < 0 {
		return nil, fmt.Errorf("%w: %s: no commit or checkpoint files in _delta_log", ErrTableNotFound, t.location)
	}
	// Newest first: present commits one entry each, each gap one entry.
	var out []Commit
	for v := latest; v >= 0 && (limit <= 0 || len(out) < limit); {
		if _, ok := commits[v]; ok {
			out = append(out, Commit{Version: v})
			v--
			continue
		}
		lo := v
		for lo > 0 {
			if _, ok := commits[lo-1]; ok {
				break
			}
			lo--
		}
		// Below every commit file: cleaned up. Between two: missing.
		out = append(out, Commit{Version: v, CleanedUp: lo == 0, Missing: lo > 0, OldestVersion: lo})
		v = lo - 1
	}
	var read []int // indices into out of entries with a commit file
	for i := range out {
		if !out[i].CleanedUp && !out[i].Missing {
			read = append(read, i)
		}
	}
	// meta[i] is the in-commit-timestamp setting of commit read[i]'s
	// metaData action, when it has one.
	ictSetting := make([]*bool, len(read))
	ictTS := make([]*int64, len(read))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.concurrency)
	for k, i := range read {
		g.Go(func() error {
			c := &out[i]
			fi := commits[c.Version]
			data, err := st.Read(gctx, fi.Path)
			if err != nil {
				return fmt.Errorf("read commit %s: %w", fi.Path, err)
			}
			set, ts, err := c.fill(fi.Path, data)
			if err != nil {
				return err
			}
			ictSetting[k], ictTS[k] = set, ts
			c.TimestampMs, c.TimestampSource = fi.ModTime.UnixMilli(), TimestampFileTime
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// The newest metaData read decides whether in-commit timestamps count
	// (a table that disabled them dates commits by file times again).
	enabled := true
	for k := range read {
		if ictSetting[k] != nil {
			enabled = *ictSetting[k]
			break
		}
	}
	if enabled {
		for k, i := range read {
			if ictTS[k] != nil {
				out[i].TimestampMs, out[i].TimestampSource = *ictTS[k], TimestampInCommit
			}
		}
	}
	return out, nil
}

// historyAction is the part of a commit line History reads.
type historyAction struct {
	Add        *struct{} `json:"add"`
	Remove     *struct{} `json:"remove"`
	CommitInfo *struct {
		InCommitTimestamp   *int64                     `json:"inCommitTimestamp"`
		Operation           string                     `json:"operation"`
		OperationParameters map[string]json.RawMessage `json:"operationParameters"`
		EngineInfo          string                     `json:"engineInfo"`
	} `json:"commitInfo"`
	MetaData *struct {
		Configuration map[string]string `json:"configuration"`
	} `json:"metaData"`
}

// fill reads one commit file into c; it returns the commit's metaData
// setting of delta.enableInCommitTimestamps (nil without a metaData action)
// and its in-commit timestamp (nil when absent).
func (c *Commit) fill(name string, data []byte) (ictSetting *bool, ict *int64, err error) {
	for n, line := range bytes.Split(data, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var a historyAction
		if err := json.Unmarshal(line, &a); err != nil {
			return nil, nil, fmt.Errorf("%w: %s line %d: %v", ErrCorruptLog, name, n+1, err)
		}
		switch {
		case a.Add != nil:
			c.FilesAdded++
		case a.Remove != nil:
			c.FilesRemoved++
		case a.CommitInfo != nil:
			ci := a.CommitInfo
			c.Operation, c.OperationParameters, c.EngineInfo = ci.Operation, ci.OperationParameters, ci.EngineInfo
			ict = ci.InCommitTimestamp
		case a.MetaData != nil:
			on := strings.EqualFold(a.MetaData.Configuration["delta.enableInCommitTimestamps"], "true")
			ictSetting = &on
		}
	}
	return ictSetting, ict, nil
}

// ParameterText renders an operation parameter value for people: a JSON
// string's content, any other JSON value as is.
func ParameterText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// SortedParameters returns the operation parameters' names in order.
func (c *Commit) SortedParameters() []string {
	keys := make([]string, 0, len(c.OperationParameters))
	for k := range c.OperationParameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// VersionRange renders the versions an entry covers ("7" or "0-41").
func (c *Commit) VersionRange() string {
	if (c.CleanedUp || c.Missing) && c.OldestVersion != c.Version {
		return strconv.FormatInt(c.OldestVersion, 10) + "-" + strconv.FormatInt(c.Version, 10)
	}
	return strconv.FormatInt(c.Version, 10)
}
