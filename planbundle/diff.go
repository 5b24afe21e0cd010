package planbundle

import (
	"fmt"

	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/session"
)

// Result is the explained difference of two bundles, the `diff --json`
// document of the contract.
type Result struct {
	Same    bool              `json:"same"`
	Changes []identity.Change `json:"changes"`
}

// Diff explains how bundle b differs from a, by component: a moved pin
// (delta_pin, the table, old and new version), a setting, a UDF, a rewrite
// tag or planner, and the relation paths of the plan whose content changed.
// A digest-level change that no finer change explains is kept, so nothing
// is hidden. Changes are sorted by component, then path.
func Diff(a, b *Bundle) (Result, error) {
	coarse := identity.DiffComponents(a.Components, b.Components)
	fine := [][]identity.Change{session.Diff(a.Session, b.Session)}
	if a.Components.PlanFingerprint != b.Components.PlanFingerprint {
		rel, err := identity.DiffRelations(a.PlanRelations, b.PlanRelations)
		if err != nil {
			return Result{}, fmt.Errorf("diff plan relations: %w", err)
		}
		fine = append(fine, rel)
	}
	changes := identity.Explain(coarse, fine...)
	if changes == nil {
		changes = []identity.Change{}
	}
	return Result{Same: a.Signature == b.Signature && len(changes) == 0, Changes: changes}, nil
}
