package deltawrite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
)

// The classic checkpoint schema of the Delta protocol (the columns this
// writer fills: txn, add, remove, metaData, protocol). Every row sets
// exactly one of them.
type ckptRow struct {
	Txn      *ckptTxn      `parquet:"txn,optional"`
	Add      *ckptAdd      `parquet:"add,optional"`
	Remove   *ckptRemove   `parquet:"remove,optional"`
	MetaData *ckptMeta     `parquet:"metaData,optional"`
	Protocol *ckptProtocol `parquet:"protocol,optional"`
}

type ckptTxn struct {
	AppID       string `parquet:"appId"`
	Version     int64  `parquet:"version"`
	LastUpdated *int64 `parquet:"lastUpdated,optional"`
}

type ckptAdd struct {
	Path             string             `parquet:"path"`
	PartitionValues  map[string]*string `parquet:"partitionValues"`
	Size             int64              `parquet:"size"`
	ModificationTime int64              `parquet:"modificationTime"`
	DataChange       bool               `parquet:"dataChange"`
	Stats            *string            `parquet:"stats,optional"`
}

type ckptRemove struct {
	Path              string `parquet:"path"`
	DeletionTimestamp *int64 `parquet:"deletionTimestamp,optional"`
	DataChange        bool   `parquet:"dataChange"`
}

type ckptFormat struct {
	Provider string            `parquet:"provider"`
	Options  map[string]string `parquet:"options"`
}

type ckptMeta struct {
	ID               string            `parquet:"id"`
	Name             *string           `parquet:"name,optional"`
	Description      *string           `parquet:"description,optional"`
	Format           ckptFormat        `parquet:"format"`
	SchemaString     string            `parquet:"schemaString"`
	PartitionColumns []string          `parquet:"partitionColumns,list"`
	Configuration    map[string]string `parquet:"configuration"`
	CreatedTime      *int64            `parquet:"createdTime,optional"`
}

type ckptProtocol struct {
	MinReaderVersion int32 `parquet:"minReaderVersion"`
	MinWriterVersion int32 `parquet:"minWriterVersion"`
}

type lastCheckpoint struct {
	Version       int64 `json:"version"`
	Size          int64 `json:"size"`
	SizeInBytes   int64 `json:"sizeInBytes"`
	NumOfAddFiles int64 `json:"numOfAddFiles"`
}

