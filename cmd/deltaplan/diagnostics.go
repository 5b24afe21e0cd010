package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/diagnostics"
	"github.com/deltaplan/deltaplan/storage"
)

// diagnosticsOpen opens the storage of one diagnostics table (any
// LOCATION, parsed by package storage). Tests replace it.
var diagnosticsOpen diagnostics.Opener = func(ctx context.Context, location string) (deltawrite.Storage, error) {
	return storage.OpenWritable(ctx, location)
}

// newRunID names one command run in the diagnostics tables.
var newRunID = uuid.NewString

// writeDiagnostics appends the batches to the diagnostics tables under
// location (one commit per table). The error names the location; nothing
// is printed.
func writeDiagnostics(ctx context.Context, location, runID string, batches ...diagnostics.Batch) error {
	w := diagnostics.Writer{Open: diagnosticsOpen}
	if err := w.Write(ctx, location, runID, batches...); err != nil {
		return fmt.Errorf("write diagnostics to %s: %w", location, err)
	}
	return nil
}

// viewName is the view a plan file stands for in diagnostics: its base
// name without extension ("stdin" for "-").
func viewName(planPath string) string {
	if planPath == "-" {
		return "stdin"
	}
	base := filepath.Base(planPath)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
