package identity

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protojson"
)

// legacyDecls is the part of a plan JSON that v0.85 protobuf no longer
// models: extension URIs and the declarations that reference them.
type legacyDecls struct {
	ExtensionURIs []struct {
		Anchor uint32 `json:"extensionUriAnchor"`
		URI    string `json:"uri"`
	} `json:"extensionUris"`
	Extensions []struct {
		Function *struct {
			URIRef uint32 `json:"extensionUriReference"`
			Anchor uint32 `json:"functionAnchor"`
			Name   string `json:"name"`
		} `json:"extensionFunction"`
		Type *struct {
			URIRef uint32 `json:"extensionUriReference"`
			Anchor uint32 `json:"typeAnchor"`
			Name   string `json:"name"`
		} `json:"extensionType"`
		Variation *struct {
			URIRef uint32 `json:"extensionUriReference"`
			Anchor uint32 `json:"typeVariationAnchor"`
			Name   string `json:"name"`
		} `json:"extensionTypeVariation"`
	} `json:"extensions"`
}

// loadPlan decodes a corpus plan leniently (v0.85 lacks the legacy URI
// fields) and resolves its anchors from the legacy URI declarations when the
// plan has no URN declarations. This stands in for the lineage decoder.
func loadPlan(tb testing.TB, rel string) (*substraitpb.Plan, *AnchorTable) {
	tb.Helper()
	path := filepath.Join(fixtures.Dir(tb, "substrait"), rel)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	p := &substraitpb.Plan{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, p); err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
	if len(p.GetExtensionUrns()) > 0 {
		t, err := PlanAnchors(p)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		return p, t
	}
	var legacy legacyDecls
	if err := json.Unmarshal(data, &legacy); err != nil {
		tb.Fatalf("decode legacy declarations %s: %v", path, err)
	}
	uris := map[uint32]string{}
	for _, u := range legacy.ExtensionURIs {
		uris[u.Anchor] = u.URI
	}
	t := NewAnchorTable()
	for _, d := range legacy.Extensions {
		var err error
		switch {
		case d.Function != nil:
			err = t.Add(AnchorFunction, d.Function.Anchor, uris[d.Function.URIRef], d.Function.Name)
		case d.Type != nil:
			err = t.Add(AnchorType, d.Type.Anchor, uris[d.Type.URIRef], d.Type.Name)
		case d.Variation != nil:
			err = t.Add(AnchorTypeVariation, d.Variation.Anchor, uris[d.Variation.URIRef], d.Variation.Name)
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	return p, t
}

// tpchFiles lists the TPC-H plans of the corpus (Isthmus; q15 is absent).
func tpchFiles(tb testing.TB) []string {
	tb.Helper()
	matches, err := filepath.Glob(filepath.Join(fixtures.Dir(tb, "substrait"), "isthmus", "integration-tpch-q*.json"))
	if err != nil || len(matches) < 20 {
		tb.Fatalf("TPC-H plans: found %d (%v)", len(matches), err)
	}
	out := make([]string, len(matches))
	for i, m := range matches {
		out[i] = filepath.Join("isthmus", filepath.Base(m))
	}
	return out
}