// Checkpoint writes the classic checkpoint of version v
// (_delta_log/<v>.checkpoint.parquet, the state the delta reader replays
// for v) and then overwrites _delta_log/_last_checkpoint. A checkpoint is
// idempotent for its version, so a plain put is enough. Tables with
// deletion vectors, domain metadata or column mapping are refused
// (ErrUnsupportedTable); remove tombstones are not kept.
func (t *Table) Checkpoint(ctx context.Context, v int64) error {
	dt, err := delta.Open(ctx, t.st, t.root)
	if err != nil {
		return fmt.Errorf("checkpoint %d: %w", v, err)
	}
	snap, err := dt.Snapshot(ctx, delta.AtVersion(v))
	if err != nil {
		return fmt.Errorf("checkpoint %d: %w", v, err)
	}
	rows, err := checkpointRows(snap)
	if err != nil {
		return fmt.Errorf("checkpoint %d of %s: %w", v, t.where(), err)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[ckptRow](&buf, parquet.Compression(&parquet.Snappy), parquet.CreatedBy(engineInfo, "1", ""))
	if _, err := w.Write(rows); err != nil {
		return fmt.Errorf("checkpoint %d: encode: %w", v, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("checkpoint %d: encode: %w", v, err)
	}
	path := fmt.Sprintf("_delta_log/%020d.checkpoint.parquet", v)
	if err := t.st.Put(ctx, path, buf.Bytes()); err != nil {
		return fmt.Errorf("checkpoint %d: %w", v, err)
	}
	last, _ := json.Marshal(lastCheckpoint{Version: v, Size: int64(len(rows)), SizeInBytes: int64(buf.Len()), NumOfAddFiles: int64(snap.Files.Len())})
	if err := t.st.Put(ctx, "_delta_log/_last_checkpoint", last); err != nil {
		return fmt.Errorf("checkpoint %d: %w", v, err)
	}
	return nil
}

// checkpointRows turns a snapshot into checkpoint rows: protocol,
// metaData, txns, then one add per active file with its stats rebuilt as
// JSON from the snapshot's typed statistics.
func checkpointRows(s *delta.Snapshot) ([]ckptRow, error) {
	if len(s.Protocol.ReaderFeatures) > 0 || len(s.Protocol.WriterFeatures) > 0 || s.Metadata.ColumnMappingMode() != "none" || len(s.DomainMetadata) > 0 {
		return nil, fmt.Errorf("%w: table features, column mapping or domain metadata", ErrUnsupportedTable)
	}
	fs := s.Files
	for i := range fs.DVCardinality {
		if fs.DVCardinality[i] >= 0 {
			return nil, fmt.Errorf("%w: %s has a deletion vector", ErrUnsupportedTable, fs.Paths[i])
		}
	}
	m := s.Metadata
	opts := m.Format.Options
	if opts == nil {
		opts = map[string]string{}
	}
	rows := []ckptRow{
		{Protocol: &ckptProtocol{MinReaderVersion: int32(s.Protocol.MinReaderVersion), MinWriterVersion: int32(s.Protocol.MinWriterVersion)}},
		{MetaData: &ckptMeta{ID: m.ID, Name: m.Name, Description: m.Description, Format: ckptFormat{Provider: m.Format.Provider, Options: opts},
			SchemaString: m.SchemaString, PartitionColumns: m.PartitionColumns, Configuration: m.Configuration, CreatedTime: m.CreatedTime}},
	}
	for _, tx := range s.AppTransactions {
		rows = append(rows, ckptRow{Txn: &ckptTxn{AppID: tx.AppID, Version: tx.Version, LastUpdated: tx.LastUpdated}})
	}
	for i := 0; i < fs.Len(); i++ {
		a := &ckptAdd{Path: encodePath(fs.Paths[i]), PartitionValues: map[string]*string{}, Size: fs.Sizes[i], ModificationTime: fs.ModTimes[i], DataChange: false}
		for _, p := range fs.Partitions {
			if p.RawValid[i] {
				a.PartitionValues[p.Name] = &p.Raw[i]
			} else {
				a.PartitionValues[p.Name] = nil
			}
		}
		st, err := statsJSON(fs, i)
		if err != nil {
			return nil, err
		}
		a.Stats = st
		rows = append(rows, ckptRow{Add: a})
	}
	return rows, nil
}

// encodePath percent-encodes a decoded log path segment by segment, so the
// reader's decoding gives it back.
func encodePath(p string) string {
	if !strings.ContainsAny(p, "% ?#") && url.PathEscape(p) == strings.ReplaceAll(p, "/", "%2F") {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if i == 0 && strings.HasSuffix(s, ":") {
			continue // a scheme
		}
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// statsJSON renders file i's statistics in the Spark shape; nil when the
// file has none.
func statsJSON(fs *model.FileSet, i int) (*string, error) {
	out := map[string]any{}
	mins, maxs, nulls := map[string]any{}, map[string]any{}, map[string]any{}
	put := func(dst map[string]any, path model.Column, v any) {
		for _, p := range path[:len(path)-1] {
			next, ok := dst[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				dst[p] = next
			}
			dst = next
		}
		dst[path[len(path)-1]] = v
	}
	any := false
	for c := range fs.Stats {
		cs := &fs.Stats[c]
		if len(cs.Path) == 0 {
			continue
		}
		if v, ok := statValue(&cs.Min, i); ok {
			put(mins, cs.Path, v)
			any = true
		}
		if v, ok := statValue(&cs.Max, i); ok {
			put(maxs, cs.Path, v)
			any = true
		}
		if n := cs.NullCount[i]; n >= 0 {
			put(nulls, cs.Path, n)
			any = true
		}
	}
	if fs.NumRecords[i] >= 0 {
		out["numRecords"] = fs.NumRecords[i]
		any = true
	}
	if !any {
		return nil, nil
	}
	if len(mins) > 0 {
		out["minValues"] = mins
	}
	if len(maxs) > 0 {
		out["maxValues"] = maxs
	}
	if len(nulls) > 0 {
		out["nullCount"] = nulls
	}
	if tb := fs.TightBounds[i]; tb >= 0 {
		out["tightBounds"] = tb == 1
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(b.String(), "\n")
	return &s, nil
}

// statValue renders one bound as the JSON value the reader parses back to
// the same typed value.
func statValue(v *model.Vector, i int) (any, bool) {
	if i >= len(v.Valid) || !v.Valid[i] {
		return nil, false
	}
	switch v.Kind {
	case model.KindBool:
		return v.Bools[i], true
	case model.KindInt:
		return v.Ints[i], true
	case model.KindFloat:
		return v.Floats[i], true
	case model.KindString:
		return v.Strs[i], true
	case model.KindDate:
		return time.Unix(v.Ints[i]*86400, 0).UTC().Format("2006-01-02"), true
	case model.KindTimestamp, model.KindTimestampNTZ:
		return time.UnixMicro(v.Ints[i]).UTC().Format("2006-01-02T15:04:05.000000Z07:00"), true
	case model.KindDecimal:
		if v.Decs[i] == nil {
			return nil, false
		}
		return json.Number(model.FormatDecimal(v.Decs[i], v.Scale)), true
	}
	return nil, false // binary: no bounds
}
