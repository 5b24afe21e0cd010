package deltawrite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"

	"github.com/deltaplan/deltaplan/delta"
)

// testHook marks points where tests stop or kill a writer.
var testHook = func(point string) {}

// engineInfo is written into every commitInfo.
const engineInfo = "deltaplan-deltawrite"

// Table is a handle for appending to one Delta table. It is safe for
// concurrent use; commits through one handle are serialized, and any
// number of handles (in any number of processes) may append to the same
// table at once.
//
// Invariant: version is a committed version of the table and meta,
// protocol and schema are the table's state at that version (or at a
// later one whose changes were compatible).
type Table struct {
	st   Storage
	root string
	o    options

	mu       sync.Mutex
	version  int64
	meta     delta.Metadata
	protocol delta.Protocol
	schema   *arrow.Schema
	pq       *parquet.Schema
}

// Create creates a table at st's root with the Arrow schema: commit 0 holds
// commitInfo, protocol (reader 1, writer 2) and metaData (a random id, the
// schema, no partition columns, the configuration of WithConfiguration and
// WithCheckpointInterval). It fails with ErrTableExists when commit 0 is
// already there, and with ErrUnsupportedStorage when st cannot create
// objects conditionally.
func Create(ctx context.Context, st delta.Storage, schema *arrow.Schema, opts ...Option) (*Table, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	ws, err := asStorage(st)
	if err != nil {
		return nil, err
	}
	if schema == nil || schema.NumFields() == 0 {
		return nil, fmt.Errorf("%w: a table needs at least one column", ErrUnsupportedType)
	}
	if err := validateFields(schema.Fields(), map[string]bool{}); err != nil {
		return nil, err
	}
	if err := validateConfig(o.config); err != nil {
		return nil, err
	}
	ss, err := schemaString(schema.Fields())
	if err != nil {
		return nil, err
	}
	if err := probe(ctx, ws); err != nil {
		return nil, err
	}
	now := time.Now().UnixMilli()
	meta := delta.Metadata{
		ID: uuid.NewString(), Format: delta.Format{Provider: "parquet", Options: map[string]string{}},
		SchemaString: ss, PartitionColumns: []string{}, Configuration: map[string]string{}, CreatedTime: &now,
	}
	if o.name != "" {
		meta.Name = &o.name
	}
	if o.description != "" {
		meta.Description = &o.description
	}
	for k, v := range o.config {
		meta.Configuration[k] = v
	}
	proto := delta.Protocol{MinReaderVersion: 1, MinWriterVersion: 2}
	t := &Table{st: ws, root: rootOf(ws), o: o, version: -1}
	if err := t.setState(meta, proto); err != nil {
		return nil, err
	}
	data, err := commitBytes(now, "CREATE TABLE", map[string]string{"isManaged": "false", "partitionBy": "[]"}, true,
		map[string]any{"protocol": proto}, map[string]any{"metaData": meta})
	if err != nil {
		return nil, err
	}
	if err := ws.PutIfAbsent(ctx, logPath(0), data); err != nil {
		if errors.Is(err, fs.ErrExist) && !ownCommit(ctx, ws, 0, data) {
			return nil, fmt.Errorf("%w: %s has a commit 0", ErrTableExists, t.where())
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create %s: %w", t.where(), err)
		}
	}
	t.version = 0
	return t, nil
}

// Open opens an existing table for appending: it reads the latest snapshot
// with the delta reader and refuses tables this writer cannot append to
// correctly (writer version above 2, reader version above 1, partition
// columns, column invariants, unsupported column types).
func Open(ctx context.Context, st delta.Storage, opts ...Option) (*Table, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	ws, err := asStorage(st)
	if err != nil {
		return nil, err
	}
	t := &Table{st: ws, root: rootOf(ws), o: o}
	dt, err := delta.Open(ctx, ws, t.root)
	if err != nil {
		return nil, err
	}
	snap, err := dt.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.setState(snap.Metadata, snap.Protocol); err != nil {
		return nil, err
	}
	if err := probe(ctx, ws); err != nil {
		return nil, err
	}
	t.version = snap.Version
	return t, nil
}

