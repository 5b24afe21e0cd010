package deltagen

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Spec shapes a synthetic log. Data files are not written: only the log.
type Spec struct {
	// Files is the number of files in the checkpoint (checkpointed logs) or
	// added across all commits (JSON-only logs).
	Files int
	// Commits is the number of commits after the checkpoint, or the number
	// of commits of a JSON-only log.
	Commits int
	// CheckpointVersion is the version of the checkpoint; the commits up to
	// it are not written, as after log cleanup. 0 means Commits*100 (a
	// checkpoint every 100 commits, the last one kept).
	CheckpointVersion int64
	// AddsPerCommit and RemovesPerCommit shape the commits after a
	// checkpoint; each remove deletes a checkpoint file.
	AddsPerCommit, RemovesPerCommit int
	// StatsColumns is the number of long columns c0000… with min, max and
	// null counts in every add's stats.
	StatsColumns int
	// Partitions > 0 partitions the table by a string column "part" with that
	// many values.
	Partitions int
	// CheckpointParts > 1 writes a multi-part checkpoint.
	CheckpointParts int
}

// Result tells what a generated log should replay to.
type Result struct {
	Version     int64
	ActiveFiles int
	LogBytes    int64 // bytes of commit files
}

func (s Spec) metadata() Metadata {
	var fields []string
	if s.Partitions > 0 {
		fields = append(fields, `{"name":"part","type":"string","nullable":true,"metadata":{}}`)
	}
	for c := 0; c < s.StatsColumns; c++ {
		fields = append(fields, fmt.Sprintf(`{"name":"c%04d","type":"long","nullable":true,"metadata":{}}`, c))
	}
	parts := []string{}
	if s.Partitions > 0 {
		parts = []string{"part"}
	}
	return Metadata{
		ID: "00000000-0000-4000-8000-00000000beef", Format: Format{Provider: "parquet", Options: map[string]string{}},
		SchemaString:     `{"type":"struct","fields":[` + strings.Join(fields, ",") + `]}`,
		PartitionColumns: parts, Configuration: map[string]string{}, CreatedTime: 1700000000000,
	}
}

// add returns file i's add action with Spark-shaped stats.
func (s Spec) add(i int, buf []byte) (Add, []byte) {
	a := Add{Size: 10_000 + int64(i%1000), ModificationTime: 1700000000000 + int64(i), DataChange: true}
	if s.Partitions > 0 {
		p := fmt.Sprintf("%03d", i%s.Partitions)
		a.PartitionValues = map[string]string{"part": p}
		a.Path = fmt.Sprintf("part=%s/part-%08d-6f1e-4c2a-9d3b-0a1b2c3d4e5f.c000.snappy.parquet", p, i)
	} else {
		a.PartitionValues = map[string]string{}
		a.Path = fmt.Sprintf("part-%08d-6f1e-4c2a-9d3b-0a1b2c3d4e5f.c000.snappy.parquet", i)
	}
	buf = append(buf[:0], `{"numRecords":`...)
	buf = strconv.AppendInt(buf, int64(1000+i%97), 10)
	for k, key := range []string{"minValues", "maxValues", "nullCount"} {
		buf = append(buf, `,"`...)
		buf = append(buf, key...)
		buf = append(buf, `":{`...)
		for c := 0; c < s.StatsColumns; c++ {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `"c`...)
			buf = append(buf, fmt.Sprintf("%04d", c)...)
			buf = append(buf, `":`...)
			v := int64(i)*10 + int64(c)
			switch k {
			case 1:
				v += 100
			case 2:
				v = int64(i % 3)
			}
			buf = strconv.AppendInt(buf, v, 10)
		}
		buf = append(buf, '}')
	}
	buf = append(buf, '}')
	a.Stats = string(buf)
	return a, buf
}

var protocol = Protocol{MinReaderVersion: 1, MinWriterVersion: 2}

// GenerateCheckpointed writes a checkpoint holding spec.Files files and
// spec.Commits commits after it.
func GenerateCheckpointed(dir string, spec Spec) (Result, error) {
	cpv := spec.CheckpointVersion
	if cpv == 0 {
		cpv = int64(spec.Commits) * 100
	}
	var buf []byte
	adds := make([]Add, spec.Files)
	for i := range adds {
		adds[i], buf = spec.add(i, buf)
	}
	if err := WriteCheckpoint(dir, Checkpoint{Version: cpv, Protocol: protocol, Metadata: spec.metadata(), Adds: adds, Parts: spec.CheckpointParts}); err != nil {
		return Result{}, err
	}
	res := Result{Version: cpv + int64(spec.Commits), ActiveFiles: spec.Files}
	next, removed := spec.Files, 0
	for c := 1; c <= spec.Commits; c++ {
		ts := int64(1800000000000 + c)
		acts := []Action{{CommitInfo: &CommitInfo{Timestamp: ts, Operation: "WRITE"}}}
		for j := 0; j < spec.AddsPerCommit; j++ {
			a, b := spec.add(next, buf)
			buf = b
			next++
			acts = append(acts, Action{Add: &a})
		}
		for j := 0; j < spec.RemovesPerCommit && removed < spec.Files; j++ {
			a := adds[removed]
			removed++
			acts = append(acts, Action{Remove: &Remove{Path: a.Path, DeletionTimestamp: ts, DataChange: true, PartitionValues: a.PartitionValues, Size: a.Size}})
		}
		res.ActiveFiles += spec.AddsPerCommit
		if err := WriteCommit(dir, cpv+int64(c), acts); err != nil {
			return Result{}, err
		}
	}
	res.ActiveFiles -= removed
	var err error
	res.LogBytes, err = commitBytes(dir)
	return res, err
}

// GenerateJSON writes a JSON-only log: commit 0 with protocol and metadata,
// then spec.Files adds spread over spec.Commits commits.
func GenerateJSON(dir string, spec Spec) (Result, error) {
	commits := max(spec.Commits, 1)
	per := (spec.Files + commits - 1) / commits
	md := spec.metadata()
	var buf []byte
	i := 0
	for c := 0; c < commits; c++ {
		acts := []Action{{CommitInfo: &CommitInfo{Timestamp: int64(1700000000000 + c), Operation: "WRITE"}}}
		if c == 0 {
			acts = append(acts, Action{Protocol: &protocol}, Action{MetaData: &md})
		}
		for j := 0; j < per && i < spec.Files; j++ {
			a, b := spec.add(i, buf)
			buf = b
			i++
			acts = append(acts, Action{Add: &a})
		}
		if err := WriteCommit(dir, int64(c), acts); err != nil {
			return Result{}, err
		}
	}
	n, err := commitBytes(dir)
	return Result{Version: int64(commits - 1), ActiveFiles: spec.Files, LogBytes: n}, err
}

func commitBytes(dir string) (int64, error) {
	ents, err := os.ReadDir(logDir(dir))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			info, err := e.Info()
			if err != nil {
				return 0, err
			}
			n += info.Size()
		}
	}
	return n, nil
}
