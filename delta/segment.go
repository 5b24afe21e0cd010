package delta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

const logDir = "_delta_log/"

type fileKind uint8

const (
	kindCommit fileKind = iota
	kindClassicCheckpoint
	kindMultiPartCheckpoint
	kindV2Checkpoint
	kindCRC        // N.crc: the version's checksum file
	kindCompaction // x.y.compacted.json: commits x … y reconciled
)

// logFile is one parsed _delta_log entry.
type logFile struct {
	FileInfo
	version     int64
	kind        fileKind
	part, parts int   // multi-part checkpoints
	last        int64 // compaction files: the last version covered
}

// parseLogName recognises commit, checkpoint, checksum (.crc) and log
// compaction file names; other files (_last_checkpoint, temporary files)
// return false.
func parseLogName(fi FileInfo) (logFile, bool) {
	name := strings.TrimPrefix(fi.Path, logDir)
	if len(name) < 21 || name[20] != '.' {
		return logFile{}, false
	}
	v, err := strconv.ParseInt(name[:20], 10, 64)
	if err != nil || v < 0 {
		return logFile{}, false
	}
	rest := name[21:]
	lf := logFile{FileInfo: fi, version: v}
	switch {
	case rest == "json":
		lf.kind = kindCommit
	case rest == "crc":
		lf.kind = kindCRC
	case len(rest) == 20+len(".compacted.json") && strings.HasSuffix(rest, ".compacted.json"):
		last, err := strconv.ParseInt(rest[:20], 10, 64)
		if err != nil || last <= v {
			return logFile{}, false
		}
		lf.kind, lf.last = kindCompaction, last
	case rest == "checkpoint.parquet":
		lf.kind = kindClassicCheckpoint
	case strings.HasPrefix(rest, "checkpoint."):
		mid := strings.TrimPrefix(rest, "checkpoint.")
		parts := strings.Split(mid, ".")
		switch {
		case len(parts) == 3 && parts[2] == "parquet" && len(parts[0]) == 10 && len(parts[1]) == 10:
			p, e1 := strconv.Atoi(parts[0])
			n, e2 := strconv.Atoi(parts[1])
			if e1 != nil || e2 != nil || p < 1 || n < 1 || p > n {
				return logFile{}, false
			}
			lf.kind, lf.part, lf.parts = kindMultiPartCheckpoint, p, n
		case len(parts) == 2 && (parts[1] == "json" || parts[1] == "parquet") && parts[0] != "":
			lf.kind = kindV2Checkpoint
		default:
			return logFile{}, false
		}
	default:
		return logFile{}, false
	}
	return lf, true
}

// checkpoint is one complete checkpoint: a single file or all parts.
type checkpoint struct {
	version int64
	files   []FileInfo
	kind    fileKind
}

// logSegment is what a snapshot replays.
//
// Invariants (checked by newLogSegment): commits are exactly the versions
// checkpoint.version+1 … version (or 0 … version without a checkpoint),
// ascending, with no gap.
type logSegment struct {
	version    int64
	checkpoint *checkpoint
	commits    []logFile
	// checkpointCommit is the commit file of the checkpoint's version when
	// it is still listed (its commitInfo dates that version); nil otherwise.
	checkpointCommit *logFile
	// crc is the pinned version's checksum file, nil when none is listed.
	crc *logFile
	// stats selects the statistics columns decoded (see WithStatsColumns);
	// nil decodes all.
	stats func(Leaf) bool
	// replay is what the commits are read from, oldest first: commit files
	// and log compaction files standing for runs of them (see
	// useCompactions); equal to commits when no compaction applies.
	replay []logFile
}

// listing is the parsed log directory.
type listing struct {
	commits     map[int64]logFile
	checkpoints []checkpoint // complete ones, newest first
	latest      int64
	crcs        map[int64]logFile
	compactions []logFile
}

func newListing(files []FileInfo) *listing {
	l := &listing{commits: map[int64]logFile{}, latest: -1, crcs: map[int64]logFile{}}
	parts := map[string][]logFile{} // "version/parts" → parts seen
	var v2 []logFile
	for _, fi := range files {
		lf, ok := parseLogName(fi)
		if !ok {
			continue
		}
		switch lf.kind {
		case kindCommit:
			l.commits[lf.version] = lf
		case kindClassicCheckpoint:
			l.checkpoints = append(l.checkpoints, checkpoint{version: lf.version, files: []FileInfo{lf.FileInfo}, kind: kindClassicCheckpoint})
		case kindMultiPartCheckpoint:
			k := fmt.Sprintf("%d/%d", lf.version, lf.parts)
			parts[k] = append(parts[k], lf)
		case kindV2Checkpoint:
			v2 = append(v2, lf)
		case kindCRC:
			l.crcs[lf.version] = lf
			continue // a checksum alone makes no version readable
		case kindCompaction:
			l.compactions = append(l.compactions, lf)
			continue
		}
		if lf.version > l.latest {
			l.latest = lf.version
		}
	}
	keys := make([]string, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ps := parts[k]
		sort.Slice(ps, func(i, j int) bool { return ps[i].part < ps[j].part })
		complete := len(ps) == ps[0].parts
		for i, p := range ps {
			complete = complete && p.part == i+1
		}
		if !complete {
			continue // a missing part: an older checkpoint must serve
		}
		cp := checkpoint{version: ps[0].version, kind: kindMultiPartCheckpoint}
		for _, p := range ps {
			cp.files = append(cp.files, p.FileInfo)
		}
		l.checkpoints = append(l.checkpoints, cp)
	}
	for _, lf := range v2 {
		l.checkpoints = append(l.checkpoints, checkpoint{version: lf.version, files: []FileInfo{lf.FileInfo}, kind: kindV2Checkpoint})
	}
	// Newest first; at equal versions prefer v2, then classic, then
	// multi-part, then by name, so the choice is deterministic.
	rank := map[fileKind]int{kindV2Checkpoint: 0, kindClassicCheckpoint: 1, kindMultiPartCheckpoint: 2}
	sort.SliceStable(l.checkpoints, func(i, j int) bool {
		a, b := l.checkpoints[i], l.checkpoints[j]
		if a.version != b.version {
			return a.version > b.version
		}
		if rank[a.kind] != rank[b.kind] {
			return rank[a.kind] < rank[b.kind]
		}
		return a.files[0].Path < b.files[0].Path
	})
	return l
}

