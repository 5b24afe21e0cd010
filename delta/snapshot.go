package delta

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/deltaplan/deltaplan/model"
)

// Table is an opened Delta table: a storage and the table root it holds.
type Table struct {
	// location names the table in messages and in Snapshot.Location: the
	// LOCATION the caller parsed (WithLocation), else the root.
	location string
	// root is the canonical table root that relative log paths resolve
	// against: an absolute '/'-separated local path, or scheme://authority/key
	// for object stores (see canonicalRoot).
	root        string
	st          Storage
	concurrency int
	progress    *progress // nil without WithProgress
}

// Option configures Open.
type Option func(*Table)

// WithLocation sets the name the table goes by in errors and in
// Snapshot.Location (the LOCATION a user gave); by default the root.
func WithLocation(location string) Option {
	return func(t *Table) {
		if location != "" {
			t.location = location
		}
	}
}

// DefaultConcurrency is the default bound on log objects read at once.
const DefaultConcurrency = 32

// WithConcurrency bounds how many commit files are fetched at once (in
// flight or fetched but not yet replayed; default DefaultConcurrency), and
// for remote storage how many checkpoint parts are read at once (at most
// this, at most 4 per core, at least one per core). n < 1 means 1.
func WithConcurrency(n int) Option {
	return func(t *Table) { t.concurrency = max(1, n) }
}

// partConcurrency bounds the checkpoint parts and sidecars read at once.
// Decoding them is CPU work, so locally one per core; on remote storage a
// part mostly waits for byte ranges, so up to 4 per core (and at most the
// WithConcurrency bound) keep the cores busy. Each part in flight holds a
// decoded record batch, which is what bounds it.
func (t *Table) partConcurrency() int {
	procs := max(1, runtime.GOMAXPROCS(0))
	if _, local := asLocal(t.st); local {
		return procs
	}
	return max(procs, min(t.concurrency, 4*procs))
}

// Open opens the table held by st, whose root is root: the URI that
// relative add/remove paths resolve against, an absolute local path
// ("/data/sales") or scheme://authority/prefix ("s3://bucket/tables/t",
// the literal key prefix, not percent-encoded). It never parses a
// LOCATION: package storage does, and opens st. It checks that a
// _delta_log exists; the log itself is read by Snapshot.
func Open(ctx context.Context, st Storage, root string, opts ...Option) (*Table, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no storage", ErrInvalidOption)
	}
	t := &Table{root: canonicalRoot(root), st: st, concurrency: DefaultConcurrency}
	t.location = root
	for _, o := range opts {
		o(t)
	}
	if t.progress != nil {
		t.st = progressStorage{Storage: t.st, p: t.progress}
	}
	if _, err := t.st.List(ctx, logDir, ""); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no _delta_log", ErrTableNotFound, t.location)
		}
		return nil, fmt.Errorf("open %s: %w", t.location, err)
	}
	return t, nil
}

// Location returns the location the table was opened with.
func (t *Table) Location() string { return t.location }

// Storage returns the table's storage.
func (t *Table) Storage() Storage {
	if ps, ok := t.st.(progressStorage); ok {
		return ps.Storage
	}
	return t.st
}

// SnapshotOption selects the version to pin.
type SnapshotOption func(*snapshotConfig)

type snapshotConfig struct {
	version      *int64
	timestamp    *time.Time
	noCompaction bool
	noChecksum   bool
	stats        func(Leaf) bool // nil: every column's statistics
}

// WithStatsColumns decodes the statistics (min, max, null count) of the
// given columns only — a filter's columns: a filter over 3 of 100 columns
// parses 3. A struct column selects its leaves. Columns the table lacks
// are ignored. numRecords and tightBounds are always read. Without this
// option every column's statistics are decoded.
func WithStatsColumns(cols ...model.Column) SnapshotOption {
	want := map[string]bool{}
	for _, c := range cols {
		want[c.String()] = true
	}
	return func(c *snapshotConfig) {
		c.stats = func(lf Leaf) bool {
			for i := len(lf.Logical); i > 0; i-- {
				if want[lf.Logical[:i].String()] {
					return true
				}
			}
			return false
		}
	}
}

// WithoutStats decodes no column statistics (numRecords and tightBounds
// are still read): listing, summaries and digests need none, and a
// snapshot of a million files then holds no statistics columns.
func WithoutStats() SnapshotOption { return WithStatsColumns() }

// WithoutChecksum skips the cross-check of the pinned version's .crc
// against the replay (see Snapshot).
func WithoutChecksum() SnapshotOption {
	return func(c *snapshotConfig) { c.noChecksum = true }
}