// OpenOrCreate is Open, or Create with schema when the table does not
// exist yet (schema nil: Open).
func OpenOrCreate(ctx context.Context, st delta.Storage, schema *arrow.Schema, opts ...Option) (*Table, error) {
	t, err := Open(ctx, st, opts...)
	if schema == nil || !errors.Is(err, delta.ErrTableNotFound) {
		return t, err
	}
	t, err = Create(ctx, st, schema, opts...)
	if errors.Is(err, ErrTableExists) {
		return Open(ctx, st, opts...) // another writer created it first
	}
	return t, err
}

// Version is the latest version this handle committed or saw.
func (t *Table) Version() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.version
}

// Schema is the schema records must have (as of Version).
func (t *Table) Schema() *arrow.Schema {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.schema
}

// Metadata is the table's metaData as of Version.
func (t *Table) Metadata() delta.Metadata {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.meta
}

// Append writes rec as one parquet data file and commits one add action
// for it, returning the committed version. rec's schema must equal Schema()
// (names, types, nullability, order; ErrSchemaMismatch otherwise) and rec
// must have rows (ErrEmptyRecord otherwise). On a lost race the log is re-read and the next version
// tried, up to WithMaxAttempts times with jittered backoff; commits by
// others in between are fine unless they change the schema or protocol
// incompatibly. When the version is a multiple of the checkpoint interval a
// checkpoint follows (see WithCheckpointHook).
func (t *Table) Append(ctx context.Context, rec arrow.RecordBatch) (int64, error) {
	if rec == nil || rec.NumRows() == 0 {
		return -1, ErrEmptyRecord
	}
	t.mu.Lock()
	want, pq := t.schema, t.pq
	t.mu.Unlock()
	if err := sameSchema(want, rec.Schema()); err != nil {
		return -1, err
	}
	data, stats, err := encodeParquet(rec, pq)
	if err != nil {
		return -1, err
	}
	path := "part-" + uuid.NewString() + ".parquet"
	if err := t.st.Put(ctx, path, data); err != nil {
		return -1, fmt.Errorf("write data file %s: %w", path, err)
	}
	testHook("data-written")
	now := time.Now().UnixMilli()
	add := map[string]any{"add": map[string]any{
		"path": path, "partitionValues": map[string]string{}, "size": len(data),
		"modificationTime": now, "dataChange": true, "stats": stats,
	}}
	fields := rec.Schema().Fields()
	v, err := t.commit(ctx, func() ([]byte, bool, error) {
		// A schema another writer changed meanwhile must still take the
		// file: its columns unchanged, every other column nullable.
		if err := compatible(t.schema, fields); err != nil {
			return nil, false, err
		}
		b, err := commitBytes(now, "WRITE", map[string]string{"mode": "Append", "partitionBy": "[]"}, true, add)
		return b, false, err
	})
	if err != nil {
		return -1, err
	}
	t.maybeCheckpoint(ctx, v)
	return v, nil
}

// AddColumns adds nullable columns to the schema with a metaData commit
// and returns the committed version. Columns already present with the same
// type are skipped (so concurrent callers adding the same columns agree);
// when nothing is left to add no commit is made and the current version is
// returned. A column present with another type is ErrSchemaMismatch.
// Fields are made nullable whatever their flag says.
func (t *Table) AddColumns(ctx context.Context, fields ...arrow.Field) (int64, error) {
	add := make([]arrow.Field, len(fields))
	for i, f := range fields {
		f.Nullable, f.Metadata = true, arrow.Metadata{}
		add[i] = f
	}
	if err := validateFields(add, map[string]bool{}); err != nil {
		return -1, err
	}
	v, err := t.commitMeta(ctx, func() ([]byte, *delta.Metadata, bool, error) {
		cur := t.schema.Fields()
		var missing []arrow.Field
		for _, f := range add {
			i := indexFold(cur, f.Name)
			switch {
			case i < 0:
				missing = append(missing, f)
			case cur[i].Name != f.Name || !arrow.TypeEqual(cur[i].Type, f.Type):
				return nil, nil, false, fmt.Errorf("%w: column %q exists as %q %s", ErrSchemaMismatch, f.Name, cur[i].Name, cur[i].Type)
			}
		}
		if len(missing) == 0 {
			return nil, nil, true, nil
		}
		ss, err := schemaString(append(append([]arrow.Field(nil), cur...), missing...))
		if err != nil {
			return nil, nil, false, err
		}
		meta := t.meta
		meta.SchemaString, meta.Schema = ss, nil
		names := make([]string, len(missing))
		for i, f := range missing {
			names[i] = f.Name
		}
		cols, _ := json.Marshal(names)
		b, err := commitBytes(time.Now().UnixMilli(), "ADD COLUMNS", map[string]string{"columns": string(cols)}, false, map[string]any{"metaData": meta})
		return b, &meta, false, err
	})
	if err != nil {
		return -1, err
	}
	t.maybeCheckpoint(ctx, v)
	return v, nil
}

