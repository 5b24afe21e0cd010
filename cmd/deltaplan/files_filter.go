package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// parseFilters parses the --filter flags and ANDs them; the text is the
// flags joined with AND (each parenthesised when there are several). A
// malformed expression is a command-line error (exit 2).
func parseFilters(texts []string) (string, model.Pred, error) {
	var args []model.Pred
	for _, t := range texts {
		p, err := scanunit.ParseFilter(t)
		if err != nil {
			return "", nil, usageError{fmt.Errorf("--filter %q: %w", t, err)}
		}
		args = append(args, p)
	}
	if len(texts) == 1 {
		return texts[0], args[0], nil
	}
	parts := make([]string, len(texts))
	for i, t := range texts {
		parts[i] = "(" + t + ")"
	}
	return strings.Join(parts, " AND "), model.And{Args: args}, nil
}

// newSnapshotPruner compiles pred against the table's schema. A column the
// table lacks (or names ambiguously ignoring case) and a literal that cannot
// be its column's type are errors in the command line: exit 2, never a
// silent keep-everything.
func newSnapshotPruner(s *delta.Snapshot, pred model.Pred) (*scanunit.Pruner, error) {
	schema, err := snapshotSchema(s)
	if err != nil {
		return nil, err
	}
	pr, err := scanunit.NewPruner(pred, schema)
	if err != nil {
		if errors.Is(err, scanunit.ErrUnknownColumn) || errors.Is(err, scanunit.ErrAmbiguousColumn) || errors.Is(err, scanunit.ErrLiteralType) {
			return nil, usageError{fmt.Errorf("--filter on %s: %w", s.Location, err)}
		}
		return nil, fmt.Errorf("--filter on %s: %w", s.Location, err)
	}
	return pr, nil
}

// snapshotSchema lists the table's columns with their types (see
// scanunit.SchemaOfTable); a table without a schema falls back to the
// columns its statistics and partitions name.
func snapshotSchema(s *delta.Snapshot) (scanunit.Schema, error) {
	if s.Metadata.Schema == nil {
		return scanunit.SchemaOf(s.Files), nil
	}
	schema, err := scanunit.SchemaOfTable(&s.Metadata)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Location, err)
	}
	return schema, nil
}
