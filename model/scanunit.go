package model

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// ScanUnit is the one scan-unit noun of deltaplan: one schedulable piece of
// a read (files of one partition of one pinned table version), carried by
// value from pruning (scanunit.Plan) to the plan bundle, the signature and
// the scan. Its JSON form is the `scan_units` entry of the plan bundle
// (CONTRACT.md); PushedFilters appear there as their canonical text, which
// is only a rendering of the predicates.
//
// Invariants: Files sorted by path; Sizes, DVIDs parallel to Files when set;
// ProjectedColumns sorted; PushedFilters sorted by canonical text.
type ScanUnit struct {
	ID               string // hex sha256 of the canonical content
	Table            string // the table name as the plan reads it
	DeltaVersion     int64
	Files            []string // add-action paths, sorted
	ProjectedColumns []string
	PushedFilters    []Pred
	Bytes            int64
	Records          *int64 // live rows; nil when a file lacks numRecords

	// What a cache key and a scan need beyond the contract (not in the JSON
	// form): Sizes[i] and DVIDs[i] (deletion-vector unique id, "" when none)
	// of Files[i], and the partition as "name=value" pairs in table order.
	// A unit read back from JSON has none of them.
	Sizes     []int64
	DVIDs     []string
	Partition []string
}

// FilterTexts renders PushedFilters as canonical text, in order.
func (u ScanUnit) FilterTexts() []string {
	out := make([]string, len(u.PushedFilters))
	for i, p := range u.PushedFilters {
		out[i] = p.String()
	}
	return out
}

// SortPreds sorts predicates by canonical text (the order a unit keeps).
func SortPreds(ps []Pred) {
	slices.SortStableFunc(ps, func(a, b Pred) int { return strings.Compare(a.String(), b.String()) })
}

// scanUnitJSON fixes the contract's field order.
type scanUnitJSON struct {
	ID               string   `json:"id"`
	Table            string   `json:"table"`
	DeltaVersion     int64    `json:"delta_version"`
	Files            []string `json:"files"`
	ProjectedColumns []string `json:"projected_columns"`
	PushedFilters    []string `json:"pushed_filters"`
	Bytes            int64    `json:"bytes"`
	Records          *int64   `json:"records"`
}

// MarshalJSON writes the contract's `scan_units` entry (lists never null).
func (u ScanUnit) MarshalJSON() ([]byte, error) {
	// No HTML escaping: filters hold < and >, and the bundle is written
	// without it.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(scanUnitJSON{ID: u.ID, Table: u.Table, DeltaVersion: u.DeltaVersion,
		Files: nonNilStrings(u.Files), ProjectedColumns: nonNilStrings(u.ProjectedColumns),
		PushedFilters: u.FilterTexts(), Bytes: u.Bytes, Records: u.Records})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// UnmarshalJSON reads a `scan_units` entry. This package has no filter
// parser, so each pushed filter arrives as an Opaque holding its text;
// readers that can parse (planbundle.Read, through scanunit.ParseFilter)
// resolve them with ResolveFilters. The rendering is the same either way.
func (u *ScanUnit) UnmarshalJSON(data []byte) error {
	var j scanUnitJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*u = ScanUnit{ID: j.ID, Table: j.Table, DeltaVersion: j.DeltaVersion, Files: j.Files,
		ProjectedColumns: j.ProjectedColumns, Bytes: j.Bytes, Records: j.Records}
	for _, t := range j.PushedFilters {
		u.PushedFilters = append(u.PushedFilters, Opaque{Text: t})
	}
	if u.PushedFilters == nil {
		u.PushedFilters = []Pred{}
	}
	return nil
}

// ResolveFilters replaces each Opaque filter whose text parse turns into
// a predicate rendering to exactly the same text; others stay Opaque (a
// filter the model cannot express). The rendering never changes.
func (u *ScanUnit) ResolveFilters(parse func(string) (Pred, error)) {
	for i, p := range u.PushedFilters {
		o, ok := p.(Opaque)
		if !ok {
			continue
		}
		if q, err := parse(o.Text); err == nil && q.String() == o.Text {
			u.PushedFilters[i] = q
		}
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
