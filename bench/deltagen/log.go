package deltagen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// Action JSON shapes (the subset deltagen writes).
type (
	Protocol struct {
		MinReaderVersion int      `json:"minReaderVersion"`
		MinWriterVersion int      `json:"minWriterVersion"`
		ReaderFeatures   []string `json:"readerFeatures,omitempty"`
		WriterFeatures   []string `json:"writerFeatures,omitempty"`
	}
	Format struct {
		Provider string            `json:"provider"`
		Options  map[string]string `json:"options"`
	}
	Metadata struct {
		ID               string            `json:"id"`
		Name             string            `json:"name,omitempty"`
		Format           Format            `json:"format"`
		SchemaString     string            `json:"schemaString"`
		PartitionColumns []string          `json:"partitionColumns"`
		Configuration    map[string]string `json:"configuration"`
		CreatedTime      int64             `json:"createdTime"`
	}
	Add struct {
		Path             string            `json:"path"`
		PartitionValues  map[string]string `json:"partitionValues"`
		Size             int64             `json:"size"`
		ModificationTime int64             `json:"modificationTime"`
		DataChange       bool              `json:"dataChange"`
		Stats            string            `json:"stats,omitempty"`
	}
	Remove struct {
		Path              string            `json:"path"`
		DeletionTimestamp int64             `json:"deletionTimestamp"`
		DataChange        bool              `json:"dataChange"`
		PartitionValues   map[string]string `json:"partitionValues,omitempty"`
		Size              int64             `json:"size,omitempty"`
	}
	CommitInfo struct {
		InCommitTimestamp *int64 `json:"inCommitTimestamp,omitempty"`
		Timestamp         int64  `json:"timestamp"`
		Operation         string `json:"operation"`
	}
	// Action is one line of a commit; set exactly one field.
	Action struct {
		CommitInfo *CommitInfo `json:"commitInfo,omitempty"`
		Protocol   *Protocol   `json:"protocol,omitempty"`
		MetaData   *Metadata   `json:"metaData,omitempty"`
		Add        *Add        `json:"add,omitempty"`
		Remove     *Remove     `json:"remove,omitempty"`
	}
)

func logDir(table string) string { return filepath.Join(table, "_delta_log") }

// WriteCommit writes version v's commit file.
func WriteCommit(table string, v int64, actions []Action) error {
	if err := os.MkdirAll(logDir(table), 0o755); err != nil {
		return err
	}
	p := filepath.Join(logDir(table), fmt.Sprintf("%020d.json", v))
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range actions {
		if err := enc.Encode(&actions[i]); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", p, err)
	}
	return f.Close()
}

// Checkpoint row layout (the columns Spark writes that readers use).
type (
	ckptRow struct {
		Txn      *ckptTxn      `parquet:"txn,optional"`
		Add      *ckptAdd      `parquet:"add,optional"`
		Remove   *ckptRemove   `parquet:"remove,optional"`
		MetaData *ckptMetadata `parquet:"metaData,optional"`
		Protocol *ckptProtocol `parquet:"protocol,optional"`
	}
	ckptTxn struct {
		AppID   string `parquet:"appId"`
		Version int64  `parquet:"version"`
	}
	ckptAdd struct {
		Path             string            `parquet:"path"`
		PartitionValues  map[string]string `parquet:"partitionValues"`
		Size             int64             `parquet:"size"`
		ModificationTime int64             `parquet:"modificationTime"`
		DataChange       bool              `parquet:"dataChange"`
		Stats            *string           `parquet:"stats,optional"`
	}
	ckptRemove struct {
		Path              string `parquet:"path"`
		DeletionTimestamp int64  `parquet:"deletionTimestamp"`
		DataChange        bool   `parquet:"dataChange"`
	}
	ckptFormat struct {
		Provider string `parquet:"provider"`
	}
	ckptMetadata struct {
		ID               string            `parquet:"id"`
		Name             *string           `parquet:"name,optional"`
		Format           ckptFormat        `parquet:"format"`
		SchemaString     string            `parquet:"schemaString"`
		PartitionColumns []string          `parquet:"partitionColumns,list"`
		Configuration    map[string]string `parquet:"configuration"`
		CreatedTime      int64             `parquet:"createdTime"`
	}
	ckptProtocol struct {
		MinReaderVersion int32    `parquet:"minReaderVersion"`
		MinWriterVersion int32    `parquet:"minWriterVersion"`
		ReaderFeatures   []string `parquet:"readerFeatures,optional,list"`
		WriterFeatures   []string `parquet:"writerFeatures,optional,list"`
	}
)

