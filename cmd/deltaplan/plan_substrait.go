package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/scanunit"
)

// writeUnitsSubstrait writes `plan --scan-units-substrait DIR`: one
// Substrait plan per scan unit of b, DIR/<unit id>.substrait.json, and
// nothing else. Each unit's table is found through its pin (the read's
// table -> table id and version -> the --table that pinned it) and opened
// again at that version for schema, sizes and partition values. The unit's
// pushed filters are predicates (planbundle.Read resolved their text); an
// opaque one is left out of the best-effort filter, which only keeps more
// rows.
func writeUnitsSubstrait(ctx context.Context, dir string, b *planbundle.Bundle) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--scan-units-substrait: %w", err)
	}
	exporters := map[string]*scanunit.Exporter{} // one per pinned table
	for _, u := range b.ScanUnits {
		loc, version, err := unitTable(b, u)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("%d@%s", version, loc)
		x := exporters[key]
		if x == nil {
			t, err := planOpen(ctx, loc)
			if err != nil {
				return err
			}
			s, err := t.Snapshot(ctx, delta.AtVersion(version))
			if err != nil {
				return err
			}
			src := scanunit.Source{Root: loc, Schema: s.Metadata.Schema, ColumnMapping: s.Metadata.ColumnMappingMode(), Files: s.Files}
			if x, err = scanunit.NewExporter(src); err != nil {
				return fmt.Errorf("scan unit %s of %s: %w", u.ID, u.Table, err)
			}
			exporters[key] = x
		}
		var pushed []model.Pred
		for _, p := range u.PushedFilters {
			if _, opaque := p.(model.Opaque); !opaque {
				pushed = append(pushed, p)
			}
		}
		sp, err := x.Plan([]scanunit.Unit{u}, pushed)
		if err != nil {
			return fmt.Errorf("scan unit %s of %s: %w", u.ID, u.Table, err)
		}
		data, err := scanunit.MarshalSubstraitJSON(sp.Plan)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, u.ID+".substrait.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// unitTable returns the location and pinned version of a unit's table.
func unitTable(b *planbundle.Bundle, u planbundle.ScanUnit) (string, int64, error) {
	for _, p := range b.Components.DeltaPins {
		if p.Table != u.Table || p.Version != u.DeltaVersion {
			continue
		}
		for _, t := range b.Tables {
			if t.TableID == p.TableID && t.Version == p.Version {
				return t.Location, t.Version, nil
			}
		}
	}
	return "", 0, fmt.Errorf("scan unit %s: no pinned table for read %s (known: %s)", u.ID, u.Table, tableNames(b))
}

func tableNames(b *planbundle.Bundle) string {
	var names []string
	for _, t := range b.Tables {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}