// commit writes the commit build returns at the next version, put-if-absent,
// re-reading the log after every lost race. build runs under t.mu with
// the current state; skip means there is nothing to commit.
func (t *Table) commit(ctx context.Context, build func() (data []byte, skip bool, err error)) (int64, error) {
	return t.commitMeta(ctx, func() ([]byte, *delta.Metadata, bool, error) {
		data, skip, err := build()
		return data, nil, skip, err
	})
}

// commitMeta is commit for a commit that may carry a new metaData (meta),
// installed once the commit lands.
func (t *Table) commitMeta(ctx context.Context, build func() (data []byte, meta *delta.Metadata, skip bool, err error)) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	bound := t.o.baseBackoff
	for attempt := 1; ; attempt++ {
		data, meta, skip, err := build()
		if err != nil {
			return -1, err
		}
		if skip {
			return t.version, nil
		}
		v := t.version + 1
		testHook("commit")
		err = t.st.PutIfAbsent(ctx, logPath(v), data)
		if err == nil || errors.Is(err, fs.ErrExist) && ownCommit(ctx, t.st, v, data) {
			t.version = v
			if meta != nil {
				if err := t.setState(*meta, t.protocol); err != nil {
					return -1, fmt.Errorf("committed version %d: %w", v, err)
				}
			}
			return v, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return -1, fmt.Errorf("commit version %d of %s: %w", v, t.where(), err)
		}
		if attempt >= t.o.maxAttempts {
			return -1, fmt.Errorf("%w: %d attempts at %s, last at version %d", ErrTooManyRetries, attempt, t.where(), v)
		}
		wait := time.Duration(rand.Int64N(int64(bound)) + 1)
		bound = min(2*bound, t.o.maxBackoff)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return -1, ctx.Err()
		}
		if err := t.catchUp(ctx); err != nil {
			return -1, err
		}
	}
}

// catchUp reads the commits after t.version and applies their metaData
// and protocol actions. Called with t.mu held.
func (t *Table) catchUp(ctx context.Context) error {
	files, err := t.st.List(ctx, "_delta_log/", logPath(t.version))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("list %s/_delta_log: %w", t.where(), err)
	}
	have := map[int64]bool{}
	for _, fi := range files {
		name := strings.TrimPrefix(fi.Path, "_delta_log/")
		if len(name) == 25 && strings.HasSuffix(name, ".json") {
			if v, err := strconv.ParseInt(name[:20], 10, 64); err == nil {
				have[v] = true
			}
		}
	}
	for v := t.version + 1; have[v]; v++ {
		b, err := t.st.Read(ctx, logPath(v))
		if err != nil {
			return fmt.Errorf("read commit %d of %s: %w", v, t.where(), err)
		}
		meta, proto := t.meta, t.protocol
		changed := false
		for line := range bytes.SplitSeq(b, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var a struct {
				MetaData *delta.Metadata `json:"metaData"`
				Protocol *delta.Protocol `json:"protocol"`
			}
			if err := json.Unmarshal(line, &a); err != nil {
				return fmt.Errorf("%w: commit %d of %s: %v", delta.ErrCorruptLog, v, t.where(), err)
			}
			if a.MetaData != nil {
				meta, changed = *a.MetaData, true
			}
			if a.Protocol != nil {
				proto, changed = *a.Protocol, true
			}
		}
		if changed {
			if err := t.setState(meta, proto); err != nil {
				return fmt.Errorf("commit %d of %s: %w", v, t.where(), err)
			}
		}
		t.version = v
	}
	return nil
}