// Checkpoint is the state a checkpoint records.
type Checkpoint struct {
	Version  int64
	Protocol Protocol
	Metadata Metadata
	Adds     []Add
	// Parts > 1 writes a multi-part checkpoint, the adds split evenly.
	Parts int
}

// WriteCheckpoint writes the checkpoint file(s) and _last_checkpoint.
func WriteCheckpoint(table string, cp Checkpoint) error {
	parts := max(cp.Parts, 1)
	if err := os.MkdirAll(logDir(table), 0o755); err != nil {
		return err
	}
	per := (len(cp.Adds) + parts - 1) / parts
	for part := 0; part < parts; part++ {
		name := fmt.Sprintf("%020d.checkpoint.parquet", cp.Version)
		if parts > 1 {
			name = fmt.Sprintf("%020d.checkpoint.%010d.%010d.parquet", cp.Version, part+1, parts)
		}
		lo, hi := min(part*per, len(cp.Adds)), min((part+1)*per, len(cp.Adds))
		var head []ckptRow
		if part == 0 {
			p, m := cp.Protocol, cp.Metadata
			cm := &ckptMetadata{ID: m.ID, Format: ckptFormat{Provider: m.Format.Provider}, SchemaString: m.SchemaString,
				PartitionColumns: m.PartitionColumns, Configuration: m.Configuration, CreatedTime: m.CreatedTime}
			if m.Name != "" {
				cm.Name = &m.Name
			}
			head = append(head,
				ckptRow{Protocol: &ckptProtocol{MinReaderVersion: int32(p.MinReaderVersion), MinWriterVersion: int32(p.MinWriterVersion), ReaderFeatures: p.ReaderFeatures, WriterFeatures: p.WriterFeatures}},
				ckptRow{MetaData: cm})
		}
		if err := writeCheckpointPart(filepath.Join(logDir(table), name), head, cp.Adds[lo:hi]); err != nil {
			return err
		}
	}
	hint := fmt.Sprintf(`{"version":%d,"size":%d}`, cp.Version, len(cp.Adds)+2)
	if parts > 1 {
		hint = fmt.Sprintf(`{"version":%d,"size":%d,"parts":%d}`, cp.Version, len(cp.Adds)+2, parts)
	}
	return os.WriteFile(filepath.Join(logDir(table), "_last_checkpoint"), []byte(hint+"\n"), 0o644)
}

func writeCheckpointPart(path string, head []ckptRow, adds []Add) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[ckptRow](f, parquet.Compression(&parquet.Snappy), parquet.PageBufferSize(1<<20))
	if len(head) > 0 {
		if _, err := w.Write(head); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	const batch = 4096
	rows := make([]ckptRow, 0, batch)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := w.Write(rows)
		rows = rows[:0]
		return err
	}
	for i := range adds {
		a := &adds[i]
		ca := &ckptAdd{Path: a.Path, PartitionValues: a.PartitionValues, Size: a.Size, ModificationTime: a.ModificationTime, DataChange: false}
		if ca.PartitionValues == nil {
			ca.PartitionValues = map[string]string{}
		}
		if a.Stats != "" {
			s := a.Stats
			ca.Stats = &s
		}
		rows = append(rows, ckptRow{Add: ca})
		if len(rows) == batch {
			if err := flush(); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	if err := flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