// WithoutLogCompaction replays every commit file even where log
// compaction files (x.y.compacted.json) cover them; by default a
// compaction file that covers a run of the segment's commits is read
// instead of them.
func WithoutLogCompaction() SnapshotOption {
	return func(c *snapshotConfig) { c.noCompaction = true }
}

// AtVersion pins version v.
func AtVersion(v int64) SnapshotOption {
	return func(c *snapshotConfig) { c.version = &v }
}

// AtTimestamp pins the latest version committed at or before ts.
func AtTimestamp(ts time.Time) SnapshotOption {
	return func(c *snapshotConfig) { c.timestamp = &ts }
}

// Snapshot is the reconstructed state of one table version.
type Snapshot struct {
	Location    string
	Version     int64
	TimestampMs int64
	Protocol    Protocol
	Metadata    Metadata
	// CheckpointVersion is the checkpoint the replay started from, nil when
	// it replayed commits from version 0.
	CheckpointVersion *int64
	// Files are the active files, sorted by path.
	Files *model.FileSet
	// NumRecords is the sum of numRecords, nil when any file lacks it.
	NumRecords *int64
	// NumDeletedRecords is the sum of deletion-vector cardinalities.
	NumDeletedRecords int64
	SizeBytes         int64
	// AppTransactions, sorted by appId; DomainMetadata, sorted by domain,
	// without removed domains.
	AppTransactions []AppTransaction
	DomainMetadata  []DomainMetadata
	// LogSegment is what the replay read.
	LogSegment LogSegmentInfo
}

// Snapshot pins a version (the latest by default) and replays the log.
// When the version has a checksum file (N.crc), its numFiles,
// tableSizeBytes, deleted-record count, protocol and metadata must agree
// with the replay, else ErrChecksumMismatch (WithoutChecksum skips this).
// Log compaction files covering runs of the commits are read in their
// place (WithoutLogCompaction reads every commit).
//
// With WithProgress, events report the load; the last one is
// ProgressDone, sent before Snapshot returns, success or not.
func (t *Table) Snapshot(ctx context.Context, opts ...SnapshotOption) (*Snapshot, error) {
	t.progress.start()
	defer t.progress.done()
	var cfg snapshotConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.version != nil && cfg.timestamp != nil {
		return nil, fmt.Errorf("%w: version and timestamp both given", ErrInvalidOption)
	}
	target := int64(-1)
	if cfg.version != nil {
		if *cfg.version < 0 {
			return nil, fmt.Errorf("%w: negative version %d", ErrVersionNotFound, *cfg.version)
		}
		target = *cfg.version
	}
	if cfg.timestamp != nil {
		v, err := t.versionAt(ctx, cfg.timestamp.UnixMilli())
		if err != nil {
			return nil, err
		}
		target = v
	}
	l, err := listLog(ctx, t.st, target)
	if err != nil {
		return nil, err
	}
	seg, err := l.segment(target)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.location, err)
	}
	if cfg.noCompaction {
		seg.replay = seg.commits
	}
	if cfg.noChecksum {
		seg.crc = nil
	}
	seg.stats = cfg.stats
	t.progress.segment(seg)
	return t.replaySegment(ctx, seg)
}

// replay is the state of one newest-first log replay.
type replay struct {
	st       Storage
	root     string
	seen     map[string]struct{} // canonical path + "\x00" + DV id, from commits
	seenBase map[string]struct{} // base names of the seen paths
	protocol *Protocol
	metadata *Metadata
	txns     map[string]AppTransaction
	domains  map[string]DomainMetadata
	adds     []*addAction // live adds from commits, newest first
	lay      *layout
	ict      map[int64]int64 // version → in-commit timestamp
}

func (r *replay) key(path string, dv *DeletionVector) string {
	return canonicalPath(r.root, path) + "\x00" + dv.uniqueID()
}

func (r *replay) isSeen(path string, dv *DeletionVector) bool {
	if len(r.seen) == 0 {
		return false
	}
	// Cheap prefilter without allocating: a file the commits touched has a
	// known base name.
	if _, ok := r.seenBase[baseName(path)]; !ok {
		return false
	}
	_, ok := r.seen[r.key(path, dv)]
	return ok
}

// markSeen records a commit's add or remove; first is false when the
// file was already decided by a newer action.
func (r *replay) markSeen(path string, dv *DeletionVector) (first bool) {
	k := r.key(path, dv)
	if _, ok := r.seen[k]; ok {
		return false
	}
	r.seen[k] = struct{}{}
	r.seenBase[baseName(path)] = struct{}{}
	return true
}

