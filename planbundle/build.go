package planbundle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/scanunit"
	"github.com/deltaplan/deltaplan/session"
)

// Table is one table the caller offers for the plan's reads.
type Table struct {
	// Name matches a read's table name, or its last dotted part,
	// case-insensitively.
	Name     string
	Location string
	// Version pins an older version; nil means the latest.
	Version *int64
}

// Inputs are everything a bundle is built from.
type Inputs struct {
	// Plan is a Substrait Plan, protobuf binary or protobuf JSON.
	Plan []byte
	// Tables, in any order; names must be unique case-insensitively.
	Tables []Table
	// Session is the runtime; nil means the empty session.
	Session *session.Runtime
	// TargetBytes is the scan-unit size; 0 means scanunit.DefaultTargetBytes.
	TargetBytes int64
	// Open opens a table location; nil means delta.Open (local paths and
	// file:// URIs). The CLI passes its object-store aware opener.
	Open func(ctx context.Context, location string) (*delta.Table, error)
	// Views are names of other views (of a workflow) that the plan may
	// read: a named-table read that matches no table but matches a view
	// (its full name, else its last dotted part, case-insensitively) gets
	// no pin and no scan units. The bundle does not sign the upstream
	// view; its caller combines the two signatures (see views.go).
	Views []string
	// Prepared, when set, is Plan already decoded, analyzed and
	// fingerprinted (Prepare); Plan is then not read. Callers that build
	// many bundles over one plan prepare it once.
	Prepared *Prepared
	// Snapshot, when set, pins a table instead of opening it and replaying
	// its log: callers that pin one table for many bundles share the
	// snapshot (it is only read).
	Snapshot func(ctx context.Context, t Table) (*delta.Snapshot, error)
}

// Prepared is what a bundle needs of its plan alone: decoded, analyzed,
// anchored and fingerprinted once. It is immutable, so concurrent Builds
// may share it.
type Prepared struct {
	plan        *lineage.Plan
	lin         *lineage.Lineage
	fingerprint identity.Digest
	relations   []identity.Relation
}

// Prepare decodes a Substrait plan (binary or JSON) and computes its
// lineage, fingerprint and per-relation digests.
func Prepare(planBytes []byte) (*Prepared, error) {
	plan, err := lineage.Decode(planBytes)
	if err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	lin, err := lineage.Analyze(plan)
	if err != nil {
		return nil, fmt.Errorf("analyze plan: %w", err)
	}
	anchors, err := anchorTable(plan)
	if err != nil {
		return nil, err
	}
	p := &Prepared{plan: plan, lin: lin}
	if p.fingerprint, err = identity.FingerprintPlan(plan.Proto, anchors); err != nil {
		return nil, fmt.Errorf("fingerprint plan: %w", err)
	}
	if p.relations, err = identity.PlanRelations(plan.Proto, anchors); err != nil {
		return nil, err
	}
	descs := lineage.Describe(plan)
	for i := range p.relations {
		if d, ok := descs[p.relations[i].Path]; ok {
			p.relations[i].Detail = map[string][]string(d)
		}
	}
	return p, nil
}

// Lineage is the plan's lineage (shared: do not modify).
func (p *Prepared) Lineage() *lineage.Lineage { return p.lin }

// pinned is one offered table after it was opened and pinned.
type pinned struct {
	Table
	snap *delta.Snapshot
	used bool
}