// setState installs a table state after checking this writer can append
// to it.
func (t *Table) setState(meta delta.Metadata, proto delta.Protocol) error {
	var probs []string
	if proto.MinReaderVersion > 1 || proto.MinWriterVersion > 2 {
		probs = append(probs, fmt.Sprintf("protocol reader %d writer %d (this writer does reader 1, writer 2)", proto.MinReaderVersion, proto.MinWriterVersion))
	}
	if len(meta.PartitionColumns) > 0 {
		probs = append(probs, fmt.Sprintf("partition columns %v (this writer writes unpartitioned tables)", meta.PartitionColumns))
	}
	if meta.ColumnMappingMode() != "none" {
		probs = append(probs, "column mapping")
	}
	if strings.Contains(meta.SchemaString, "delta.invariants") {
		probs = append(probs, "column invariants")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s: %s", ErrUnsupportedTable, t.where(), strings.Join(probs, "; "))
	}
	schema, err := tableSchema(meta.SchemaString)
	if err != nil {
		return fmt.Errorf("%s: %w", t.where(), err)
	}
	pq, err := parquetSchema(schema)
	if err != nil {
		return err
	}
	meta.Schema = nil
	t.meta, t.protocol, t.schema, t.pq = meta, proto, schema, pq
	return nil
}

// compatible: a file with fields can be added to a table with schema.
func compatible(schema *arrow.Schema, fields []arrow.Field) error {
	cur := schema.Fields()
	for _, f := range fields {
		i := indexFold(cur, f.Name)
		if i < 0 || !arrow.TypeEqual(cur[i].Type, f.Type) || cur[i].Name != f.Name {
			return fmt.Errorf("%w: the table schema changed under the append: column %q %s is gone or changed", ErrSchemaMismatch, f.Name, f.Type)
		}
	}
	for _, c := range cur {
		if indexFold(fields, c.Name) < 0 && !c.Nullable {
			return fmt.Errorf("%w: the table schema changed under the append: new column %q is not nullable", ErrSchemaMismatch, c.Name)
		}
	}
	return nil
}

func indexFold(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

func validateConfig(conf map[string]string) error {
	if v, ok := conf["delta.checkpointInterval"]; ok {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("%w: delta.checkpointInterval %q is not a positive integer", ErrInvalidOption, v)
		}
	}
	if v := conf["delta.columnMapping.mode"]; v != "" && v != "none" {
		return fmt.Errorf("%w: delta.columnMapping.mode %q needs writer features this writer lacks", ErrInvalidOption, v)
	}
	return nil
}

// checkpointInterval reads delta.checkpointInterval (default 100).
func (t *Table) checkpointInterval() int64 {
	if n, err := strconv.ParseInt(t.meta.Configuration["delta.checkpointInterval"], 10, 64); err == nil && n > 0 {
		return n
	}
	return DefaultCheckpointInterval
}

func (t *Table) maybeCheckpoint(ctx context.Context, v int64) {
	t.mu.Lock()
	every := t.checkpointInterval()
	t.mu.Unlock()
	if v <= 0 || v%every != 0 {
		return
	}
	err := t.Checkpoint(ctx, v)
	if t.o.onCkpt != nil {
		t.o.onCkpt(v, err)
	}
}

// commitBytes renders one commit: commitInfo first, then the actions, one
// JSON object per line.
func commitBytes(now int64, op string, params map[string]string, blind bool, actions ...map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	info := map[string]any{"commitInfo": map[string]any{
		"timestamp": now, "operation": op, "operationParameters": params,
		"isBlindAppend": blind, "engineInfo": engineInfo, "txnId": uuid.NewString(),
	}}
	for _, a := range append([]map[string]any{info}, actions...) {
		if err := enc.Encode(a); err != nil {
			return nil, fmt.Errorf("encode commit: %w", err)
		}
	}
	return buf.Bytes(), nil
}

// ownCommit tells a lost race from a retried request whose first attempt
// landed: the commit there is byte for byte ours (every commit carries a
// fresh txnId).
func ownCommit(ctx context.Context, st Storage, v int64, data []byte) bool {
	b, err := st.Read(ctx, logPath(v))
	return err == nil && bytes.Equal(b, data)
}

func logPath(v int64) string { return fmt.Sprintf("_delta_log/%020d.json", v) }

func rootOf(st Storage) string {
	if u, ok := st.(interface{ URI() string }); ok {
		return u.URI()
	}
	return ""
}

func (t *Table) where() string {
	if t.root == "" {
		return "the table"
	}
	return t.root
}
