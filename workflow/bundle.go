package workflow

import (
	"context"

	"github.com/deltaplan/deltaplan/planbundle"
)

// buildBundle builds a view's bundle; views are the workflow views its plan
// reads, which are not Delta tables.
func buildBundle(ctx context.Context, in planbundle.Inputs, views []string) (*planbundle.Bundle, error) {
	in.Views = views
	return planbundle.Build(ctx, in)
}
