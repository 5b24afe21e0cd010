package scanunit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/deltaplan/deltaplan/model"
)

// DefaultTargetBytes is the unit size Plan aims for when Options.TargetBytes
// is zero: large enough to amortise task start-up, small enough to spread a
// 100 GB table over hundreds of workers.
const DefaultTargetBytes int64 = 256 << 20

// Options describe the read that the units serve.
type Options struct {
	Table       string       // the table name as the plan reads it
	Version     int64        // the pinned Delta version
	TargetBytes int64        // bytes per unit; 0 means DefaultTargetBytes
	Columns     []string     // projected columns (copied and sorted)
	Filters     []model.Pred // pushed filters (copied and sorted by canonical text)
}

// Unit is one schedulable piece of a read: files of one partition, packed up
// to the target size. It is the one scan-unit noun, model.ScanUnit.
type Unit = model.ScanUnit

type entry struct {
	path    string
	size    int64
	records int64 // -1 unknown
	part    []string
	key     string
	dvID    string
}

// Plan groups the files of fs that verdicts keep (nil verdicts keep all)
// into units. Files are ordered by partition, then path; a unit never mixes
// partitions (partition affinity) and closes when the next file would take
// it past the target size, so a file larger than the target gets a unit of
// its own. The result depends only on the files and options: the same
// snapshot and predicate give identical units.
func Plan(fs *model.FileSet, verdicts []Verdict, opts Options) ([]Unit, error) {
	if fs == nil {
		return nil, fmt.Errorf("scanunit: nil file set")
	}
	n := fs.Len()
	if verdicts != nil && len(verdicts) != n {
		return nil, fmt.Errorf("scanunit: %d verdicts for %d files", len(verdicts), n)
	}
	if len(fs.Sizes) != n {
		return nil, fmt.Errorf("scanunit: file set has %d paths but %d sizes", n, len(fs.Sizes))
	}
	for _, pc := range fs.Partitions {
		if len(pc.Raw) != n || len(pc.RawValid) != n {
			return nil, fmt.Errorf("scanunit: partition column %q has %d values for %d files", pc.Name, len(pc.Raw), n)
		}
	}
	target := opts.TargetBytes
	if target == 0 {
		target = DefaultTargetBytes
	}
	if target < 0 {
		return nil, fmt.Errorf("scanunit: target bytes %d is negative", target)
	}
	var es []entry
	for i := 0; i < n; i++ {
		if verdicts != nil && !verdicts[i].Keep() {
			continue
		}
		if fs.Sizes[i] < 0 {
			return nil, fmt.Errorf("scanunit: file %s has negative size %d", fs.Paths[i], fs.Sizes[i])
		}
		e := entry{path: fs.Paths[i], size: fs.Sizes[i], records: -1}
		if len(fs.DVIDs) == n {
			e.dvID = fs.DVIDs[i]
		}
		if fs.NumRecords != nil && len(fs.NumRecords) == n && fs.NumRecords[i] >= 0 {
			e.records = fs.NumRecords[i]
			if fs.DVCardinality != nil && len(fs.DVCardinality) == n && fs.DVCardinality[i] > 0 {
				e.records = max(0, e.records-fs.DVCardinality[i])
			}
		}
		for _, pc := range fs.Partitions {
			v := "null"
			if pc.RawValid[i] {
				v = quoteValue(pc.Raw[i])
			}
			e.part = append(e.part, quoteValue(pc.Name)+"="+v)
		}
		e.key = strings.Join(e.part, "\x00")
		es = append(es, e)
	}
	sort.Slice(es, func(a, b int) bool {
		if es[a].key != es[b].key {
			return es[a].key < es[b].key
		}
		return es[a].path < es[b].path
	})
	cols := sortedCopy(opts.Columns)
	filters := append([]model.Pred{}, opts.Filters...)
	model.SortPreds(filters)
	var units []Unit
	var cur []entry
	var curBytes int64
	flush := func() {
		if len(cur) > 0 {
			units = append(units, newUnit(cur, opts, cols, filters))
		}
		cur, curBytes = nil, 0
	}
	for _, e := range es {
		if len(cur) > 0 && (cur[0].key != e.key || curBytes+e.size > target) {
			flush()
		}
		cur = append(cur, e)
		curBytes += e.size
	}
	flush()
	if units == nil {
		units = []Unit{}
	}
	return units, nil
}

// quoteValue makes partition text unambiguous inside "name=value" pairs.
func quoteValue(s string) string {
	if strings.ContainsAny(s, "=\"\x00") || s == "null" {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

func newUnit(es []entry, opts Options, cols []string, filters []model.Pred) Unit {
	u := Unit{
		Table:            opts.Table,
		DeltaVersion:     opts.Version,
		ProjectedColumns: cols,
		PushedFilters:    filters,
		Partition:        es[0].part,
	}
	if u.Partition == nil {
		u.Partition = []string{}
	}
	var records int64
	known := true
	for _, e := range es {
		u.Files = append(u.Files, e.path)
		u.Sizes = append(u.Sizes, e.size)
		u.DVIDs = append(u.DVIDs, e.dvID)
		u.Bytes += e.size
		if e.records < 0 {
			known = false
		}
		records += e.records
	}
	if known {
		u.Records = &records
	}
	u.ID = unitID(u)
	return u
}

// unitID hashes the unit's canonical content with length-prefixed fields, so
// no two different units share an encoding.
func unitID(u Unit) string {
	h := sha256.New()
	var buf [8]byte
	str := func(s string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	num := func(x int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(x))
		h.Write(buf[:])
	}
	list := func(xs []string) {
		num(int64(len(xs)))
		for _, x := range xs {
			str(x)
		}
	}
	str("deltaplan.scanunit.v1")
	str(u.Table)
	num(u.DeltaVersion)
	num(int64(len(u.Files)))
	for i, f := range u.Files {
		str(f)
		num(u.Sizes[i])
	}
	list(u.Partition)
	list(u.ProjectedColumns)
	list(u.FilterTexts())
	return hex.EncodeToString(h.Sum(nil))
}