// segment builds the log segment for target (-1 = latest).
func (l *listing) segment(target int64) (*logSegment, error) {
	if l.latest < 0 {
		return nil, fmt.Errorf("%w: no commit or checkpoint files in _delta_log", ErrTableNotFound)
	}
	if target < 0 {
		target = l.latest
	}
	if target > l.latest {
		return nil, fmt.Errorf("%w: version %d requested, latest is %d", ErrVersionNotFound, target, l.latest)
	}
	seg := &logSegment{version: target}
	start := int64(0)
	for i := range l.checkpoints {
		if l.checkpoints[i].version <= target {
			seg.checkpoint = &l.checkpoints[i]
			start = seg.checkpoint.version + 1
			if c, ok := l.commits[seg.checkpoint.version]; ok {
				seg.checkpointCommit = &c
			}
			break
		}
	}
	if seg.checkpoint == nil {
		if _, ok := l.commits[0]; !ok {
			return nil, fmt.Errorf("%w: version %d cannot be reconstructed: no checkpoint at or before it and commit 0 is missing", ErrVersionNotFound, target)
		}
	}
	for v := start; v <= target; v++ {
		c, ok := l.commits[v]
		if !ok {
			return nil, fmt.Errorf("%w: commit %020d.json (version %d) is missing", ErrVersionGap, v, v)
		}
		seg.commits = append(seg.commits, c)
	}
	if c, ok := l.crcs[target]; ok {
		seg.crc = &c
	}
	seg.replay = useCompactions(seg.commits, l.compactions)
	return seg, nil
}

// useCompactions replaces runs of commits by log compaction files that
// cover exactly a run inside the segment (x ≥ its first commit, y ≤ its
// version), choosing at each version the one that reaches furthest. A
// compaction file holds the reconciled actions of its commits, so the
// newest-first replay reads it in their place.
func useCompactions(commits []logFile, compactions []logFile) []logFile {
	if len(compactions) == 0 || len(commits) == 0 {
		return commits
	}
	first, last := commits[0].version, commits[len(commits)-1].version
	best := map[int64]logFile{} // start version → the compaction reaching furthest
	for _, c := range compactions {
		if c.version < first || c.last > last {
			continue
		}
		if b, ok := best[c.version]; !ok || c.last > b.last || (c.last == b.last && c.Path < b.Path) {
			best[c.version] = c
		}
	}
	if len(best) == 0 {
		return commits
	}
	out := make([]logFile, 0, len(commits))
	for i := 0; i < len(commits); {
		v := commits[i].version
		if c, ok := best[v]; ok {
			out = append(out, c)
			i += int(c.last-v) + 1
			continue
		}
		out = append(out, commits[i])
		i++
	}
	return out
}

type lastCheckpointHint struct {
	Version int64 `json:"version"`
}

// listLog lists _delta_log, using _last_checkpoint (when present, valid and
// not newer than target) to start the listing at the hinted checkpoint. A
// stale, missing or corrupt hint only costs a full listing.
func listLog(ctx context.Context, st Storage, target int64) (*listing, error) {
	if b, err := st.Read(ctx, logDir+"_last_checkpoint"); err == nil {
		var h lastCheckpointHint
		if json.Unmarshal(b, &h) == nil && h.Version > 0 && (target < 0 || h.Version <= target) {
			files, err := st.List(ctx, logDir, fmt.Sprintf("%s%020d", logDir, h.Version))
			if err == nil {
				l := newListing(files)
				if len(l.checkpoints) > 0 && l.checkpoints[len(l.checkpoints)-1].version == h.Version {
					return l, nil
				}
			}
		}
	}
	files, err := st.List(ctx, logDir, "")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no _delta_log directory: %v", ErrTableNotFound, err)
		}
		return nil, fmt.Errorf("list _delta_log: %w", err)
	}
	return newListing(files), nil
}