// Build computes the bundle. Tables are opened and pinned once each, however
// many reads use them; reads that are not named tables (local files,
// virtual tables) are part of the plan fingerprint but get no pin and no
// scan units.
func Build(ctx context.Context, in Inputs) (*Bundle, error) {
	if err := validateInputs(in); err != nil {
		return nil, err
	}
	prep := in.Prepared
	if prep == nil {
		var err error
		if prep, err = Prepare(in.Plan); err != nil {
			return nil, err
		}
	}
	lin := prep.lin
	rt := in.Session
	if rt == nil {
		rt = session.Empty()
	}
	tables := make([]*pinned, len(in.Tables))
	for i, t := range in.Tables {
		tables[i] = &pinned{Table: t}
	}
	open := in.Open
	if open == nil {
		open = func(ctx context.Context, loc string) (*delta.Table, error) { return delta.Open(ctx, loc) }
	}

	b := &Bundle{BundleVersion: Version, EncodingVersion: identity.EncodingVersion, Session: rt, ScanUnits: []ScanUnit{}, Reads: []ReadSchema{}}
	pins := map[string]identity.Pin{}
	seenUnit := map[string]bool{}
	views := newViewSet(in.Views)
	for _, rd := range lin.Reads {
		if rd.Kind != lineage.ReadNamedTable {
			continue
		}
		t, err := match(rd, tables)
		if errors.Is(err, ErrNoTable) && views.match(rd) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if t.snap == nil {
			if in.Snapshot != nil {
				t.snap, err = in.Snapshot(ctx, t.Table)
			} else {
				t.snap, err = Pin(ctx, open, t.Table)
			}
			if err != nil {
				return nil, err
			}
		}
		t.used = true
		rs, err := checkSchema(rd, t.snap.Metadata.Schema)
		if err != nil {
			return nil, fmt.Errorf("table %s at %s (version %d): %w", t.Name, t.Location, t.snap.Version, err)
		}
		b.Reads = append(b.Reads, rs)
		pins[rd.Table] = identity.Pin{Table: rd.Table, TableID: t.snap.Metadata.ID, Version: t.snap.Version}
		units, err := scanUnits(rd, t.snap, in.TargetBytes)
		if err != nil {
			return nil, fmt.Errorf("read %s (%s) of table %s: %w", rd.Table, rd.Path, t.Location, err)
		}
		rp := ReadPruning{Read: rd.Path, Table: rd.Table, FilesBefore: t.snap.Files.Len()}
		for _, sz := range t.snap.Files.Sizes {
			rp.BytesBefore += sz
		}
		for _, u := range units {
			rp.FilesAfter += len(u.Files)
			rp.BytesAfter += u.Bytes
		}
		b.Pruning = append(b.Pruning, rp)
		for _, u := range units {
			if !seenUnit[u.ID] {
				seenUnit[u.ID] = true
				b.ScanUnits = append(b.ScanUnits, u)
			}
		}
	}
	if err := views.unused(); err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !t.used {
			return nil, fmt.Errorf("%w: table %s matches no read of the plan", ErrInvalidInput, t.Name)
		}
		b.Tables = append(b.Tables, TableInfo{Name: t.Name, Location: t.Location, TableID: t.snap.Metadata.ID, Version: t.snap.Version})
	}
	slices.SortFunc(b.Tables, func(x, y TableInfo) int { return strings.Compare(x.Name, y.Name) })
	if b.Tables == nil {
		b.Tables = []TableInfo{}
	}

	// Relevance: the signature covers the UDFs the plan calls and the tags
	// that apply to it; the whole session stays visible as runtime_hash.
	b.RequiredUDFs = requiredUDFs(lin, rt)
	b.RequiredRewriteTags = requiredRewriteTags(lin, rt)
	c := identity.Components{
		RuntimeHash:     rt.Hash(),
		SettingsHash:    rt.SettingsHash(),
		UDFSnapshotHash: session.HashUDFs(calledUDFs(b.RequiredUDFs)),
		RewriteTags:     b.RequiredRewriteTags,
		Planners:        rt.Planners(),
	}
	c.PlanFingerprint = prep.fingerprint
	var err error
	for _, name := range sortedKeys(pins) {
		c.DeltaPins = append(c.DeltaPins, pins[name])
	}
	if c.ScanUnitsDigest, err = identity.ScanUnitsDigest(identityUnits(b.ScanUnits)); err != nil {
		return nil, fmt.Errorf("scan units digest: %w", err)
	}
	m, err := identity.NewManifest(c)
	if err != nil {
		return nil, fmt.Errorf("sign bundle: %w", err)
	}
	b.Signature, b.Components = m.Signature, m.Components
	b.PlanRelations = prep.relations
	b.Lineage = lin.JSON()
	return b, nil
}

func validateInputs(in Inputs) error {
	var probs []string
	seen := map[string]string{}
	for i, t := range in.Tables {
		key := strings.ToLower(t.Name)
		switch {
		case t.Name == "":
			probs = append(probs, fmt.Sprintf("table %d has no name", i))
		case t.Location == "":
			probs = append(probs, fmt.Sprintf("table %s has no location", t.Name))
		case seen[key] != "":
			probs = append(probs, fmt.Sprintf("table %s given twice (also as %s)", t.Name, seen[key]))
		}
		if t.Version != nil && *t.Version < 0 {
			probs = append(probs, fmt.Sprintf("table %s: version %d is negative", t.Name, *t.Version))
		}
		seen[key] = t.Name
	}
	probs = append(probs, validateViews(in.Views, seen)...)
	if in.TargetBytes < 0 {
		probs = append(probs, fmt.Sprintf("target bytes %d is negative", in.TargetBytes))
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidInput, strings.Join(probs, "; "))
	}
	return nil
}