// baseName is the decoded last path segment: equal canonical paths have
// equal base names.
func baseName(p string) string {
	if strings.Contains(p, "%") {
		p = decodePath(p)
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// common handles the non-file actions: the newest of each wins.
func (r *replay) common(a *action) {
	if a.Protocol != nil && r.protocol == nil {
		r.protocol = a.Protocol
	}
	if a.MetaData != nil && r.metadata == nil {
		r.metadata = a.MetaData
	}
	if a.Txn != nil {
		if _, ok := r.txns[a.Txn.AppID]; !ok {
			r.txns[a.Txn.AppID] = *a.Txn
		}
	}
	if a.DomainMetadata != nil {
		if _, ok := r.domains[a.DomainMetadata.Domain]; !ok {
			r.domains[a.DomainMetadata.Domain] = *a.DomainMetadata
		}
	}
}

func (t *Table) replaySegment(ctx context.Context, seg *logSegment) (*Snapshot, error) {
	r := &replay{st: t.st, root: t.root, seen: map[string]struct{}{}, seenBase: map[string]struct{}{}, txns: map[string]AppTransaction{}, domains: map[string]DomainMetadata{}, ict: map[int64]int64{}}
	// Commits, newest first: the first action seen for a file decides it.
	// They are fetched concurrently and parsed in order.
	newest := make([]string, len(seg.replay))
	for i := range seg.replay {
		newest[i] = seg.replay[len(seg.replay)-1-i].Path
	}
	err := readOrdered(ctx, t.st, newest, t.concurrency, "commit", func(i int, data []byte) error {
		c := seg.replay[len(seg.replay)-1-i]
		first := true
		return parseActions(c.Path, data, func(a *action) error {
			if first && a.CommitInfo != nil && a.CommitInfo.InCommitTimestamp != nil {
				r.ict[c.version] = *a.CommitInfo.InCommitTimestamp
			}
			first = false
			r.common(a)
			if a.Add != nil {
				if r.markSeen(a.Add.Path, a.Add.DeletionVector) {
					r.adds = append(r.adds, a.Add)
				}
			}
			if a.Remove != nil {
				r.markSeen(a.Remove.Path, a.Remove.DeletionVector)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// Checkpoint: non-file actions first (the schema shapes the file columns).
	var cpAdds []*addAction
	var sidecars []FileInfo
	var partRows map[string]int64 // row counts of parquet parts, from their footers
	cp := seg.checkpoint
	if cp != nil {
		// Read the parts concurrently, then apply their actions in part
		// order so the result never depends on timing.
		acts := make([][]*action, len(cp.files))
		errs := make([]error, len(cp.files))
		partRows = make(map[string]int64, len(cp.files))
		var rowsMu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, t.partConcurrency())
		for i, fi := range cp.files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				collect := func(a *action) error {
					acts[i] = append(acts[i], a)
					return nil
				}
				if strings.HasSuffix(fi.Path, ".json") {
					data, err := t.st.Read(ctx, fi.Path)
					if err != nil {
						errs[i] = fmt.Errorf("read checkpoint %s: %w", fi.Path, err)
						return
					}
					errs[i] = parseActions(fi.Path, data, collect)
					return
				}
				errs[i] = nonFileActions(ctx, t.st, fi, func(n int64) {
					rowsMu.Lock()
					partRows[fi.Path] = min(n, fi.Size) // never more rows than bytes
					rowsMu.Unlock()
				}, collect)
			}()
		}
		wg.Wait()
		for i := range cp.files {
			if errs[i] != nil {
				return nil, errs[i]
			}
			for _, a := range acts[i] {
				r.common(a)
				if a.Sidecar != nil {
					sidecars = append(sidecars, FileInfo{Path: sidecarPath(a.Sidecar.Path), Size: a.Sidecar.SizeInBytes})
				}
				if a.Add != nil && !r.isSeen(a.Add.Path, a.Add.DeletionVector) {
					cpAdds = append(cpAdds, a.Add)
				}
			}
		}
	}
	if r.protocol == nil {
		return nil, fmt.Errorf("%w (version %d of %s)", ErrMissingProtocol, seg.version, t.location)
	}
	if r.metadata == nil {
		return nil, fmt.Errorf("%w (version %d of %s)", ErrMissingMetadata, seg.version, t.location)
	}
	if err := checkProtocol(r.protocol); err != nil {
		return nil, fmt.Errorf("%s version %d: %w", t.location, seg.version, err)
	}
	schema, err := ParseSchema(r.metadata.SchemaString)
	if err != nil {
		return nil, fmt.Errorf("%s version %d: %w", t.location, seg.version, err)
	}
	if err := checkTypeChanges(schema); err != nil {
		return nil, fmt.Errorf("%s version %d: %w", t.location, seg.version, err)
	}
	r.metadata.Schema = schema
	if r.metadata.PartitionColumns == nil {
		r.metadata.PartitionColumns = []string{}
	}
	if r.metadata.Configuration == nil {
		r.metadata.Configuration = map[string]string{}
	}
	if r.lay, err = newLayoutKeep(schema, r.metadata.PartitionColumns, r.metadata.ColumnMappingMode(), seg.stats); err != nil {
		return nil, fmt.Errorf("%w: %s version %d: %v", ErrCorruptLog, t.location, seg.version, err)
	}

	// One arena for all files: the commit adds first, then a window per
	// parquet part sized from its footer (sidecars, of unknown size, get
	// builders of their own).
	var pq []FileInfo
	if cp != nil {
		for _, fi := range cp.files {
			if !strings.HasSuffix(fi.Path, ".json") {
				pq = append(pq, fi)
			}
		}
		pq = append(pq, sidecars...)
		t.progress.sidecars(sidecars)
	}
	nJSON := len(r.adds) + len(cpAdds)
	total := nJSON
	for _, fi := range pq {
		total += int(partRows[fi.Path])
	}
	arena := newFileCols(r.lay)
	arena.reserve(total)
	fc := arena.windowOf(0, nJSON)
	builders := []*fileCols{fc}
	appendJSON := func(adds []*addAction) error {
		for _, a := range adds {
			if err := r.appendAdd(fc, a); err != nil {
				return err
			}
		}
		return nil
	}
	if err := appendJSON(r.adds); err != nil {
		return nil, err
	}
	if err := appendJSON(cpAdds); err != nil {
		return nil, err
	}
	if len(pq) > 0 {
		windows := make([]*fileCols, len(pq))
		off := nJSON
		for i, fi := range pq {
			if n, ok := partRows[fi.Path]; ok {
				windows[i] = arena.windowOf(off, int(n))
				off += int(n)
			}
		}
		more, err := readCheckpointAdds(ctx, r, pq, t.partConcurrency(), windows)
		if err != nil {
			return nil, err
		}
		builders = append(builders, more...)
	}

	snap := &Snapshot{
		Location: t.location, Version: seg.version, Protocol: *r.protocol, Metadata: *r.metadata,
	}
	if cp != nil {
		v := cp.version
		snap.CheckpointVersion = &v
	}
	if snap.Files, err = buildFileSet(r.lay, arena, builders); err != nil {
		return nil, fmt.Errorf("%s version %d: %w", t.location, seg.version, err)
	}
	snap.summarize()
	snap.LogSegment = newLogSegmentInfo(seg, sidecars)
	if seg.crc != nil {
		data, err := t.st.Read(ctx, seg.crc.Path)
		if err != nil {
			return nil, fmt.Errorf("read checksum %s: %w", seg.crc.Path, err)
		}
		if err := checkCRC(data, seg.crc.Path, snap); err != nil {
			return nil, fmt.Errorf("%s: %w", t.location, err)
		}
	}
	for _, tx := range r.txns {
		snap.AppTransactions = append(snap.AppTransactions, tx)
	}
	sort.Slice(snap.AppTransactions, func(i, j int) bool { return snap.AppTransactions[i].AppID < snap.AppTransactions[j].AppID })
	for _, d := range r.domains {
		if !d.Removed {
			snap.DomainMetadata = append(snap.DomainMetadata, d)
		}
	}
	sort.Slice(snap.DomainMetadata, func(i, j int) bool { return snap.DomainMetadata[i].Domain < snap.DomainMetadata[j].Domain })
	snap.TimestampMs, err = t.commitTimestamp(ctx, seg, r)
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// summarize totals the file set. With no active files the record count is
// known: 0.
func (s *Snapshot) summarize() {
	f := s.Files
	var recs int64
	known := true
	for i := 0; i < f.Len(); i++ {
		s.SizeBytes += f.Sizes[i]
		if f.NumRecords[i] < 0 {
			known = false
		} else {
			recs += f.NumRecords[i]
		}
		if f.DVCardinality[i] > 0 {
			s.NumDeletedRecords += f.DVCardinality[i]
		}
	}
	if known {
		s.NumRecords = &recs
	}
}

// appendAdd adds one JSON add action to fc.
func (r *replay) appendAdd(fc *fileCols, a *addAction) error {
	card := int64(-1)
	if a.DeletionVector != nil {
		card = a.DeletionVector.Cardinality
	}
	row := fc.begin(decodePath(a.Path), a.Size, a.ModificationTime, card, a.DeletionVector.uniqueID())
	r.startPartitions(fc)
	for k, v := range a.PartitionValues { // order is irrelevant: keys are distinct
		if v == nil {
			r.partitionKV(fc, k, "", false)
		} else {
			r.partitionKV(fc, k, *v, true)
		}
	}
	if err := r.endPartitions(fc); err != nil {
		return fmt.Errorf("%w: add %s: %v", ErrCorruptLog, a.Path, err)
	}
	if a.Stats != nil && *a.Stats != "" {
		if err := fc.parseStats(*a.Stats, row); err != nil {
			return fmt.Errorf("%w: add %s stats: %v", ErrCorruptLog, a.Path, err)
		}
	}
	if a.statsEscaped != "" {
		var ok bool
		if fc.statsBuf, ok = unescapeInto(fc.statsBuf, a.statsEscaped); !ok {
			return fmt.Errorf("%w: add %s stats: bad JSON string", ErrCorruptLog, a.Path)
		}
		// parseStats keeps nothing of its input (values are converted or
		// cloned), so a view of the reused buffer is enough.
		if len(fc.statsBuf) > 0 {
			if err := fc.parseStats(unsafe.String(&fc.statsBuf[0], len(fc.statsBuf)), row); err != nil {
				return fmt.Errorf("%w: add %s stats: %v", ErrCorruptLog, a.Path, err)
			}
		}
	}
	return nil
}

// Partition values of one file arrive as key/value pairs (physical names):
// startPartitions, then partitionKV per pair, then endPartitions, which
// records them (absent columns are NULL). Plain calls rather than an
// iterator callback: a closure per file costs an allocation per file.
func (r *replay) startPartitions(fc *fileCols) {
	n := len(r.lay.parts)
	// Per-builder scratch: builders run on different goroutines.
	if len(fc.scratchRaw) != n {
		fc.scratchRaw, fc.scratchOK = make([]string, n), make([]bool, n)
	}
	clear(fc.scratchRaw)
	clear(fc.scratchOK)
}

func (r *replay) partitionKV(fc *fileCols, k, v string, valid bool) {
	for j := range r.lay.parts {
		if r.lay.parts[j].physical == k {
			fc.scratchRaw[j], fc.scratchOK[j] = v, valid
		}
	}
}

func (r *replay) endPartitions(fc *fileCols) error {
	for j := range r.lay.parts {
		if err := fc.setPartition(j, fc.scratchRaw[j], fc.scratchOK[j]); err != nil {
			return fmt.Errorf("partition column %s: %v", r.lay.parts[j].logical, err)
		}
	}
	return nil
}

// buildFileSet moves the files of all builders into arena (in place when
// they are windows of it), sorts them by path in place and hands the
// columns to one FileSet.
func buildFileSet(lay *layout, arena *fileCols, parts []*fileCols) (*model.FileSet, error) {
	arena.compact(parts)
	n := arena.len()
	arena.permute(sortedRows(arena.paths))
	out := &model.FileSet{
		Paths: arena.paths, Sizes: arena.sizes, ModTimes: arena.mods, NumRecords: arena.numRecs,
		DVCardinality: arena.dvCard, DVIDs: arena.dvIDs, TightBounds: arena.tight,
	}
	for i := 1; i < n; i++ {
		if out.Paths[i] == out.Paths[i-1] {
			return nil, fmt.Errorf("%w: file %s is active twice", ErrCorruptLog, out.Paths[i])
		}
	}
	for j, pc := range lay.parts {
		k, sc, _ := kindOf(pc.typ)
		col := model.PartitionColumn{Name: pc.logical, Raw: arena.partRaw[j], RawValid: arena.partValid[j]}
		col.Values = model.NewVector(k, sc, n)
		type typedValue struct {
			v  model.Value
			ok bool
		}
		typed := map[string]typedValue{} // partition values repeat: parse each once
		for i := range col.Raw {
			v := model.Null
			if col.RawValid[i] {
				tv, seen := typed[col.Raw[i]]
				if !seen {
					var err error
					tv.v, err = parsePartitionValue(col.Raw[i], pc.typ)
					tv.ok = err == nil
					typed[col.Raw[i]] = tv
				}
				v = tv.v
				if !tv.ok {
					// A value this reader cannot type (an engine's format
					// it does not know) is listed raw and never pruned.
					if col.Undecoded == nil {
						col.Undecoded = make([]bool, n)
					}
					col.Undecoded[i] = true
				}
			}
			col.Values.Append(v)
		}
		out.Partitions = append(out.Partitions, col)
	}
	for j := range lay.leaves {
		st := &arena.stats[j]
		if !st.any {
			continue
		}
		out.Stats = append(out.Stats, model.ColumnStats{Path: lay.leaves[j].Logical, Min: st.min, Max: st.max, NullCount: st.nulls})
	}
	sort.SliceStable(out.Stats, func(a, b int) bool { return out.Stats[a].Path.String() < out.Stats[b].Path.String() })
	return out, nil
}

// keyed is a file's row with the 16 bytes of its path after the prefix
// all paths share, big-endian, so most comparisons are two integer
// compares instead of a string compare. 24 bytes: it exists for every
// file at the end of a load, when the heap is largest.
type keyed struct {
	k1, k2 uint64
	at     int32
}

// cmpKeyedFunc orders keyed rows of paths.
func cmpKeyedFunc(paths []string) func(a, b keyed) int {
	return func(a, b keyed) int {
		if a.k1 != b.k1 {
			return cmpU64(a.k1, b.k1)
		}
		if a.k2 != b.k2 {
			return cmpU64(a.k2, b.k2)
		}
		return strings.Compare(paths[a.at], paths[b.at])
	}
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// prefixKey packs up to 8 bytes of s from off, zero-padded: the order of
// keys agrees with the order of the strings.
func prefixKey(s string, off int) uint64 {
	var k uint64
	for i := 0; i < 8; i++ {
		k <<= 8
		if off+i < len(s) {
			k |= uint64(s[off+i])
		}
	}
	return k
}

// sortedRows returns the order of paths (row numbers, in path order):
// chunks sort in parallel, then merge.
func sortedRows(paths []string) []int32 {
	n := len(paths)
	lcp := 0
	if n > 0 {
		first := paths[0]
		lcp = len(first)
		for _, p := range paths[1:] {
			m := min(lcp, len(p))
			i := 0
			for i < m && p[i] == first[i] {
				i++
			}
			lcp = i
		}
	}
	items := make([]keyed, n)
	for r, path := range paths {
		items[r] = keyed{prefixKey(path, lcp), prefixKey(path, lcp+8), int32(r)}
	}
	cmp := cmpKeyedFunc(paths)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/50_000))
	chunks := make([][]keyed, workers)
	var wg sync.WaitGroup
	for w := range chunks {
		chunks[w] = items[w*n/workers : (w+1)*n/workers]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !slices.IsSortedFunc(chunks[w], cmp) {
				slices.SortFunc(chunks[w], cmp)
			}
		}()
	}
	wg.Wait()
	out := make([]int32, 0, n)
	// k-way merge of the sorted chunks (k is the number of cores).
	for {
		best := -1
		for w, c := range chunks {
			if len(c) > 0 && (best < 0 || cmp(c[0], chunks[best][0]) < 0) {
				best = w
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, chunks[best][0].at)
		chunks[best] = chunks[best][1:]
	}
}

// decodePath percent-decodes an add/remove path (kept as is when it has a
// bad escape).
func decodePath(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	if d, err := url.PathUnescape(p); err == nil {
		return d
	}
	return p
}

// canonicalPath resolves a log path to the absolute file it names, as the
// protocol says: a path with a scheme is an absolute URI, anything else is
// relative to the table root; both are percent-decoded. So "file:" URIs,
// escapes, s3a:// aliases and relative paths naming one file compare equal.
func canonicalPath(root, p string) string {
	if hasScheme(p) {
		if u, err := url.Parse(p); err == nil && u.Scheme != "" {
			scheme := canonicalScheme(u.Scheme)
			if scheme == "file" {
				return u.Path
			}
			host := u.Host
			if u.User != nil { // abfss://container@account.dfs.core.windows.net
				host = u.User.Username() + "@" + host
			}
			return scheme + "://" + host + u.Path
		}
		// Not a valid URI (a control character, a bad escape): split it by
		// hand so it still names the same file as its relative form.
		i := strings.IndexByte(p, ':')
		scheme, rest := canonicalScheme(p[:i]), strings.TrimPrefix(p[i+1:], "//")
		if scheme == "file" {
			return decodePath(rest)
		}
		auth, path := rest, ""
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			auth, path = rest[:j], rest[j:]
		}
		return scheme + "://" + auth + decodePath(path)
	}
	d := decodePath(p)
	if strings.HasPrefix(d, "/") {
		return d
	}
	return root + "/" + d
}

// hasScheme reports whether p starts with a URI scheme ("s3:", "file:"),
// not a Windows drive letter or a relative path with a colon later on.
func hasScheme(p string) bool {
	i := strings.IndexByte(p, ':')
	if i < 2 { // "c:" is a drive letter
		return false
	}
	for j := 0; j < i; j++ { // RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
		c := p[j]
		letter := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !letter && (j == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// canonicalScheme lower-cases a scheme and folds Hadoop's S3 aliases, which
// name the same objects as s3://.
func canonicalScheme(s string) string {
	s = strings.ToLower(s)
	if s == "s3a" || s == "s3n" {
		return "s3"
	}
	return s
}

// canonicalRoot turns a table root (an absolute local path or an
// object-store URI whose path is the literal key prefix) into the form
// canonicalPath joins relative paths to: '/'-separated, no trailing '/',
// scheme folded.
func canonicalRoot(root string) string {
	if hasScheme(root) && strings.HasPrefix(strings.ToLower(root), "file:") {
		root = canonicalPath("", root) // file:///x: its path
	}
	if !hasScheme(root) {
		if root == "/" {
			return ""
		}
		return strings.TrimRight(filepath.ToSlash(root), "/")
	}
	i := strings.IndexByte(root, ':')
	rest := strings.TrimPrefix(root[i+1:], "//")
	return canonicalScheme(root[:i]) + "://" + strings.TrimRight(rest, "/")
}

func sidecarPath(p string) string {
	if strings.Contains(p, "/") || strings.Contains(p, ":") {
		// Absolute sidecar paths are not in this table's storage; keep the
		// path relative to _delta_log/_sidecars when it points there.
		if i := strings.Index(p, "_delta_log/_sidecars/"); i >= 0 {
			return p[i:]
		}
		return p
	}
	return logDir + "_sidecars/" + p
}

// supportedReaderFeatures are the reader features this package implements.
var supportedReaderFeatures = map[string]bool{
	"columnMapping": true, "deletionVectors": true, "timestampNtz": true, "v2Checkpoint": true,
	"vacuumProtocolCheck": true, "typeWidening": true, "typeWidening-preview": true,
	// Variant columns read as the protocol's struct of binary value and
	// metadata; their statistics are never used. Shredded variants keep
	// that logical form (the shredded columns are a data-file matter).
	"variantType": true, "variantType-preview": true,
	"variantShredding": true, "variantShredding-preview": true,
}

// catalogFeatures are reader features that hand the table's commits to a
// catalog: such a table must be read through it.
var catalogFeatures = map[string]bool{"catalogManaged": true, "catalogOwned-preview": true}

func checkProtocol(p *Protocol) error {
	switch {
	case p.MinReaderVersion < 1:
		return fmt.Errorf("%w: minReaderVersion %d", ErrUnsupportedReaderVersion, p.MinReaderVersion)
	case p.MinReaderVersion > 3:
		return fmt.Errorf("%w: minReaderVersion %d (this reader supports 1 to 3)", ErrUnsupportedReaderVersion, p.MinReaderVersion)
	case p.MinReaderVersion == 3:
		var bad []string
		for _, f := range p.ReaderFeatures {
			if catalogFeatures[f] {
				return &CatalogRequiredError{Feature: f}
			}
			if !supportedReaderFeatures[f] {
				bad = append(bad, f)
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return fmt.Errorf("%w: %s", ErrUnsupportedReaderFeature, strings.Join(bad, ", "))
		}
	}
	return nil
}

// ictEnablement returns the version from which in-commit timestamps are
// used, or -1 when the metadata does not enable them.
func ictEnablement(m *Metadata) int64 {
	if m == nil || !strings.EqualFold(m.Configuration["delta.enableInCommitTimestamps"], "true") {
		return -1
	}
	if v, err := strconv.ParseInt(m.Configuration["delta.inCommitTimestampEnablementVersion"], 10, 64); err == nil {
		return v
	}
	return 0
}

// commitTimestamp is the pinned version's timestamp: its in-commit
// timestamp when enabled, else the commit (or checkpoint) file's mtime.
func (t *Table) commitTimestamp(ctx context.Context, seg *logSegment, r *replay) (int64, error) {
	if e := ictEnablement(r.metadata); e >= 0 && seg.version >= e {
		if ts, ok := r.ict[seg.version]; ok {
			return ts, nil
		}
		// The version's state came from its checkpoint or a log
		// compaction file, which keep no commitInfo: its commit file
		// still dates it.
		if n := len(seg.commits); n > 0 {
			return t.inCommitTimestamp(ctx, seg.commits[n-1].Path)
		}
		if c := seg.checkpointCommit; c != nil {
			return t.inCommitTimestamp(ctx, c.Path)
		}
	}
	if n := len(seg.commits); n > 0 {
		return seg.commits[n-1].ModTime.UnixMilli(), nil
	}
	if seg.checkpoint != nil {
		return seg.checkpoint.files[0].ModTime.UnixMilli(), nil
	}
	return 0, nil
}

// inCommitTimestamp reads the in-commit timestamp of one commit file (its
// first action is commitInfo when the table enables them).
func (t *Table) inCommitTimestamp(ctx context.Context, path string) (int64, error) {
	data, err := t.st.Read(ctx, path)
	if err != nil {
		return 0, fmt.Errorf("read commit %s: %w", path, err)
	}
	var got *int64
	if err := parseActions(path, firstLine(data), func(a *action) error {
		if a.CommitInfo != nil {
			got = a.CommitInfo.InCommitTimestamp
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if got == nil {
		return 0, fmt.Errorf("%w: %s: in-commit timestamps are enabled but the commit has none", ErrCorruptLog, path)
	}
	return *got, nil
}

// latestMetadata reads the newest metaData action of seg without building
// its file set (a timestamp search must not cost a full load): commits
// newest first until one has it, else the checkpoint's parts.
func (t *Table) latestMetadata(ctx context.Context, seg *logSegment) (*Metadata, error) {
	var meta *Metadata
	collect := func(a *action) error {
		if a.MetaData != nil && meta == nil {
			meta = a.MetaData
		}
		return nil
	}
	newest := make([]string, len(seg.commits))
	for i := range seg.commits {
		newest[i] = seg.commits[len(seg.commits)-1-i].Path
	}
	errFound := errors.New("found")
	err := readOrdered(ctx, t.st, newest, t.concurrency, "commit", func(i int, data []byte) error {
		if err := parseActions(newest[i], data, collect); err != nil {
			return err
		}
		if meta != nil {
			return errFound // the reads still in flight are cancelled
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	if cp := seg.checkpoint; meta == nil && cp != nil {
		for _, fi := range cp.files {
			var err error
			if strings.HasSuffix(fi.Path, ".json") {
				var data []byte
				if data, err = t.st.Read(ctx, fi.Path); err != nil {
					return nil, fmt.Errorf("read checkpoint %s: %w", fi.Path, err)
				}
				err = parseActions(fi.Path, data, collect)
			} else {
				err = nonFileActions(ctx, t.st, fi, nil, collect)
			}
			if err != nil {
				return nil, err
			}
			if meta != nil {
				break
			}
		}
	}
	if meta == nil {
		return nil, fmt.Errorf("%w (version %d of %s)", ErrMissingMetadata, seg.version, t.location)
	}
	return meta, nil
}

// versionAt finds the latest version whose commit timestamp is at or before
// tsMs.
func (t *Table) versionAt(ctx context.Context, tsMs int64) (int64, error) {
	l, err := listLog(ctx, t.st, 0)
	if err != nil {
		return 0, err
	}
	latest, err := l.segment(-1)
	if err != nil {
		return 0, err
	}
	// The latest metadata decides whether (and from when) in-commit
	// timestamps apply.
	meta, err := t.latestMetadata(ctx, latest)
	if err != nil {
		return 0, err
	}
	ict := ictEnablement(meta)
	versions := make([]int64, 0, len(l.commits))
	for v := range l.commits {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	if len(versions) == 0 {
		return 0, fmt.Errorf("%w: %s has no commit files to date", ErrTimestampOutOfRange, t.location)
	}
	best := int64(-1)
	var ictPaths []string // commits dated by their in-commit timestamp, oldest first
	var ictVersions []int64
	for _, v := range versions {
		if ict >= 0 && v >= ict {
			ictPaths = append(ictPaths, l.commits[v].Path)
			ictVersions = append(ictVersions, v)
			continue
		}
		if l.commits[v].ModTime.UnixMilli() <= tsMs {
			best = v
		}
	}
	// In-commit timestamps are monotonic: stop at the first one after tsMs
	// (the reads already in flight are cancelled).
	errStop := errors.New("stop")
	err = readOrdered(ctx, t.st, ictPaths, t.concurrency, "commit", func(i int, data []byte) error {
		path := ictPaths[i]
		var got *int64
		if err := parseActions(path, firstLine(data), func(a *action) error {
			if a.CommitInfo != nil {
				got = a.CommitInfo.InCommitTimestamp
			}
			return nil
		}); err != nil {
			return err
		}
		if got == nil {
			return fmt.Errorf("%w: %s: in-commit timestamps are enabled but the commit has none", ErrCorruptLog, path)
		}
		if *got > tsMs {
			return errStop
		}
		best = ictVersions[i]
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return 0, err
	}
	if best < 0 {
		first := time.UnixMilli(l.commits[versions[0]].ModTime.UnixMilli()).UTC()
		return 0, fmt.Errorf("%w: %s is before the earliest commit (version %d at %s)", ErrTimestampOutOfRange,
			time.UnixMilli(tsMs).UTC().Format(time.RFC3339Nano), versions[0], first.Format(time.RFC3339Nano))
	}
	return best, nil
}

func firstLine(b []byte) []byte {
	for i, c := range b {
		if c == '\n' {
			return b[:i]
		}
	}
	return b
}
