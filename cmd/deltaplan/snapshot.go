package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/cliflag"
	"github.com/spf13/cobra"
)

// pinFlags are the --version / --timestamp flags shared by snapshot,
// files and bench prune.
type pinFlags struct {
	version   int64
	timestamp time.Time
	json      bool
}

func (p *pinFlags) add(c *cobra.Command) {
	c.Flags().Var(&cliflag.OptionalInt{P: &p.version}, "version", "pin this table version (default: latest)")
	c.Flags().Var(&cliflag.Time{P: &p.timestamp}, "timestamp", "pin the latest version committed at or before T: "+cliflag.TimeForms)
	c.Flags().BoolVar(&p.json, "json", false, "print JSON")
}

// options turns the flags into snapshot options (values were checked
// while parsing; two pins are a usage error, exit 2).
func (p *pinFlags) options(c *cobra.Command) ([]delta.SnapshotOption, error) {
	verSet, tsSet := c.Flags().Changed("version"), c.Flags().Changed("timestamp")
	switch {
	case verSet && tsSet:
		return nil, usageError{fmt.Errorf("--version and --timestamp are mutually exclusive")}
	case verSet:
		return []delta.SnapshotOption{delta.AtVersion(p.version)}, nil
	case tsSet:
		return []delta.SnapshotOption{delta.AtTimestamp(p.timestamp)}, nil
	}
	return nil, nil
}

// pin opens location and reconstructs the chosen version.
func pin(ctx context.Context, location string, opts []delta.SnapshotOption) (*delta.Snapshot, error) {
	tbl, err := openTable(ctx, location)
	if err != nil {
		return nil, err
	}
	return tbl.Snapshot(ctx, opts...)
}

type snapshotJSON struct {
	Location          string       `json:"location"`
	Version           int64        `json:"version"`
	TimestampMs       int64        `json:"timestamp_ms"`
	Protocol          protocolJSON `json:"protocol"`
	Metadata          metadataJSON `json:"metadata"`
	CheckpointVersion *int64       `json:"checkpoint_version"`
	NumFiles          int          `json:"num_files"`
	SizeBytes         int64        `json:"size_bytes"`
	NumRecords        *int64       `json:"num_records"`
	NumDeletedRecords int64        `json:"num_deleted_records"`
	// Beyond the contract (issue 19): a content digest of the state and
	// what the replay read.
	Digest     string               `json:"digest"`
	LogSegment delta.LogSegmentInfo `json:"log_segment"`
}

type protocolJSON struct {
	MinReaderVersion int      `json:"min_reader_version"`
	MinWriterVersion int      `json:"min_writer_version"`
	ReaderFeatures   []string `json:"reader_features"`
	WriterFeatures   []string `json:"writer_features"`
}

type metadataJSON struct {
	ID               string            `json:"id"`
	Name             *string           `json:"name"`
	PartitionColumns []string          `json:"partition_columns"`
	Configuration    map[string]string `json:"configuration"`
	SchemaString     string            `json:"schema_string"`
	// Schema is schema_string parsed (an addition to the contract).
	Schema *schemaJSON `json:"schema"`
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func newSnapshotJSON(location string, s *delta.Snapshot) snapshotJSON {
	cfg := s.Metadata.Configuration
	if cfg == nil {
		cfg = map[string]string{}
	}
	return snapshotJSON{
		Location: location, Version: s.Version, TimestampMs: s.TimestampMs,
		Protocol: protocolJSON{
			MinReaderVersion: s.Protocol.MinReaderVersion, MinWriterVersion: s.Protocol.MinWriterVersion,
			ReaderFeatures: sortedCopy(s.Protocol.ReaderFeatures), WriterFeatures: sortedCopy(s.Protocol.WriterFeatures),
		},
		Metadata: metadataJSON{
			ID: s.Metadata.ID, Name: s.Metadata.Name, PartitionColumns: append([]string{}, s.Metadata.PartitionColumns...),
			Configuration: cfg, SchemaString: s.Metadata.SchemaString,
			Schema: newSchemaJSON(s.Metadata.Schema, s.Metadata.PartitionColumns),
		},
		CheckpointVersion: s.CheckpointVersion, NumFiles: s.Files.Len(), SizeBytes: s.SizeBytes,
		NumRecords: s.NumRecords, NumDeletedRecords: s.NumDeletedRecords,
		Digest: s.Digest(), LogSegment: s.LogSegment,
	}
}

func printSnapshotText(w io.Writer, j snapshotJSON) error {
	opt := func(p *int64) string {
		if p == nil {
			return "unknown"
		}
		return strconv.FormatInt(*p, 10)
	}
	name := "(none)"
	if j.Metadata.Name != nil {
		name = *j.Metadata.Name
	}
	cp := "none"
	if j.CheckpointVersion != nil {
		cp = strconv.FormatInt(*j.CheckpointVersion, 10)
	}
	_, err := fmt.Fprintf(w, `location:            %s
version:             %d (%s)
table id:            %s
name:                %s
protocol:            reader %d, writer %d
reader features:     %s
writer features:     %s
partition columns:   %s
checkpoint version:  %s
files:               %d
size bytes:          %d
records:             %s
deleted records:     %d
`, j.Location, j.Version, time.UnixMilli(j.TimestampMs).UTC().Format(time.RFC3339Nano), j.Metadata.ID, name,
		j.Protocol.MinReaderVersion, j.Protocol.MinWriterVersion, listText(j.Protocol.ReaderFeatures),
		listText(j.Protocol.WriterFeatures), listText(j.Metadata.PartitionColumns), cp, j.NumFiles, j.SizeBytes,
		opt(j.NumRecords), j.NumDeletedRecords)
	if err != nil {
		return err
	}
	printSchemaTree(w, j.Metadata.Schema)
	printProperties(w, j.Metadata.Configuration)
	return nil
}

func listText(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func init() {
	register(func() *cobra.Command {
		var f pinFlags
		c := &cobra.Command{
			Use:   "snapshot LOCATION",
			Short: "Pin a Delta table version and summarize its reconstructed state",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				opts, err := f.options(cmd)
				if err != nil {
					return err
				}
				// A summary needs no column statistics (numRecords is read).
				s, err := pin(cmd.Context(), args[0], append(opts, delta.WithoutStats()))
				if err != nil {
					return err
				}
				j := newSnapshotJSON(args[0], s)
				return outputOf(cmd).Value(j, func(w io.Writer) error { return printSnapshotText(w, j) })
			},
		}
		f.add(c)
		return c
	})
}
