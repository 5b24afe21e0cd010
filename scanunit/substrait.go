package scanunit

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// ReadRel exports the unit as a Substrait ReadRel over LocalFiles, so an
// engine that consumes Substrait (DataFusion, DuckDB, Velox) can execute it:
// one parquet item per file with its URI and byte range (start 0, the whole
// file). A unit is one engine partition, so every item has partition_index
// 0; ReadRelAll exports several units with one partition_index each.
//
// root is the table location: a local directory or a URI (s3://, file://…);
// relative file paths are resolved against it and percent-escaped. schema is
// the base schema of the read; it may be nil when the consumer infers it
// from the parquet footers. Partition columns are not stored in Delta data
// files: a consumer that needs them adds them from Unit.Partition.
func (u Unit) ReadRel(root string, schema *substraitpb.NamedStruct) (*substraitpb.ReadRel, error) {
	return ReadRelAll([]Unit{u}, root, schema)
}

// ReadRelAll exports units as one ReadRel whose items carry the unit's
// ordinal as partition_index: an engine runs each unit as one partition.
func ReadRelAll(units []Unit, root string, schema *substraitpb.NamedStruct) (*substraitpb.ReadRel, error) {
	var items []*substraitpb.ReadRel_LocalFiles_FileOrFiles
	for ui, u := range units {
		if len(u.Sizes) != len(u.Files) {
			return nil, fmt.Errorf("scanunit: unit %s has %d sizes for %d files", u.ID, len(u.Sizes), len(u.Files))
		}
		for i, f := range u.Files {
			uri, err := fileURI(root, f)
			if err != nil {
				return nil, err
			}
			items = append(items, &substraitpb.ReadRel_LocalFiles_FileOrFiles{
				PathType:       &substraitpb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: uri},
				PartitionIndex: uint64(ui),
				Start:          0,
				Length:         uint64(u.Sizes[i]),
				FileFormat: &substraitpb.ReadRel_LocalFiles_FileOrFiles_Parquet{
					Parquet: &substraitpb.ReadRel_LocalFiles_FileOrFiles_ParquetReadOptions{},
				},
			})
		}
	}
	return &substraitpb.ReadRel{
		BaseSchema: schema,
		ReadType: &substraitpb.ReadRel_LocalFiles_{
			LocalFiles: &substraitpb.ReadRel_LocalFiles{Items: items},
		},
	}, nil
}

// fileURI resolves a Delta add path against the table root. Absolute URIs
// are kept as they are.
func fileURI(root, path string) (string, error) {
	if strings.Contains(path, "://") {
		return path, nil
	}
	escaped := (&url.URL{Path: path}).EscapedPath()
	if strings.Contains(root, "://") {
		if strings.HasPrefix(root, "file://") {
			u, err := url.Parse(root)
			if err != nil {
				return "", fmt.Errorf("scanunit: table root %q: %w", root, err)
			}
			root = u.Path
		} else {
			return strings.TrimSuffix(root, "/") + "/" + escaped, nil
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("scanunit: table root %q: %w", root, err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, filepath.FromSlash(path)))}).String(), nil
}
