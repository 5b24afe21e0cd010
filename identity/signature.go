package identity

import (
	"fmt"
	"slices"
	"strings"
)

// Pin is one Delta table a plan reads, pinned to a version. Only the
// table's metadata id and version are hashed, never where it is stored, so
// a copied table gives the same signature.
type Pin struct {
	Table   string `json:"table"`    // the read's table name as the plan names it
	TableID string `json:"table_id"` // Delta metadata id
	Version int64  `json:"version"`
}

// Components are the named inputs of an enriched signature; the JSON field
// names are the "components" object of the plan bundle contract.
//
// The signature covers what can change a plan's result and nothing else
// (encoding version 2): the plan fingerprint, every session setting
// (SettingsHash: a setting cannot be attributed to a plan), the UDFs the
// plan calls (UDFSnapshotHash over those only), the rewrite tags that apply
// to the plan, the planners, the Delta pins and the scan units. RuntimeHash,
// the hash of the whole session, is kept so that two sessions can be told
// apart, but it is not signed: a change to a UDF the plan never calls must
// not move the signature.
//
// Invariants (checked by Validate; Normalize establishes the ordering ones):
// RewriteTags and Planners sorted and unique, DeltaPins sorted by Table with
// unique non-empty tables, versions ≥ 0. A zero Digest means the component
// is absent (for example no scan units yet) and is hashed as absent.
type Components struct {
	PlanFingerprint Digest `json:"plan_fingerprint"`
	// RuntimeHash is the whole session; informational, outside the signature.
	RuntimeHash Digest `json:"runtime_hash"`
	// SettingsHash is the session settings (all of them).
	SettingsHash Digest `json:"settings_hash"`
	// UDFSnapshotHash is the identities of the UDFs the plan calls.
	UDFSnapshotHash Digest `json:"udf_snapshot_hash"`
	// RewriteTags are the session tags that apply to the plan.
	RewriteTags []string `json:"rewrite_tags"`
	// Planners are the session's enabled planners.
	Planners        []string `json:"planners"`
	DeltaPins       []Pin    `json:"delta_pins"`
	ScanUnitsDigest Digest   `json:"scan_units_digest"`
}

// Normalize sorts and de-duplicates RewriteTags and Planners, sorts
// DeltaPins by table and replaces nil lists by empty ones (so JSON prints []
// and not null).
func (c *Components) Normalize() {
	c.RewriteTags = slices.Compact(slices.Sorted(slices.Values(c.RewriteTags)))
	if c.RewriteTags == nil {
		c.RewriteTags = []string{}
	}
	c.Planners = slices.Compact(slices.Sorted(slices.Values(c.Planners)))
	if c.Planners == nil {
		c.Planners = []string{}
	}
	c.DeltaPins = slices.Clone(c.DeltaPins)
	slices.SortStableFunc(c.DeltaPins, func(a, b Pin) int { return strings.Compare(a.Table, b.Table) })
	if c.DeltaPins == nil {
		c.DeltaPins = []Pin{}
	}
}

// Validate reports every broken invariant at once.
func (c *Components) Validate() error {
	var probs []string
	for i, t := range c.RewriteTags {
		if t == "" {
			probs = append(probs, fmt.Sprintf("rewrite_tags[%d] is empty", i))
		}
		if i > 0 && c.RewriteTags[i-1] >= t {
			probs = append(probs, fmt.Sprintf("rewrite_tags[%d] %q is not after %q (sorted set expected)", i, t, c.RewriteTags[i-1]))
		}
	}
	for i, p := range c.Planners {
		if p == "" {
			probs = append(probs, fmt.Sprintf("planners[%d] is empty", i))
		}
		if i > 0 && c.Planners[i-1] >= p {
			probs = append(probs, fmt.Sprintf("planners[%d] %q is not after %q (sorted set expected)", i, p, c.Planners[i-1]))
		}
	}
	for i, p := range c.DeltaPins {
		if p.Table == "" {
			probs = append(probs, fmt.Sprintf("delta_pins[%d] has no table", i))
		}
		if p.Version < 0 {
			probs = append(probs, fmt.Sprintf("delta_pins[%d] (%s) has negative version %d", i, p.Table, p.Version))
		}
		if i > 0 && c.DeltaPins[i-1].Table >= p.Table {
			probs = append(probs, fmt.Sprintf("delta_pins[%d] %q is not after %q (sorted by table, unique)", i, p.Table, c.DeltaPins[i-1].Table))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidComponents, strings.Join(probs, "; "))
	}
	return nil
}

func digestOrNull(e *Encoder, d Digest) {
	if d.IsZero() {
		e.Null()
	} else {
		e.Digest(d)
	}
}

// Signature hashes the signed components in the "signature" domain (every
// component but RuntimeHash). It fails when c is not valid; call Normalize
// first on hand-assembled components.
func (c *Components) Signature() (Digest, error) {
	if err := c.Validate(); err != nil {
		return Digest{}, err
	}
	e := New("signature")
	e.Struct(4)
	e.Field("plan_fingerprint")
	digestOrNull(e, c.PlanFingerprint)
	e.Field("session")
	c.encodeSession(e)
	e.Field("delta_pins")
	e.List(len(c.DeltaPins))
	for _, p := range c.DeltaPins {
		e.Struct(3)
		e.Field("table")
		e.String(p.Table)
		e.Field("table_id")
		e.String(p.TableID)
		e.Field("version")
		e.Int(p.Version)
	}
	e.Field("scan_units_digest")
	digestOrNull(e, c.ScanUnitsDigest)
	return e.Sum()
}

// encodeSession writes the signed part of the session: settings, called
// UDFs, applicable rewrite tags and planners, as one struct.
func (c *Components) encodeSession(e *Encoder) {
	e.Struct(4)
	e.Field("settings_hash")
	digestOrNull(e, c.SettingsHash)
	e.Field("udf_snapshot_hash")
	digestOrNull(e, c.UDFSnapshotHash)
	e.Field("rewrite_tags")
	e.StringList(c.RewriteTags)
	e.Field("planners")
	e.StringList(c.Planners)
}

// SessionDigest is the part of the session the signature covers (settings,
// called UDFs, applicable rewrite tags, planners) as one digest: what a
// cache key's code version needs besides the plan fingerprint.
func (c *Components) SessionDigest() Digest {
	n := *c
	n.Normalize()
	e := New("signed-session")
	n.encodeSession(e)
	d, _ := e.Sum() // a fixed shape cannot misuse the encoder
	return d
}

// Manifest is a signature with the components it was computed from: the
// readable key that lets two signatures be explained (see Diff).
type Manifest struct {
	Signature  Digest     `json:"signature"`
	Components Components `json:"components"`
}

// NewManifest normalizes c and signs it.
func NewManifest(c Components) (Manifest, error) {
	c.Normalize()
	sig, err := c.Signature()
	if err != nil {
		return Manifest{}, err
	}
	return Manifest{Signature: sig, Components: c}, nil
}

// Verify recomputes the signature from the components and reports a
// mismatch (a manifest edited by hand or written by another encoding
// version).
func (m Manifest) Verify() error {
	sig, err := m.Components.Signature()
	if err != nil {
		return err
	}
	if sig != m.Signature {
		return fmt.Errorf("%w: signature %s does not match its components (recomputed %s)",
			ErrInvalidComponents, m.Signature, sig)
	}
	return nil
}
