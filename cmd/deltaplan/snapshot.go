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
	"github.com/spf13/cobra"
)

// pinFlags are the --version / --timestamp flags shared by snapshot and
// files.
type pinFlags struct {
	version   int64
	timestamp string
	json      bool
}

func (p *pinFlags) add(c *cobra.Command) {
	c.Flags().Int64Var(&p.version, "version", -1, "pin this table version (default: latest)")
	c.Flags().StringVar(&p.timestamp, "timestamp", "", "pin the latest version committed at or before T (RFC 3339 or epoch milliseconds)")
	c.Flags().BoolVar(&p.json, "json", false, "print JSON")
}

// options validates the flags into snapshot options (a wrong value is a
// usage error, exit 2).
func (p *pinFlags) options(c *cobra.Command) ([]delta.SnapshotOption, error) {
	verSet, tsSet := c.Flags().Changed("version"), c.Flags().Changed("timestamp")
	switch {
	case verSet && tsSet:
		return nil, usageError{fmt.Errorf("--version and --timestamp are mutually exclusive")}
	case verSet:
		if p.version < 0 {
			return nil, usageError{fmt.Errorf("--version %d: must be >= 0", p.version)}
		}
		return []delta.SnapshotOption{delta.AtVersion(p.version)}, nil
	case tsSet:
		ts, err := parseTime(p.timestamp)
		if err != nil {
			return nil, usageError{err}
		}
		return []delta.SnapshotOption{delta.AtTimestamp(ts)}, nil
	}
	return nil, nil
}

// parseTime reads RFC 3339 or integer milliseconds since the epoch.
func parseTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--timestamp %q: want RFC 3339 (2024-05-01T12:00:00Z) or epoch milliseconds", s)
	}
	return t, nil
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
	return err
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
				if f.json {
					return writeJSON(cmd.OutOrStdout(), j)
				}
				return printSnapshotText(cmd.OutOrStdout(), j)
			},
		}
		f.add(c)
		return c
	})
}
