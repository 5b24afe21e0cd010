package delta

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// DeletionVector is a deletion-vector descriptor.
type DeletionVector struct {
	StorageType    string `json:"storageType"`
	PathOrInlineDv string `json:"pathOrInlineDv"`
	Offset         *int32 `json:"offset,omitempty"`
	SizeInBytes    int32  `json:"sizeInBytes"`
	Cardinality    int64  `json:"cardinality"`
}

// uniqueID is the protocol's DV unique id: storageType + pathOrInlineDv,
// plus "@offset" when an offset is present.
func (d *DeletionVector) uniqueID() string {
	if d == nil {
		return ""
	}
	id := d.StorageType + d.PathOrInlineDv
	if d.Offset != nil {
		id += "@" + strconv.Itoa(int(*d.Offset))
	}
	return id
}

type addAction struct {
	Path             string             `json:"path"`
	PartitionValues  map[string]*string `json:"partitionValues"`
	Size             int64              `json:"size"`
	ModificationTime int64              `json:"modificationTime"`
	Stats            *string            `json:"stats"`
	DeletionVector   *DeletionVector    `json:"deletionVector"`

	// statsEscaped, set by the fast path instead of Stats, is the stats
	// string as the commit spells it (JSON escapes kept): a view of the
	// commit text, unescaped only when the statistics are parsed, so no
	// file's statistics are copied while the log replays.
	statsEscaped string
}

type removeAction struct {
	Path           string          `json:"path"`
	DeletionVector *DeletionVector `json:"deletionVector"`
}

// Protocol is the table's protocol action.
type Protocol struct {
	MinReaderVersion int      `json:"minReaderVersion"`
	MinWriterVersion int      `json:"minWriterVersion"`
	ReaderFeatures   []string `json:"readerFeatures,omitempty"`
	WriterFeatures   []string `json:"writerFeatures,omitempty"`
}

// Format is the metadata's data file format.
type Format struct {
	Provider string            `json:"provider"`
	Options  map[string]string `json:"options,omitempty"`
}

// Metadata is the table's metaData action plus its parsed schema.
type Metadata struct {
	ID               string            `json:"id"`
	Name             *string           `json:"name,omitempty"`
	Description      *string           `json:"description,omitempty"`
	Format           Format            `json:"format"`
	SchemaString     string            `json:"schemaString"`
	PartitionColumns []string          `json:"partitionColumns"`
	Configuration    map[string]string `json:"configuration"`
	CreatedTime      *int64            `json:"createdTime,omitempty"`

	// Schema is SchemaString parsed (set by the snapshot).
	Schema *Schema `json:"-"`
}

// ColumnMappingMode returns "none", "name" or "id".
func (m *Metadata) ColumnMappingMode() string {
	switch v := m.Configuration["delta.columnMapping.mode"]; v {
	case "name", "id":
		return v
	}
	return "none"
}

// AppTransaction is a txn action: the latest version an application
// committed.
type AppTransaction struct {
	AppID       string `json:"appId"`
	Version     int64  `json:"version"`
	LastUpdated *int64 `json:"lastUpdated,omitempty"`
}

// DomainMetadata is a domainMetadata action.
type DomainMetadata struct {
	Domain        string `json:"domain"`
	Configuration string `json:"configuration"`
	Removed       bool   `json:"removed"`
}

type commitInfo struct {
	InCommitTimestamp *int64 `json:"inCommitTimestamp"`
}

type sidecarAction struct {
	Path        string `json:"path"`
	SizeInBytes int64  `json:"sizeInBytes"`
}

type checkpointMetadata struct {
	Version int64 `json:"version"`
}

// action is one line of a commit or JSON checkpoint; exactly one field is
// normally set (unknown action kinds leave all nil and are ignored, as the
// protocol asks).
type action struct {
	Add                *addAction          `json:"add"`
	Remove             *removeAction       `json:"remove"`
	MetaData           *Metadata           `json:"metaData"`
	Protocol           *Protocol           `json:"protocol"`
	Txn                *AppTransaction     `json:"txn"`
	DomainMetadata     *DomainMetadata     `json:"domainMetadata"`
	CommitInfo         *commitInfo         `json:"commitInfo"`
	Sidecar            *sidecarAction      `json:"sidecar"`
	CheckpointMetadata *checkpointMetadata `json:"checkpointMetadata"`
}

// parseActions splits newline-delimited JSON into actions, calling fn for
// each. Errors name the file and line. Blank lines are allowed.
func parseActions(name string, data []byte, fn func(a *action) error) error {
	// One copy of the file as a string: the fast path slices lines out of
	// it without further copies.
	text := string(data)
	line := 0
	for len(text) > 0 {
		line++
		var ln string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		ln = strings.TrimSpace(ln)
		if len(ln) == 0 {
			continue
		}
		a, fast := parseFileAction(ln)
		if !fast {
			a = action{}
			if err := json.Unmarshal([]byte(ln), &a); err != nil {
				return fmt.Errorf("%w: %s line %d: %v", ErrCorruptLog, name, line, err)
			}
		}
		if err := a.validate(); err != nil {
			return fmt.Errorf("%w: %s line %d: %v", ErrCorruptLog, name, line, err)
		}
		if err := fn(&a); err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
	return nil
}

func (a *action) validate() error {
	switch {
	case a.Add != nil && a.Add.Path == "":
		return fmt.Errorf("add action without path")
	case a.Add != nil && a.Add.Size < 0:
		return fmt.Errorf("add %s: negative size", a.Add.Path)
	case a.Remove != nil && a.Remove.Path == "":
		return fmt.Errorf("remove action without path")
	case a.Sidecar != nil && a.Sidecar.Path == "":
		return fmt.Errorf("sidecar action without path")
	case a.Txn != nil && a.Txn.AppID == "":
		return fmt.Errorf("txn action without appId")
	case a.DomainMetadata != nil && a.DomainMetadata.Domain == "":
		return fmt.Errorf("domainMetadata action without domain")
	}
	return nil
}