// match finds the table for a read: a full-name match beats a match of the
// read's last dotted part; two matches at the same level are ambiguous.
func match(rd lineage.Read, tables []*pinned) (*pinned, error) {
	last := rd.Table
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	for _, name := range []string{rd.Table, last} {
		var found []*pinned
		for _, t := range tables {
			if strings.EqualFold(t.Name, name) {
				found = append(found, t)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return nil, fmt.Errorf("%w: read %s at %s matches tables %s and %s", ErrAmbiguousTable, rd.Table, rd.Path, found[0].Name, found[1].Name)
		}
	}
	return nil, fmt.Errorf("%w: read %s at %s (give --table %s=LOCATION)", ErrNoTable, rd.Table, rd.Path, last)
}

// Pin opens t's table with open and pins its version (the latest when
// t.Version is nil): what Build does for each table unless Inputs.Snapshot
// is given. Errors name the table and its location.
func Pin(ctx context.Context, open func(context.Context, string) (*delta.Table, error), t Table) (*delta.Snapshot, error) {
	tbl, err := open(ctx, t.Location)
	if err != nil {
		return nil, fmt.Errorf("open table %s at %s: %w", t.Name, t.Location, err)
	}
	var opts []delta.SnapshotOption
	if t.Version != nil {
		opts = append(opts, delta.AtVersion(*t.Version))
	}
	s, err := tbl.Snapshot(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("pin table %s at %s: %w", t.Name, t.Location, err)
	}
	return s, nil
}

// anchorTable resolves the plan's extension anchors the way lineage did,
// legacy URI declarations included.
func anchorTable(p *lineage.Plan) (*identity.AnchorTable, error) {
	t := identity.NewAnchorTable()
	for _, x := range p.Extensions.All() {
		var kind identity.AnchorKind
		switch x.Kind {
		case lineage.KindFunction:
			kind = identity.AnchorFunction
		case lineage.KindType:
			kind = identity.AnchorType
		case lineage.KindTypeVariation:
			kind = identity.AnchorTypeVariation
		default:
			return nil, fmt.Errorf("plan extension %s %d: unknown declaration kind %q", x.Name, x.Anchor, x.Kind)
		}
		if err := t.Add(kind, x.Anchor, x.URN, x.Name); err != nil {
			return nil, fmt.Errorf("plan extensions: %w", err)
		}
	}
	return t, nil
}

func scanUnits(rd lineage.Read, s *delta.Snapshot, target int64) ([]ScanUnit, error) {
	verdicts, err := prune(rd, s)
	if err != nil {
		return nil, err
	}
	units, err := scanunit.Plan(s.Files, verdicts, scanunit.Options{
		Table: rd.Table, Version: s.Version, TargetBytes: target,
		Columns: rd.Columns, Filters: rd.Filters,
	})
	if err != nil {
		return nil, err
	}
	out := make([]ScanUnit, len(units))
	for i, u := range units {
		out[i] = ScanUnit{ID: u.ID, Table: u.Table, DeltaVersion: u.DeltaVersion, Files: nonNil(u.Files),
			ProjectedColumns: nonNil(u.ProjectedColumns), PushedFilters: nonNil(u.PushedFilters), Bytes: u.Bytes, Records: u.Records,
			Sizes: u.Sizes, DVIDs: u.DVIDs, Partition: u.Partition}
	}
	return out, nil
}

func identityUnits(us []ScanUnit) []identity.ScanUnit {
	out := make([]identity.ScanUnit, len(us))
	for i, u := range us {
		out[i] = identity.ScanUnit{ID: u.ID, Table: u.Table, DeltaVersion: u.DeltaVersion, Files: u.Files,
			ProjectedColumns: u.ProjectedColumns, PushedFilters: u.PushedFilters, Bytes: u.Bytes, Records: u.Records}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare[string])
	return keys
}
